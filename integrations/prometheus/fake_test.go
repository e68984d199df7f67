package prometheus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/integrations/prometheus"
)

// t0 is the start of the first bucket in the tests.
var t0 = time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)

// hour returns the start of bucket i.
func hour(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }

// fakeSeries is one series a fake query answers: its value at each
// evaluation time, or no sample.
type fakeSeries struct {
	labels map[string]string
	at     func(t time.Time) (float64, bool)
}

// fake is a Prometheus stand-in that evaluates range queries the way
// Prometheus does (at start, start+step, ... up to end, refusing more
// than limit points), answering each known query with its series and any
// other with an empty matrix. It records every request.
type fake struct {
	t     *testing.T
	srv   *httptest.Server
	limit int
	// handle, when set, answers request n (1-based) instead, unless it
	// returns false.
	handle func(w http.ResponseWriter, r *http.Request, form url.Values, n int) bool
	// overreach makes the fake answer one step before and after the
	// range asked for, as a sloppy proxy might.
	overreach bool
	// warnings are attached to every successful answer.
	warnings []string

	mu     sync.Mutex
	series map[string][]fakeSeries
	forms  []url.Values
	paths  []string
	heads  []http.Header
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, limit: 11000, series: map[string][]fakeSeries{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// add makes query answer one more series.
func (f *fake) add(query string, labels map[string]string, at func(time.Time) (float64, bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if labels == nil {
		labels = map[string]string{}
	}
	f.series[query] = append(f.series[query], fakeSeries{labels, at})
}

// requests returns the forms of the requests made so far.
func (f *fake) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.forms = append(f.forms, r.PostForm)
	f.paths = append(f.paths, r.URL.Path)
	f.heads = append(f.heads, r.Header.Clone())
	n := len(f.forms)
	f.mu.Unlock()
	if r.Method != http.MethodPost {
		apiError(w, http.StatusMethodNotAllowed, "bad_data", "want POST")
		return
	}
	if f.handle != nil && f.handle(w, r, r.PostForm, n) {
		return
	}
	if r.URL.Path != "/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	start, err1 := parseTime(r.PostForm.Get("start"))
	end, err2 := parseTime(r.PostForm.Get("end"))
	stepS, err3 := strconv.ParseFloat(r.PostForm.Get("step"), 64)
	if err1 != nil || err2 != nil || err3 != nil || stepS <= 0 || end.Before(start) {
		apiError(w, http.StatusBadRequest, "bad_data", "bad range")
		return
	}
	step := time.Duration(stepS * float64(time.Second))
	if points := int(end.Sub(start)/step) + 1; points > f.limit {
		// Prometheus's own words (web/api/v1/api.go).
		apiError(w, http.StatusBadRequest, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
		return
	}
	if f.overreach {
		start, end = start.Add(-step), end.Add(step)
	}
	f.mu.Lock()
	series := f.series[r.PostForm.Get("query")]
	f.mu.Unlock()
	result := []map[string]any{}
	for _, s := range series {
		var values [][2]any
		for t := start; !t.After(end); t = t.Add(step) {
			if v, ok := s.at(t); ok {
				values = append(values, [2]any{float64(t.UnixMilli()) / 1000, formatValue(v)})
			}
		}
		if len(values) > 0 {
			result = append(result, map[string]any{"metric": s.labels, "values": values})
		}
	}
	answer := map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}}
	if f.warnings != nil {
		answer["warnings"] = f.warnings
	}
	writeJSON(w, http.StatusOK, answer)
}

func parseTime(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), nil
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"status": "error", "errorType": typ, "error": msg})
}

// sleeper records the waits asked for without waiting.
type sleeper struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// client returns a client of url that sleeps on s, with jitter fixed at
// its midpoint, a 100ms base backoff and two retries, then applies the
// changes.
func client(t *testing.T, u string, s *sleeper, changes ...func(*prometheus.ClientConfig)) *prometheus.Client {
	t.Helper()
	cfg := prometheus.ClientConfig{
		URL: u, Retries: 2, Backoff: 100 * time.Millisecond, MaxBackoff: time.Second,
		Sleep: s.sleep, Rand: func() float64 { return 0.5 },
	}
	for _, c := range changes {
		c(&cfg)
	}
	c, err := prometheus.NewClient(cfg)
	require.NoError(t, err)
	return c
}

// every returns a series function with value v at every time.
func every(v float64) func(time.Time) (float64, bool) {
	return func(time.Time) (float64, bool) { return v, true }
}

// byBucket returns a series function that gives, at evaluation time t,
// vals[i] for the bucket i starting at t-1h, and no sample where vals
// has none (NaN in want means the value NaN, use skip for no sample).
func byBucket(vals ...float64) func(time.Time) (float64, bool) {
	return func(t time.Time) (float64, bool) {
		i := int(t.Sub(t0)/time.Hour) - 1
		if i < 0 || i >= len(vals) || vals[i] == skip {
			return 0, false
		}
		return vals[i], true
	}
}

// skip marks a bucket without a sample in byBucket.
const skip = -12345.0

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return v
}
