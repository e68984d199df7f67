package prometheus_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prometheus"
	"github.com/slorec/slorec/integrations/prommap"
)

const mappingYAML = `
services:
  pay:
    errors: payment_requests_total{outcome="failure",service="{{service}}"}
    latency: {summary: 'payment_latency_ms{service="{{service}}"}', unit: milliseconds}
  plain:
    latency: {none: true}
`

func mapping(t *testing.T) *prommap.Config {
	t.Helper()
	cfg, err := prommap.Load(strings.NewReader(mappingYAML))
	require.NoError(t, err)
	return cfg
}

// sliQueries are the queries Ingest makes for one service.
type sliQueries struct {
	req, errs string
	lat       [3]string // p50, p95, p99; empty without latency
}

func queriesOf(t *testing.T, cfg *prommap.Config, svc string) sliQueries {
	t.Helper()
	sli, err := cfg.Resolve(svc)
	require.NoError(t, err)
	out := sliQueries{req: sli.Increase(sli.Requests, "1h"), errs: sli.Increase(sli.Errors, "1h")}
	for i, q := range []float64{0.5, 0.95, 0.99} {
		out.lat[i], _ = sli.Quantile(q, "1h")
	}
	return out
}

// serve makes the fake answer a service's queries with per-bucket values
// (skip for no sample); nil leaves a query unanswered (no series).
func (f *fake) serveService(qs sliQueries, req, errs []float64, lat [3][]float64) {
	if req != nil {
		f.add(qs.req, nil, byBucket(req...))
	}
	if errs != nil {
		f.add(qs.errs, nil, byBucket(errs...))
	}
	for i, l := range lat {
		if l != nil {
			f.add(qs.lat[i], nil, byBucket(l...))
		}
	}
}

func ingest(t *testing.T, f *fake, cfg *prommap.Config, services []string, buckets int, opt prometheus.Options) *prometheus.Result {
	t.Helper()
	res, err := prometheus.Ingest(context.Background(), client(t, f.srv.URL, &sleeper{}), cfg, services, hour(0), hour(buckets), opt)
	require.NoError(t, err)
	return res
}

