package prometheus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slorec/slorec"
)

// Point is one sample: a time and a value. Values are float64 as
// Prometheus returns them, NaN and infinities included; the readers of
// this package decide which values they accept.
type Point struct {
	T time.Time
	V float64
}

// Series is one time series of a range query's answer.
type Series struct {
	// Labels are the series' labels; empty for an aggregate such as
	// sum(...).
	Labels map[string]string
	// Points are in increasing time order, without duplicates.
	Points []Point
}

// Matrix is the answer to a range query: series sorted by their labels.
type Matrix []Series

// Sample is one series of an instant query's answer.
type Sample struct {
	Labels map[string]string
	Point  Point
}

// Vector is the answer to an instant query: samples sorted by their labels.
type Vector []Sample

// Warnings are the warnings Prometheus attached to a successful answer
// (for example that a metric might not be a counter).
type Warnings []string

// Result types of the Prometheus HTTP API.
const (
	resultMatrix = "matrix"
	resultVector = "vector"
)

// envelope is the Prometheus HTTP API's JSON answer.
type envelope struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
	Warnings  []string        `json:"warnings"`
}

type envelopeData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

type rawSeries struct {
	Metric     map[string]string `json:"metric"`
	Values     []rawPoint        `json:"values"`
	Value      *rawPoint         `json:"value"`
	Histograms json.RawMessage   `json:"histograms"`
	Histogram  json.RawMessage   `json:"histogram"`
}

// maxUnixSeconds bounds sample times (the year 5138), so that converting
// them to milliseconds cannot overflow.
const maxUnixSeconds = 1e11

// rawPoint is [unix seconds, "value"].
type rawPoint Point

// UnmarshalJSON reads [1735689600.5, "12.5"]; the value may be "NaN",
// "+Inf" or "-Inf".
func (p *rawPoint) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("sample %s: want [time, \"value\"]", snippet(b, 40))
	}
	if len(pair) != 2 {
		return fmt.Errorf("sample %s: want [time, \"value\"]", snippet(b, 40))
	}
	secs, err := strconv.ParseFloat(string(pair[0]), 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
		return fmt.Errorf("sample %s: time %s is not a number", snippet(b, 40), snippet(pair[0], 40))
	}
	if math.Abs(secs) > maxUnixSeconds {
		return fmt.Errorf("sample %s: time %s is out of range", snippet(b, 40), snippet(pair[0], 40))
	}
	var vs string
	if err := json.Unmarshal(pair[1], &vs); err != nil {
		return fmt.Errorf("sample %s: value %s is not a string", snippet(b, 40), snippet(pair[1], 40))
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("sample %s: value %q is not a number", snippet(b, 40), vs)
	}
	p.T = time.UnixMilli(int64(math.Round(secs * 1000))).UTC()
	p.V = v
	return nil
}

// answerError is a problem with an answer: the code and reason of a
// QueryError, and whether another attempt might get a better answer.
type answerError struct {
	code   string
	status int
	typ    string
	reason string
	err    error
	retry  bool
	// wait is the server's Retry-After, when it sent one.
	wait time.Duration
}

// decodeEnvelope reads a 2xx answer body: the envelope with status
// "success" and the data of the result type want.
func decodeEnvelope(body []byte, contentType, want string) (json.RawMessage, Warnings, *answerError) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, &answerError{code: slorec.EUNAVAILABLE, reason: notJSON(body, contentType, err)}
	}
	switch env.Status {
	case "success":
	case "error":
		return nil, nil, &answerError{code: typeCode(env.ErrorType), typ: env.ErrorType, reason: withType("status \"error\"", env.ErrorType, env.Error)}
	default:
		return nil, nil, &answerError{code: slorec.EUNAVAILABLE, reason: fmt.Sprintf("answer has status %q, want \"success\" or \"error\"", env.Status)}
	}
	if len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")) {
		return nil, nil, &answerError{code: slorec.EUNAVAILABLE, reason: "answer has no data"}
	}
	var d envelopeData
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return nil, nil, &answerError{code: slorec.EUNAVAILABLE, reason: "malformed data: " + jsonReason(err)}
	}
	if d.ResultType != want {
		return nil, nil, &answerError{code: slorec.EUNAVAILABLE, reason: fmt.Sprintf("result type %q, want %q", d.ResultType, want)}
	}
	return d.Result, env.Warnings, nil
}

