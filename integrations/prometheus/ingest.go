package prometheus

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
)

// Querier runs range queries: query evaluated at start, start+step, ...,
// up to end. *Client implements it. Errors are *QueryError or, for a bad
// range, EINVALID errors.
type Querier interface {
	QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (Matrix, Warnings, error)
}

// DefaultStep is the bucket width: slorec's metric buckets are hourly.
const DefaultStep = time.Hour

// DefaultConcurrency is how many services Ingest queries at once: enough
// to hide latency, few enough not to load a shared Prometheus.
const DefaultConcurrency = 4

// Quantiles read for every bucket, with the MetricBucket field each fills.
var quantiles = [3]float64{0.5, 0.95, 0.99}

// Options configures Ingest. The zero value reads hourly buckets of
// requests, errors and latency, four services at a time, without edges.
type Options struct {
	// Step is the bucket width: a whole number of seconds; zero means
	// DefaultStep.
	Step time.Duration
	// Concurrency is how many services are queried at once; zero means
	// DefaultConcurrency.
	Concurrency int
	// Edges also reads dependency edges from cfg.ServiceGraph (see Edges).
	Edges bool
}

// Result is what Ingest read.
type Result struct {
	// Start and End bound the buckets: the first starts at Start, the
	// last ends at End.
	Start time.Time
	End   time.Time
	Step  time.Duration
	// Buckets holds, for each service all of whose queries succeeded,
	// its buckets in time order, one per step with a requests sample
	// (hours without one have no bucket: no data is not zero traffic).
	// A failed service has no entry.
	Buckets map[string][]slorec.MetricBucket
	// Failures lists the services that contributed no bucket, sorted by
	// service.
	Failures []Failure
	// Edges are the observed dependency edges, sorted; nil unless
	// Options.Edges.
	Edges []Edge
	// EdgesErr is why the edges could not be read, when they could not;
	// the buckets are unaffected.
	EdgesErr error
	// Warnings are facts worth a look that did not fail a service (a
	// missing errors series counted as zero errors, say), sorted by
	// service.
	Warnings []Warning
}

// Failure is a service whose ingestion failed.
type Failure struct {
	Service string
	// Err is a *QueryError or a slorec error (EINVALID for data that
	// contradicts the mapping, such as more errors than requests).
	Err error
}

// MarshalJSON writes {"service", "code", "error"} with the user-safe
// message.
func (f Failure) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Service string `json:"service"`
		Code    string `json:"code"`
		Error   string `json:"error"`
	}{f.Service, slorec.ErrorCode(f.Err), slorec.ErrorMessage(f.Err)})
}

// Warning is a remark about one service's series ("" for the service
// graph).
type Warning struct {
	Service string `json:"service,omitempty"`
	Message string `json:"message"`
}

// Metrics returns every bucket, sorted by start time, then service (the
// order of dataset's metrics.csv).
func (r *Result) Metrics() []slorec.MetricBucket {
	n := 0
	for _, bs := range r.Buckets {
		n += len(bs)
	}
	out := make([]slorec.MetricBucket, 0, n)
	for _, bs := range r.Buckets {
		out = append(out, bs...)
	}
	slices.SortFunc(out, func(a, b slorec.MetricBucket) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Service, b.Service))
	})
	return out
}

// Report is a JSON-friendly summary of a Result: for the CLI's output and
// the API's answer.
type Report struct {
	Start       time.Time       `json:"start"`
	End         time.Time       `json:"end"`
	StepSeconds int64           `json:"step_seconds"`
	Services    []ServiceReport `json:"services"`
	Buckets     int             `json:"buckets"`
	Edges       *EdgesReport    `json:"edges,omitempty"`
	Warnings    []Warning       `json:"warnings,omitempty"`
}

// ServiceReport is one service's outcome: its bucket count, or the code
// and message of its failure.
type ServiceReport struct {
	Service string `json:"service"`
	Buckets int    `json:"buckets"`
	Code    string `json:"code,omitempty"`
	Error   string `json:"error,omitempty"`
}