func TestIngest(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	a, pay, plain := queriesOf(t, cfg, "a"), queriesOf(t, cfg, "pay"), queriesOf(t, cfg, "plain")
	require.Equal(t, `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="a"}[1h])))`, a.lat[1])
	require.Equal(t, `avg(payment_latency_ms{service="pay",quantile="0.99"})`, pay.lat[2])
	require.Empty(t, plain.lat[0])

	// a: the histogram is in seconds; bucket 2 has no requests sample
	// (a scrape gap), bucket 3 no errors sample, bucket 4 is a quiet
	// hour whose quantiles are NaN.
	f.serveService(a,
		[]float64{100, 200.4, skip, 50.5, 0},
		[]float64{1, 2.6, 3, skip, 0},
		[3][]float64{
			{0.01, 0.02, 0.5, 0.03, math.NaN()},
			{0.05, 0.08, 0.5, 0.09, math.NaN()},
			{0.1, 0.2, 0.5, 0.3, math.NaN()},
		})
	// pay: a summary in milliseconds, its own errors counter.
	f.serveService(pay,
		[]float64{10, 20, 30, 40, 50},
		[]float64{0, 1, 0, 0, 10},
		[3][]float64{{5, 6, 7, 8, 9}, {15, 16, 17, 18, 19}, {25, 26, 27, 28, 29}})
	// plain: no latency mapped, no errors series at all.
	f.serveService(plain, []float64{7, 8, 9, 10, 11}, nil, [3][]float64{})

	res := ingest(t, f, cfg, []string{"pay", "a", "plain"}, 5, prometheus.Options{})
	require.Empty(t, res.Failures)
	require.Equal(t, hour(0), res.Start)
	require.Equal(t, hour(5), res.End)
	require.Equal(t, time.Hour, res.Step)

	b := func(svc string, i int, req, errs int64, p50, p95, p99 float64) slorec.MetricBucket {
		return slorec.MetricBucket{Service: svc, Start: hour(i), Requests: req, Errors: errs, LatencyP50Ms: p50, LatencyP95Ms: p95, LatencyP99Ms: p99}
	}
	requireBuckets(t, []slorec.MetricBucket{
		// The sample at hour(1) covers [hour(0), hour(1)): bucket 0.
		b("a", 0, 100, 1, 10, 50, 100),
		// 200.4 rounds to 200, 2.6 to 3.
		b("a", 1, 200, 3, 20, 80, 200),
		// No bucket 2: no requests sample is no data, not zero traffic.
		// 50.5 rounds half away from zero; a missing errors sample is zero.
		b("a", 3, 51, 0, 30, 90, 300),
		// NaN quantiles of a quiet hour are no latency.
		b("a", 4, 0, 0, 0, 0, 0),
	}, res.Buckets["a"])
	requireBuckets(t, []slorec.MetricBucket{
		b("pay", 0, 10, 0, 5, 15, 25), b("pay", 1, 20, 1, 6, 16, 26), b("pay", 2, 30, 0, 7, 17, 27),
		b("pay", 3, 40, 0, 8, 18, 28), b("pay", 4, 50, 10, 9, 19, 29),
	}, res.Buckets["pay"])
	requireBuckets(t, []slorec.MetricBucket{
		b("plain", 0, 7, 0, 0, 0, 0), b("plain", 1, 8, 0, 0, 0, 0), b("plain", 2, 9, 0, 0, 0, 0),
		b("plain", 3, 10, 0, 0, 0, 0), b("plain", 4, 11, 0, 0, 0, 0),
	}, res.Buckets["plain"])
	require.Equal(t, []prometheus.Warning{
		{Service: "a", Message: "errors in 1 buckets without requests; ignored"},
		{Service: "plain", Message: `no errors series matched ` + plain.errs + `; counted zero errors`},
	}, res.Warnings)

	// Every query ran once over the evaluation times hour(1)..hour(5).
	for _, r := range f.requests() {
		require.Equal(t, "1788310800", r.Get("start"))
		require.Equal(t, "1788325200", r.Get("end"))
		require.Equal(t, "3600", r.Get("step"))
	}
	require.Len(t, f.requests(), 5+5+2)

	ms := res.Metrics()
	require.Len(t, ms, 14)
	for i := 1; i < len(ms); i++ {
		prev, cur := ms[i-1], ms[i]
		require.True(t, prev.Start.Before(cur.Start) || prev.Start.Equal(cur.Start) && prev.Service < cur.Service, "sorted by start, then service")
	}
	rep := res.Report()
	require.Equal(t, []prometheus.ServiceReport{{Service: "a", Buckets: 4}, {Service: "pay", Buckets: 5}, {Service: "plain", Buckets: 5}}, rep.Services)
	require.Equal(t, 14, rep.Buckets)
	require.Nil(t, rep.Edges)
}

func requireBuckets(t *testing.T, want, got []slorec.MetricBucket) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.InDelta(t, w.LatencyP50Ms, g.LatencyP50Ms, 1e-9, "bucket %d p50", i)
		require.InDelta(t, w.LatencyP95Ms, g.LatencyP95Ms, 1e-9, "bucket %d p95", i)
		require.InDelta(t, w.LatencyP99Ms, g.LatencyP99Ms, 1e-9, "bucket %d p99", i)
		w.LatencyP50Ms, w.LatencyP95Ms, w.LatencyP99Ms = 0, 0, 0
		g.LatencyP50Ms, g.LatencyP95Ms, g.LatencyP99Ms = 0, 0, 0
		require.Equal(t, w, g, "bucket %d", i)
	}
}

func TestIngestWarnings(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	a := queriesOf(t, cfg, "a")
	// p99 is NaN in an hour with requests (the histogram misses them);
	// errors are counted in an hour without a requests sample.
	f.serveService(a, []float64{10, skip, 10}, []float64{0, 4, 0},
		[3][]float64{{0.01, 0.01, 0.01}, {0.02, 0.02, 0.02}, {0.03, 0.03, math.NaN()}})
	b := queriesOf(t, cfg, "b")
	f.serveService(b, []float64{10, 10, 10}, []float64{0, 0, 0}, [3][]float64{})
	res := ingest(t, f, cfg, []string{"a", "b"}, 3, prometheus.Options{})
	require.Empty(t, res.Failures)
	require.Equal(t, []prometheus.Warning{
		{Service: "a", Message: "errors in 1 buckets without requests; ignored"},
		{Service: "a", Message: "p99 is NaN in 1 buckets with requests; left empty"},
		{Service: "b", Message: "no latency series matched " + b.lat[0] + "; buckets carry no latency"},
	}, res.Warnings)
	require.Len(t, res.Buckets["a"], 2)
	require.InDelta(t, 30.0, res.Buckets["a"][0].LatencyP99Ms, 1e-9)
	require.Zero(t, res.Buckets["a"][1].LatencyP99Ms)
	require.InDelta(t, 20.0, res.Buckets["a"][1].LatencyP95Ms, 1e-9)
}