// decodeMatrix reads a matrix result.
func decodeMatrix(result json.RawMessage) (Matrix, *answerError) {
	var raw []rawSeries
	if err := json.Unmarshal(result, &raw); err != nil {
		return nil, &answerError{code: slorec.EUNAVAILABLE, reason: "malformed result: " + jsonReason(err)}
	}
	m := make(Matrix, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for _, r := range raw {
		labels := labelString(r.Metric)
		if len(r.Histograms) > 0 && !bytes.Equal(r.Histograms, []byte("null")) {
			return nil, &answerError{code: slorec.EINVALID, reason: "series " + labels + " holds native histogram samples, which slorec does not read"}
		}
		if seen[labels] {
			return nil, &answerError{code: slorec.EUNAVAILABLE, reason: "series " + labels + " appears twice"}
		}
		seen[labels] = true
		pts := make([]Point, len(r.Values))
		for i, p := range r.Values {
			pts[i] = Point(p)
			if i > 0 && !pts[i].T.After(pts[i-1].T) {
				return nil, &answerError{code: slorec.EUNAVAILABLE, reason: fmt.Sprintf("series %s: samples out of order at %s", labels, stamp(pts[i].T))}
			}
		}
		m = append(m, Series{Labels: nonNil(r.Metric), Points: pts})
	}
	slices.SortFunc(m, func(a, b Series) int { return strings.Compare(labelString(a.Labels), labelString(b.Labels)) })
	return m, nil
}

// decodeVector reads a vector result.
func decodeVector(result json.RawMessage) (Vector, *answerError) {
	var raw []rawSeries
	if err := json.Unmarshal(result, &raw); err != nil {
		return nil, &answerError{code: slorec.EUNAVAILABLE, reason: "malformed result: " + jsonReason(err)}
	}
	v := make(Vector, 0, len(raw))
	for _, r := range raw {
		labels := labelString(r.Metric)
		if r.Value == nil {
			if len(r.Histogram) > 0 && !bytes.Equal(r.Histogram, []byte("null")) {
				return nil, &answerError{code: slorec.EINVALID, reason: "series " + labels + " holds a native histogram sample, which slorec does not read"}
			}
			return nil, &answerError{code: slorec.EUNAVAILABLE, reason: "series " + labels + " has no value"}
		}
		v = append(v, Sample{Labels: nonNil(r.Metric), Point: Point(*r.Value)})
	}
	slices.SortFunc(v, func(a, b Sample) int { return strings.Compare(labelString(a.Labels), labelString(b.Labels)) })
	return v, nil
}

// errorBody reads the body of a non-2xx answer: Prometheus's error
// envelope when it is one, else a snippet of the body.
func errorBody(status int, body []byte) (typ, reason string) {
	var env envelope
	if json.Unmarshal(body, &env) == nil && env.Status == "error" && env.Error != "" {
		return env.ErrorType, withType("HTTP "+strconv.Itoa(status), env.ErrorType, env.Error)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "", fmt.Sprintf("HTTP %d with an empty body", status)
	}
	return "", fmt.Sprintf("HTTP %d: %s", status, snippet(body, 200))
}

// typeCode maps Prometheus's errorType to a slorec code: the query's fault
// (bad_data, execution) is EINVALID, Prometheus's own trouble EUNAVAILABLE.
func typeCode(typ string) string {
	switch typ {
	case "bad_data", "execution":
		return slorec.EINVALID
	case "not_found":
		return slorec.ENOTFOUND
	}
	return slorec.EUNAVAILABLE
}

func withType(prefix, typ, msg string) string {
	if typ != "" {
		prefix += " (" + typ + ")"
	}
	return prefix + ": " + msg
}

// notJSON explains a body that is not the JSON envelope.
func notJSON(body []byte, contentType string, err error) string {
	what := "answer is not JSON"
	if ct := strings.TrimSpace(strings.Split(contentType, ";")[0]); ct != "" && ct != "application/json" {
		what += " (Content-Type " + ct + ")"
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return what + ": empty body"
	}
	return what + ": " + jsonReason(err) + "; body starts " + strconv.Quote(snippet(body, 60))
}

// jsonReason shortens encoding/json's messages.
func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "value"
		}
		return fmt.Sprintf("%s is a JSON %s, want %s", field, te.Value, te.Type)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// snippet returns the start of b as one line of at most n runes.
func snippet(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "..."
}

// labelString formats labels the way PromQL writes them, sorted:
// {code="500", service="cart"}; {} for none.
func labelString(ls map[string]string) string {
	keys := make([]string, 0, len(ls))
	for k := range ls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(ls[k]))
	}
	b.WriteByte('}')
	return b.String()
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// stamp formats a time for messages.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