// EdgesReport is the outcome of reading the service graph.
type EdgesReport struct {
	Edges int    `json:"edges"`
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// Report summarises the result, services sorted by id.
func (r *Result) Report() Report {
	rep := Report{Start: r.Start, End: r.End, StepSeconds: int64(r.Step / time.Second), Warnings: r.Warnings}
	for s, bs := range r.Buckets {
		rep.Services = append(rep.Services, ServiceReport{Service: s, Buckets: len(bs)})
		rep.Buckets += len(bs)
	}
	for _, f := range r.Failures {
		rep.Services = append(rep.Services, ServiceReport{Service: f.Service, Code: slorec.ErrorCode(f.Err), Error: slorec.ErrorMessage(f.Err)})
	}
	slices.SortFunc(rep.Services, func(a, b ServiceReport) int { return cmp.Compare(a.Service, b.Service) })
	if r.Edges != nil || r.EdgesErr != nil {
		rep.Edges = &EdgesReport{Edges: len(r.Edges), Code: slorec.ErrorCode(r.EdgesErr), Error: slorec.ErrorMessage(r.EdgesErr)}
	}
	return rep
}

// Window returns the window of length d that ends at the last step
// boundary at or before now: [end-d, end), both ends on the step grid,
// so every bucket in it is complete. d is rounded up to whole steps.
func Window(now time.Time, d, step time.Duration) (start, end time.Time) {
	if step <= 0 {
		step = DefaultStep
	}
	end = now.UTC().Truncate(step)
	n := (d + step - 1) / step
	return end.Add(-n * step), end
}

// Ingest reads the metric history of services between start and end: for
// each step-long bucket [t, t+step), the requests and errors counted in
// it and the latency p50, p95 and p99 when the mapping names a latency
// series. start and end must lie on the step grid (whole hours, for the
// default step) with start before end.
//
// Each service is read with its own queries; a service with any failed
// query, or with data that contradicts the mapping, contributes no bucket
// and is listed in Result.Failures instead, so nothing is half-written.
// With Options.Edges the service graph's edges are read too; their
// failure is Result.EdgesErr. Ingest itself fails only for bad arguments
// (EINVALID) and when ctx ends.
func Ingest(ctx context.Context, q Querier, cfg *prommap.Config, services []string, start, end time.Time, opt Options) (*Result, error) {
	step := cmp.Or(opt.Step, DefaultStep)
	if err := checkRange(start, end, step); err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, slorec.Errorf(slorec.EINVALID, "ingest prometheus: no mapping")
	}
	if len(services) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "ingest prometheus: no services")
	}
	seen := make(map[string]bool, len(services))
	for _, s := range services {
		if s == "" {
			return nil, slorec.Errorf(slorec.EINVALID, "ingest prometheus: empty service id")
		}
		if seen[s] {
			return nil, slorec.Errorf(slorec.EINVALID, "ingest prometheus: service %q listed twice", s)
		}
		seen[s] = true
	}
	if opt.Edges && cfg.ServiceGraph == nil {
		return nil, slorec.Errorf(slorec.EINVALID, "ingest prometheus: edges asked for, but the mapping has no service_graph")
	}

	type outcome struct {
		buckets []slorec.MetricBucket
		warns   []string
		err     error
	}
	outs := make([]outcome, len(services))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(cmp.Or(opt.Concurrency, DefaultConcurrency), 1))
	for i, svc := range services {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			o := &outs[i]
			sli, err := cfg.Resolve(svc)
			if err != nil {
				o.err = err
				return
			}
			o.buckets, o.warns, o.err = ingestService(ctx, q, sli, start, end, step)
		})
	}
	wg.Wait()
	var (
		edges     []Edge
		edgeWarns []Warning
		edgesErr  error
	)
	if opt.Edges && ctx.Err() == nil {
		edges, edgeWarns, edgesErr = Edges(ctx, q, cfg.ServiceGraph, start, end, step)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ingest prometheus: %w", err)
	}

	res := &Result{Start: start.UTC(), End: end.UTC(), Step: step, Buckets: map[string][]slorec.MetricBucket{}}
	for i, svc := range services {
		o := outs[i]
		for _, w := range o.warns {
			res.Warnings = append(res.Warnings, Warning{Service: svc, Message: w})
		}
		if o.err != nil {
			res.Failures = append(res.Failures, Failure{Service: svc, Err: o.err})
			continue
		}
		res.Buckets[svc] = o.buckets
	}
	if opt.Edges {
		res.Edges, res.EdgesErr = edges, edgesErr
		if res.Edges == nil && edgesErr == nil {
			res.Edges = []Edge{}
		}
		res.Warnings = append(res.Warnings, edgeWarns...)
	}
	slices.SortFunc(res.Failures, func(a, b Failure) int { return cmp.Compare(a.Service, b.Service) })
	slices.SortStableFunc(res.Warnings, func(a, b Warning) int { return cmp.Compare(a.Service, b.Service) })
	return res, nil
}