func TestIngestPrometheusWarnings(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	f.warnings = []string{`PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "requests"`}
	f.serveService(queriesOf(t, cfg, "plain"), []float64{1, 2}, []float64{0, 0}, [3][]float64{})
	res := ingest(t, f, cfg, []string{"plain"}, 2, prometheus.Options{})
	require.Equal(t, []prometheus.Warning{{Service: "plain", Message: "Prometheus warns: " + f.warnings[0]}}, res.Warnings,
		"passed on once, though both queries carried it")
}

func TestIngestPartialFailure(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	ok := queriesOf(t, cfg, "ok")
	good := [3][]float64{{0.01, 0.01}, {0.02, 0.02}, {0.03, 0.03}}
	f.serveService(ok, []float64{10, 10}, []float64{1, 1}, good)

	absent := queriesOf(t, cfg, "absent")
	f.serveService(absent, nil, []float64{1, 1}, good)

	flaky := queriesOf(t, cfg, "flaky")
	f.serveService(flaky, []float64{10, 10}, []float64{1, 1}, good)
	f.handle = func(w http.ResponseWriter, _ *http.Request, form url.Values, _ int) bool {
		if form.Get("query") == flaky.lat[2] {
			apiError(w, 503, "unavailable", "store gateway down")
			return true
		}
		return false
	}

	nan := queriesOf(t, cfg, "nan")
	f.serveService(nan, []float64{10, math.NaN()}, []float64{1, 1}, good)
	infErr := queriesOf(t, cfg, "inf-errors")
	f.serveService(infErr, []float64{10, 10}, []float64{math.Inf(1), 1}, good)
	negReq := queriesOf(t, cfg, "negative")
	f.serveService(negReq, []float64{10, -3}, []float64{1, 1}, good)
	tooMany := queriesOf(t, cfg, "too-many-errors")
	f.serveService(tooMany, []float64{10, 10}, []float64{1, 20}, good)
	clamped := queriesOf(t, cfg, "clamped")
	f.serveService(clamped, []float64{10.4, 10}, []float64{11.4, 1}, good)
	two := queriesOf(t, cfg, "two-series")
	f.add(two.req, map[string]string{"code": "200"}, every(9))
	f.add(two.req, map[string]string{"code": "500"}, every(1))
	labelled := queriesOf(t, cfg, "labelled")
	f.add(labelled.req, map[string]string{"job": "x"}, every(9))
	infLat := queriesOf(t, cfg, "inf-latency")
	f.serveService(infLat, []float64{10, 10}, []float64{1, 1}, [3][]float64{{0.01, 0.01}, {0.02, math.Inf(1)}, {0.03, 0.03}})
	order := queriesOf(t, cfg, "disordered")
	f.serveService(order, []float64{10, 10}, []float64{1, 1}, [3][]float64{{0.01, 0.01}, {0.005, 0.02}, {0.03, 0.03}})

	services := []string{"ok", "absent", "flaky", "nan", "inf-errors", "negative", "too-many-errors", "clamped", "two-series", "labelled", "inf-latency", "disordered"}
	for _, conc := range []int{1, 8} {
		res := ingest(t, f, cfg, services, 2, prometheus.Options{Concurrency: conc})
		require.Equal(t, []string{"clamped", "ok"}, keys(res.Buckets), "only services whose every query succeeded have buckets")
		require.Len(t, res.Buckets["ok"], 2)
		require.Equal(t, int64(10), res.Buckets["clamped"][0].Errors, "11 errors of 10 requests is extrapolation noise, clamped")

		p := "prometheus: query_range "
		type failure struct{ service, code, message string }
		want := []failure{
			{"absent", slorec.ENOTFOUND, p + absent.req + ": no series matched; check the mapping's requests selector and service label"},
			{"disordered", slorec.EINVALID, "bucket 2026-09-02T00:00:00Z: latency_p95_ms: 5 is below latency_p50_ms 10"},
			{"flaky", slorec.EUNAVAILABLE, p + flaky.lat[2] + ": HTTP 503 (unavailable): store gateway down (after 3 attempts)"},
			{"inf-errors", slorec.EINVALID, p + infErr.errs + ": value +Inf at 2026-09-02T01:00:00Z is not a count"},
			{"inf-latency", slorec.EINVALID, p + infLat.lat[1] + ": value +Inf at 2026-09-02T02:00:00Z is not a latency"},
			{"labelled", slorec.EINVALID, p + labelled.req + `: want one series without labels, got 1 series: {job="x"}`},
			{"nan", slorec.EINVALID, p + nan.req + ": value NaN at 2026-09-02T02:00:00Z is not a count"},
			{"negative", slorec.EINVALID, p + negReq.req + ": value -3 at 2026-09-02T02:00:00Z is negative; is the series a counter?"},
			{"too-many-errors", slorec.EINVALID, "bucket 2026-09-02T01:00:00Z: errors 20 exceed requests 10; the errors selector must count a subset of the requests selector's requests"},
			{"two-series", slorec.EINVALID, p + two.req + `: want one series without labels, got 2 series: {code="200"}, {code="500"}`},
		}
		var got []failure
		for _, fl := range res.Failures {
			got = append(got, failure{fl.Service, slorec.ErrorCode(fl.Err), slorec.ErrorMessage(fl.Err)})
		}
		require.Equal(t, want, got)

		data, err := json.Marshal(res.Failures[0])
		require.NoError(t, err)
		require.JSONEq(t, `{"service":"absent","code":"not_found","error":`+string(must(json.Marshal(want[0].message)))+`}`, string(data))
		rep := res.Report()
		require.Len(t, rep.Services, len(services))
		require.Equal(t, prometheus.ServiceReport{Service: "absent", Code: slorec.ENOTFOUND, Error: want[0].message}, rep.Services[0])
		require.Equal(t, 4, rep.Buckets)
	}
}

