package slorec

import (
	"errors"
	"fmt"
)

// Error codes. They are stable strings: the API maps them to HTTP statuses
// and clients may switch on them.
const (
	EINVALID      = "invalid"      // the caller sent something malformed
	ENOTFOUND     = "not_found"    // the named entity does not exist
	ECONFLICT     = "conflict"     // the write clashes with existing state
	EREJECTED     = "rejected"     // a guardrail refused the content
	EUNAVAILABLE  = "unavailable"  // a backend (LLM, database) is down
	EUNAUTHORIZED = "unauthorized" // no credentials, or unknown or revoked ones
	EFORBIDDEN    = "forbidden"    // the credentials do not allow the action
	ELIMITED      = "rate_limited" // too many requests; retry later
	EINTERNAL     = "internal"     // anything else; never shown to users
)

// Error is an application error with a code and a message that is safe to
// show to users. Errors without a code are treated as EINTERNAL.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("slorec error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a
// nil error and EINTERNAL for an error without a code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of the first *Error in err's
// chain, or a generic message for uncoded errors, whose text may leak
// internals.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