// checkRange validates a bucket range.
func checkRange(start, end time.Time, step time.Duration) error {
	switch {
	case step < time.Second || step%time.Second != 0:
		return slorec.Errorf(slorec.EINVALID, "ingest prometheus: step %s is not a whole number of seconds", step)
	case start.IsZero() || end.IsZero():
		return slorec.Errorf(slorec.EINVALID, "ingest prometheus: start and end are required")
	case !end.After(start):
		return slorec.Errorf(slorec.EINVALID, "ingest prometheus: end %s is not after start %s", stamp(end), stamp(start))
	case start.UnixNano()%int64(step) != 0:
		return slorec.Errorf(slorec.EINVALID, "ingest prometheus: start %s is not on the %s grid", stamp(start), window(step))
	case end.UnixNano()%int64(step) != 0:
		return slorec.Errorf(slorec.EINVALID, "ingest prometheus: end %s is not on the %s grid", stamp(end), window(step))
	}
	return nil
}

// window formats a step as a PromQL duration: 1h, 30m, 90s.
func window(step time.Duration) string {
	switch {
	case step%time.Hour == 0:
		return strconv.FormatInt(int64(step/time.Hour), 10) + "h"
	case step%time.Minute == 0:
		return strconv.FormatInt(int64(step/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(step/time.Second), 10) + "s"
}

// grid places the samples of one range query on the buckets: the sample
// evaluated at t (covering (t-step, t]) belongs to the bucket starting at
// t-step. The query runs from start+step to end, one sample per bucket.
type grid struct {
	start time.Time // of the first bucket
	step  time.Duration
	n     int // buckets
}

func (g grid) first() time.Time { return g.start.Add(g.step) }
func (g grid) last() time.Time  { return g.start.Add(time.Duration(g.n) * g.step) }

// column is one query's value per bucket.
type column struct {
	v   []float64
	has []bool
	any bool
}

// read runs an aggregate query and returns its one series, placed on the
// grid; a column without any value when no series matched. Points off
// the grid, several series, or a labelled series are errors.
func (g grid) read(ctx context.Context, q Querier, query string) (column, Warnings, error) {
	m, warns, err := q.QueryRange(ctx, query, g.first(), g.last(), g.step)
	if err != nil {
		return column{}, nil, err
	}
	col := column{v: make([]float64, g.n), has: make([]bool, g.n)}
	switch {
	case len(m) == 0:
		return col, warns, nil
	case len(m) > 1 || len(m[0].Labels) > 0:
		return column{}, nil, unexpected(query, m, "want one series without labels")
	}
	for _, p := range m[0].Points {
		i, ok := g.index(p.T)
		if !ok {
			return column{}, nil, dataError(query, slorec.EUNAVAILABLE, fmt.Sprintf("sample at %s is off the query's %s grid from %s", stamp(p.T), window(g.step), stamp(g.first())))
		}
		col.v[i], col.has[i], col.any = p.V, true, true
	}
	return col, warns, nil
}

// index returns the bucket of the sample evaluated at t.
func (g grid) index(t time.Time) (int, bool) {
	d := t.Sub(g.first())
	if d < 0 || d%g.step != 0 {
		return 0, false
	}
	i := int(d / g.step)
	return i, i < g.n
}

func (g grid) bucketStart(i int) time.Time { return g.start.Add(time.Duration(i) * g.step) }

// unexpected describes an answer with the wrong series.
func unexpected(query string, m Matrix, want string) *QueryError {
	ls := make([]string, 0, 3)
	for i, s := range m {
		if i == 3 {
			ls = append(ls, "...")
			break
		}
		ls = append(ls, labelString(s.Labels))
	}
	n := "1 series"
	if len(m) != 1 {
		n = strconv.Itoa(len(m)) + " series"
	}
	return dataError(query, slorec.EINVALID, fmt.Sprintf("%s, got %s: %s", want, n, strings.Join(ls, ", ")))
}

// dataError is a QueryError about an answer's data.
func dataError(query, code, reason string) *QueryError {
	return &QueryError{Code: code, Endpoint: "query_range", Query: query, Reason: reason}
}

// ingestService reads one service's buckets.
func ingestService(ctx context.Context, q Querier, sli prommap.SLI, start, end time.Time, step time.Duration) ([]slorec.MetricBucket, []string, error) {
	g := grid{start: start.UTC(), step: step, n: int(end.Sub(start) / step)}
	w := window(step)
	var notes []string
	warn := func(ws Warnings, format string, args ...any) {
		for _, x := range ws {
			if n := "Prometheus warns: " + x; !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
		if format != "" {
			notes = append(notes, fmt.Sprintf(format, args...))
		}
	}

	reqQ := sli.Increase(sli.Requests, w)
	req, ws, err := g.read(ctx, q, reqQ)
	if err != nil {
		return nil, notes, err
	}
	warn(ws, "")
	if !req.any {
		return nil, notes, dataError(reqQ, slorec.ENOTFOUND, "no series matched; check the mapping's requests selector and service label")
	}
	requests, err := counts(reqQ, g, req)
	if err != nil {
		return nil, notes, err
	}

	errs := make([]int64, g.n)
	if sli.Errors == "" {
		warn(nil, "no errors series mapped; counted zero errors")
	} else {
		errQ := sli.Increase(sli.Errors, w)
		col, ws, err := g.read(ctx, q, errQ)
		if err != nil {
			return nil, notes, err
		}
		warn(ws, "")
		if !col.any {
			// Client libraries create a labelled counter on its first
			// increment, so a service that never failed has no 5xx
			// series at all: absence means zero.
			warn(nil, "no errors series matched %s; counted zero errors", errQ)
		}
		if errs, err = counts(errQ, g, col); err != nil {
			return nil, notes, err
		}
		orphan := 0
		for i := range g.n {
			if col.has[i] && !req.has[i] && errs[i] > 0 {
				orphan++
			}
		}
		if orphan > 0 {
			warn(nil, "errors in %d buckets without requests; ignored", orphan)
		}
	}

	var lat [len(quantiles)][]float64
	for k, qq := range quantiles {
		latQ, ok := sli.Quantile(qq, w)
		if !ok {
			break
		}
		col, ws, err := g.read(ctx, q, latQ)
		if err != nil {
			return nil, notes, err
		}
		warn(ws, "")
		if !col.any {
			warn(nil, "no latency series matched %s; buckets carry no latency", latQ)
			break
		}
		vals := make([]float64, g.n)
		nan := 0
		for i := range g.n {
			v := col.v[i]
			switch {
			case !col.has[i] || !req.has[i]:
			case math.IsNaN(v):
				// histogram_quantile answers NaN for a window without
				// observations, a summary for an empty sliding window:
				// no latency data, not an error.
				if requests[i] > 0 {
					nan++
				}
			case math.IsInf(v, 0) || v < 0:
				return nil, notes, dataError(latQ, slorec.EINVALID, fmt.Sprintf("value %s at %s is not a latency", fmtValue(v), stamp(g.bucketStart(i).Add(step))))
			default:
				vals[i] = v * sli.LatencyScale()
			}
		}
		if nan > 0 {
			warn(nil, "p%s is NaN in %d buckets with requests; left empty", strconv.FormatFloat(qq*100, 'f', -1, 64), nan)
		}
		lat[k] = vals
	}

	out := make([]slorec.MetricBucket, 0, g.n)
	for i := range g.n {
		if !req.has[i] {
			continue
		}
		b := slorec.MetricBucket{Service: sli.Service, Start: g.bucketStart(i), Requests: requests[i], Errors: errs[i]}
		if b.Errors > b.Requests {
			// increase() extrapolates each series to the window's edges
			// on its own, so two series of the same target can disagree
			// by a fraction of a request, and rounding can turn that
			// into one: clamp that much, refuse more.
			if b.Errors-b.Requests > 1 {
				return nil, notes, slorec.Errorf(slorec.EINVALID, "bucket %s: errors %d exceed requests %d; the errors selector must count a subset of the requests selector's requests",
					stamp(b.Start), b.Errors, b.Requests)
			}
			b.Errors = b.Requests
		}
		if lat[0] != nil {
			b.LatencyP50Ms = lat[0][i]
		}
		if lat[1] != nil {
			b.LatencyP95Ms = lat[1][i]
		}
		if lat[2] != nil {
			b.LatencyP99Ms = lat[2][i]
		}
		if err := b.Validate(); err != nil {
			return nil, notes, slorec.Errorf(slorec.EINVALID, "bucket %s: %s", stamp(b.Start), slorec.ErrorMessage(err))
		}
		out = append(out, b)
	}
	return out, notes, nil
}

// counts rounds a column of increases to whole requests: increase()
// extrapolates to the window's edges, so real counters give fractions.
func counts(query string, g grid, col column) ([]int64, error) {
	out := make([]int64, g.n)
	for i := range g.n {
		if !col.has[i] {
			continue
		}
		v := col.v[i]
		at := stamp(g.bucketStart(i).Add(g.step))
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return nil, dataError(query, slorec.EINVALID, fmt.Sprintf("value %s at %s is not a count", fmtValue(v), at))
		case v < 0:
			return nil, dataError(query, slorec.EINVALID, fmt.Sprintf("value %s at %s is negative; is the series a counter?", fmtValue(v), at))
		case v >= math.MaxInt64:
			return nil, dataError(query, slorec.EINVALID, fmt.Sprintf("value %s at %s is out of range", fmtValue(v), at))
		}
		out[i] = int64(math.Round(v))
	}
	return out, nil
}

// fmtValue writes a sample value the way Prometheus does.
func fmtValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