func TestIngestOffGrid(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	a := queriesOf(t, cfg, "a")
	f.handle = func(w http.ResponseWriter, _ *http.Request, form url.Values, _ int) bool {
		// A proxy that answers at half past instead of on the hour.
		writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": []any{
			map[string]any{"metric": map[string]string{}, "values": [][2]any{{float64(hour(1).Unix()), "1"}, {float64(hour(1).Add(30 * time.Minute).Unix()), "2"}}},
		}}})
		return true
	}
	res := ingest(t, f, cfg, []string{"a"}, 2, prometheus.Options{})
	require.Len(t, res.Failures, 1)
	require.Equal(t, "prometheus: query_range "+a.req+": sample at 2026-09-02T01:30:00Z is off the query's 1h grid from 2026-09-02T01:00:00Z", slorec.ErrorMessage(res.Failures[0].Err))
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestIngestArguments(t *testing.T) {
	cfg := mapping(t)
	c := client(t, "http://127.0.0.1:1", &sleeper{})
	half := hour(0).Add(30 * time.Minute)
	tests := []struct {
		name       string
		cfg        *prommap.Config
		services   []string
		start, end time.Time
		opt        prometheus.Options
		want       string
	}{
		{"Start must be on the hour.", cfg, []string{"a"}, half, hour(2), prometheus.Options{}, "ingest prometheus: start 2026-09-02T00:30:00Z is not on the 1h grid"},
		{"End must be on the hour.", cfg, []string{"a"}, hour(0), half, prometheus.Options{}, "ingest prometheus: end 2026-09-02T00:30:00Z is not on the 1h grid"},
		{"End must follow start.", cfg, []string{"a"}, hour(2), hour(2), prometheus.Options{}, "ingest prometheus: end 2026-09-02T02:00:00Z is not after start 2026-09-02T02:00:00Z"},
		{"Steps are whole seconds.", cfg, []string{"a"}, hour(0), hour(2), prometheus.Options{Step: 1500 * time.Millisecond}, "ingest prometheus: step 1.5s is not a whole number of seconds"},
		{"A mapping is required.", nil, []string{"a"}, hour(0), hour(2), prometheus.Options{}, "ingest prometheus: no mapping"},
		{"Services are required.", cfg, nil, hour(0), hour(2), prometheus.Options{}, "ingest prometheus: no services"},
		{"A service is listed once.", cfg, []string{"a", "a"}, hour(0), hour(2), prometheus.Options{}, `ingest prometheus: service "a" listed twice`},
		{"Edges need a service graph.", &prommap.Config{}, []string{"a"}, hour(0), hour(2), prometheus.Options{Edges: true}, "ingest prometheus: edges asked for, but the mapping has no service_graph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := prometheus.Ingest(context.Background(), c, tt.cfg, tt.services, tt.start, tt.end, tt.opt)
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			require.Equal(t, tt.want, slorec.ErrorMessage(err))
		})
	}
}

