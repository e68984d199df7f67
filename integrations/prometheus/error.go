package prometheus

import (
	"strconv"
	"strings"

	"github.com/slorec/slorec"
)

// QueryError is a query that Prometheus did not answer usefully: no answer
// in time, a refused connection, an HTTP error, an answer that is not the
// Prometheus JSON envelope, or an answer whose data cannot be used (wrong
// result type, NaN or infinite values, no series, unexpected labels).
//
// It unwraps to a *slorec.Error with Code and the full message, so
// slorec.ErrorCode and slorec.ErrorMessage report it, and to the cause
// (a network error, context.Canceled, context.DeadlineExceeded) when there
// is one.
type QueryError struct {
	// Code is the slorec error code: EUNAVAILABLE for timeouts, connection
	// errors, 5xx and unusable answers; EINVALID when Prometheus rejects
	// the query (400, 422) or its data contradicts the mapping; ENOTFOUND
	// for 404 and for a query no series matched; EUNAUTHORIZED and
	// EFORBIDDEN for 401 and 403; ELIMITED for 429.
	Code string
	// Endpoint is "query" or "query_range".
	Endpoint string
	// Query is the PromQL expression.
	Query string
	// Status is the HTTP status of the last answer; 0 when none arrived.
	Status int
	// Type is Prometheus's errorType (bad_data, execution, timeout, ...)
	// when the answer carried one.
	Type string
	// Attempts is how many requests were made; 0 when the error is about
	// the data of an answer that arrived.
	Attempts int
	// Reason says what was wrong, e.g. "HTTP 400 (bad_data): parse error".
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error formats the error as "prometheus: <endpoint> <query>: <reason>",
// followed by the number of attempts when there was more than one.
func (e *QueryError) Error() string {
	var b strings.Builder
	b.WriteString("prometheus: ")
	b.WriteString(e.Endpoint)
	if e.Query != "" {
		b.WriteByte(' ')
		b.WriteString(e.Query)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Attempts > 1 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts)")
	}
	return b.String()
}

// Unwrap returns the application error the query error stands for and
// its cause.
func (e *QueryError) Unwrap() []error {
	errs := []error{&slorec.Error{Code: e.Code, Message: e.Error()}}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