func TestIngestFinerStep(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	sli := must(cfg.Resolve("plain"))
	f.add(sli.Increase(sli.Requests, "15m"), nil, every(3))
	res, err := prometheus.Ingest(context.Background(), client(t, f.srv.URL, &sleeper{}), cfg, []string{"plain"}, hour(0), hour(1), prometheus.Options{Step: 15 * time.Minute})
	require.NoError(t, err)
	require.Len(t, res.Buckets["plain"], 4)
	require.Equal(t, hour(0).Add(45*time.Minute), res.Buckets["plain"][3].Start)
	require.Equal(t, "900", f.requests()[0].Get("step"))
}

func TestIngestCanceled(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.handle = func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) bool {
		cancel()
		apiError(w, 503, "unavailable", "x")
		return true
	}
	_, err := prometheus.Ingest(ctx, client(t, f.srv.URL, &sleeper{}), cfg, []string{"a", "b"}, hour(0), hour(2), prometheus.Options{Concurrency: 1})
	require.EqualError(t, err, "ingest prometheus: context canceled")
	require.ErrorIs(t, err, context.Canceled)
}

func TestWindow(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 42, 7, 0, time.FixedZone("CET", 3600))
	start, end := prometheus.Window(now, 30*24*time.Hour, time.Hour)
	require.Equal(t, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), end, "the last complete hour ends at the last hour boundary")
	require.Equal(t, end.Add(-720*time.Hour), start)
	start, end = prometheus.Window(now, 90*time.Minute, time.Hour)
	require.Equal(t, 2*time.Hour, end.Sub(start), "rounded up to whole steps")
}

const (
	graphReq  = `sum by (client, server) (increase(traces_service_graph_request_total[1h]))`
	graphFail = `sum by (client, server) (increase(traces_service_graph_request_failed_total[1h]))`
)

func edgeLabels(client, server string) map[string]string {
	return map[string]string{"client": client, "server": server}
}

func TestEdges(t *testing.T) {
	cfg := mapping(t)
	f := newFake(t)
	f.add(graphReq, edgeLabels("web", "cart"), byBucket(10, 20.5, skip))
	f.add(graphReq, edgeLabels("cart", "db"), byBucket(5, 5, 5))
	f.add(graphReq, edgeLabels("cart", "cart"), byBucket(1, 1, 1))
	f.add(graphReq, edgeLabels("web", "old"), byBucket(0, 0, 0))
	f.add(graphFail, edgeLabels("cart", "db"), byBucket(0, 1, 0.5))
	f.add(graphFail, edgeLabels("web", "ghost"), byBucket(1, 0, 0))
	sli := queriesOf(t, cfg, "web")
	f.serveService(sli, []float64{1, 1, 1}, nil, [3][]float64{})

	res := ingest(t, f, cfg, []string{"web"}, 3, prometheus.Options{Edges: true})
	require.NoError(t, res.EdgesErr)
	dep := func(target string) slorec.Dependency {
		return slorec.Dependency{Target: target, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed}
	}
	require.Equal(t, []prometheus.Edge{
		{From: "cart", Dep: dep("db"), Requests: 15, Failed: 1.5},
		{From: "web", Dep: dep("cart"), Requests: 30.5, Failed: 0},
	}, res.Edges)
	require.Equal(t, []prometheus.Warning{
		{Message: "failed calls of 1 client and server pairs without calls; ignored"},
		{Message: "self-calls of cart dropped"},
		{Service: "web", Message: "no errors series matched " + sli.errs + "; counted zero errors"},
		{Service: "web", Message: "no latency series matched " + sli.lat[0] + "; buckets carry no latency"},
	}, res.Warnings)
	require.Equal(t, &prometheus.EdgesReport{Edges: 2}, res.Report().Edges)
}

func TestEdgesErrors(t *testing.T) {
	tests := []struct {
		name   string
		series func(f *fake)
		code   string
		want   string
	}{
		{
			name:   "A series without the client label is refused.",
			series: func(f *fake) { f.add(graphReq, map[string]string{"server": "db"}, every(1)) },
			code:   slorec.EINVALID,
			want:   "prometheus: query_range " + graphReq + `: series {server="db"} lacks the label "client"`,
		},
		{
			name:   "A series with an empty server label is refused.",
			series: func(f *fake) { f.add(graphFail, map[string]string{"client": "web", "server": ""}, every(1)) },
			code:   slorec.EINVALID,
			want:   "prometheus: query_range " + graphFail + `: series {client="web", server=""} lacks the label "server"`,
		},
		{
			name:   "NaN calls are refused.",
			series: func(f *fake) { f.add(graphReq, edgeLabels("web", "cache"), byBucket(1, math.NaN())) },
			code:   slorec.EINVALID,
			want:   "prometheus: query_range " + graphReq + `: series {client="web", server="cache"}: value NaN at 2026-09-02T02:00:00Z is not a count`,
		},
		{
			name:   "More failed calls than calls are refused.",
			series: func(f *fake) { f.add(graphFail, edgeLabels("web", "db"), every(3)) },
			code:   slorec.EINVALID,
			want:   "service graph edge web -> db: 6 failed calls exceed 2 calls",
		},
		{
			name:   "No service graph at all is not found.",
			series: func(f *fake) { f.series = map[string][]fakeSeries{} },
			code:   slorec.ENOTFOUND,
			want:   "prometheus: query_range " + graphReq + ": no series matched; is the service graph recorded?",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mapping(t)
			f := newFake(t)
			f.add(graphReq, edgeLabels("web", "db"), every(1))
			tt.series(f)
			_, _, err := prometheus.Edges(context.Background(), client(t, f.srv.URL, &sleeper{}), cfg.ServiceGraph, hour(0), hour(2), time.Hour)
			require.Error(t, err)
			require.Equal(t, tt.code, slorec.ErrorCode(err))
			require.Equal(t, tt.want, slorec.ErrorMessage(err))
		})
	}

	t.Run("An edge failure leaves the buckets alone.", func(t *testing.T) {
		cfg := mapping(t)
		f := newFake(t)
		f.serveService(queriesOf(t, cfg, "plain"), []float64{1, 1}, nil, [3][]float64{})
		res := ingest(t, f, cfg, []string{"plain"}, 2, prometheus.Options{Edges: true})
		require.Len(t, res.Buckets["plain"], 2)
		require.Nil(t, res.Edges)
		require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(res.EdgesErr))
		require.Equal(t, slorec.ENOTFOUND, res.Report().Edges.Code)
	})
}

func TestMergeEdges(t *testing.T) {
	declared := []slorec.Service{
		{ID: "web", Kind: slorec.KindService, Tier: slorec.TierHigh, Deps: []slorec.Dependency{
			{Target: "cart", Type: slorec.Async, Criticality: slorec.Soft, Provenance: slorec.Declared, CallRatio: 0.2},
			{Target: "cdn", Type: slorec.Sync, Criticality: slorec.Hard},
		}},
		{ID: "cart", Kind: slorec.KindService, Tier: slorec.TierHigh},
		{ID: "db", Kind: slorec.KindDatastore, Tier: slorec.TierHigh},
	}
	orig := cloneServices(declared)
	obs := func(from, to string) prometheus.Edge {
		return prometheus.Edge{From: from, Requests: 1, Dep: slorec.Dependency{Target: to, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed}}
	}
	out, rep := prometheus.MergeEdges(declared, []prometheus.Edge{
		obs("web", "cart"),   // declared async+soft: stays so
		obs("cart", "db"),    // new
		obs("web", "db"),     // new
		obs("cart", "db"),    // repeated
		obs("user", "web"),   // virtual client node
		obs("cart", "redis"), // target not in the catalog
	})
	require.Equal(t, orig, declared, "the input is not modified")
	observed := func(to string) slorec.Dependency {
		return slorec.Dependency{Target: to, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed}
	}
	want := cloneServices(declared)
	want[0].Deps = append(want[0].Deps, observed("db"))
	want[1].Deps = []slorec.Dependency{observed("db")}
	require.Equal(t, want, out)
	require.NoError(t, (&slorec.Graph{Services: out}).Validate())
	require.Equal(t, prometheus.MergeReport{
		Added:      []prometheus.EdgeRef{{"cart", "db"}, {"web", "db"}},
		Confirmed:  []prometheus.EdgeRef{{"web", "cart"}},
		Unobserved: []prometheus.EdgeRef{{"web", "cdn"}},
		Unknown:    []prometheus.EdgeRef{{"cart", "redis"}, {"user", "web"}},
	}, rep)
}

func cloneServices(ss []slorec.Service) []slorec.Service {
	out := make([]slorec.Service, len(ss))
	for i, s := range ss {
		s.Deps = append([]slorec.Dependency(nil), s.Deps...)
		out[i] = s
	}
	return out
}
