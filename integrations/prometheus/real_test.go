package prometheus_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/prometheus"
	"github.com/slorec/slorec/integrations/prometheus/promtest"
	"github.com/slorec/slorec/integrations/prommap"
)

// realMapping reads the example's latency from a summary (exact
// quantiles) and hist-svc's from a histogram.
const realMapping = `
defaults:
  latency: {summary: 'http_request_duration_seconds{service="{{service}}"}'}
services:
  hist-svc:
    requests: 'rpc_duration_seconds_count{service="{{service}}"}'
    errors: 'rpc_failures_total{service="{{service}}"}'
    latency: {histogram: 'rpc_duration_seconds_bucket{service="{{service}}"}'}
`

// TestRealPrometheus backfills a real Prometheus with the e-commerce
// example's 60 days of hourly metrics and its dependency edges, plus a
// small histogram, then ingests them back through a real HTTP round trip
// and checks that every bucket and edge comes back as generated. (How
// promtest writes the series so that they come back exactly is explained
// at promtest.WriteOpenMetrics.)
func TestRealPrometheus(t *testing.T) {
	promtest.Bin(t) // skip before loading anything
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	began := time.Now()

	ds, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{Now: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	url, ex := promtest.StartWith(t, ds, histFamilies()...)
	ready := time.Since(began)

	cfg, err := prommap.Load(strings.NewReader(realMapping))
	require.NoError(t, err)
	// 1,440 hourly points per series in queries of at most 500: three
	// chunks each, stitched.
	c, err := prometheus.NewClient(prometheus.ClientConfig{URL: url, MaxPoints: 500})
	require.NoError(t, err)

	res, err := prometheus.Ingest(ctx, c, cfg, ex.Services, ex.Start, ex.End, prometheus.Options{Edges: true})
	require.NoError(t, err)
	for _, f := range res.Failures {
		t.Errorf("%s: %v", f.Service, f.Err)
	}
	require.NoError(t, res.EdgesErr)
	require.Empty(t, res.Warnings)
	for _, svc := range ex.Services {
		want, got := ex.Buckets[svc], res.Buckets[svc]
		require.Len(t, got, len(want), svc)
		for i := range want {
			w, g := want[i], got[i]
			require.InDelta(t, w.LatencyP50Ms, g.LatencyP50Ms, 1e-6, "%s %s p50", svc, w.Start)
			require.InDelta(t, w.LatencyP95Ms, g.LatencyP95Ms, 1e-6, "%s %s p95", svc, w.Start)
			require.InDelta(t, w.LatencyP99Ms, g.LatencyP99Ms, 1e-6, "%s %s p99", svc, w.Start)
			w.LatencyP50Ms, w.LatencyP95Ms, w.LatencyP99Ms = g.LatencyP50Ms, g.LatencyP95Ms, g.LatencyP99Ms
			require.Equal(t, w, g, "%s bucket %d: counts are exact", svc, i)
		}
	}
	require.Len(t, res.Metrics(), len(ds.Metrics))

	// Edges: exactly the example's, with the calls and failures written.
	require.Len(t, res.Edges, len(ex.Edges))
	for _, e := range res.Edges {
		ref := prometheus.EdgeRef{From: e.From, To: e.Dep.Target}
		want, ok := ex.Edges[dataset.Edge{From: e.From, To: e.Dep.Target}]
		require.True(t, ok, "observed edge %v is not in the example", ref)
		require.InDelta(t, want.Calls, e.Requests, 1e-6, "%v calls", ref)
		require.InDelta(t, want.Failed, e.Failed, 1e-6, "%v failed", ref)
		require.Equal(t, slorec.Dependency{Target: ref.To, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed}, e.Dep)
	}
	// Merged into the catalog without its edges, the observed ones
	// rebuild the example's graph shape; merged into the full catalog,
	// they only confirm it.
	bare := slices.Clone(ds.Graph.Services)
	for i := range bare {
		bare[i].Deps = nil
	}
	merged, rep := prometheus.MergeEdges(bare, res.Edges)
	require.Len(t, rep.Added, len(ex.Edges))
	require.Empty(t, rep.Unknown)
	require.NoError(t, (&slorec.Graph{Services: merged}).Validate())
	same, rep := prometheus.MergeEdges(ds.Graph.Services, res.Edges)
	require.Equal(t, ds.Graph.Services, same)
	require.Len(t, rep.Confirmed, len(ex.Edges))
	require.Empty(t, rep.Added)
	require.Empty(t, rep.Unobserved)

	// The histogram path: linear interpolation inside the buckets gives
	// the quantiles computed by hand in histHours.
	hres, err := prometheus.Ingest(ctx, c, cfg, []string{"hist-svc"}, ex.Start, ex.Start.Add(time.Duration(len(histHours))*time.Hour), prometheus.Options{})
	require.NoError(t, err)
	require.Empty(t, hres.Failures)
	require.Len(t, hres.Buckets["hist-svc"], len(histHours))
	for i, h := range histHours {
		g := hres.Buckets["hist-svc"][i]
		require.Equal(t, ex.Start.Add(time.Duration(i)*time.Hour), g.Start)
		require.Equal(t, h.total(), g.Requests)
		require.Equal(t, h.failures, g.Errors)
		require.InDelta(t, h.p50, g.LatencyP50Ms, 1e-6, "hour %d p50", i)
		require.InDelta(t, h.p95, g.LatencyP95Ms, 1e-6, "hour %d p95", i)
		require.InDelta(t, h.p99, g.LatencyP99Ms, 1e-6, "hour %d p99", i)
	}
	t.Logf("backfill and Prometheus ready %s, ingest done %s (%d buckets, %d edges)",
		ready.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), len(res.Metrics()), len(res.Edges))
}

// histHour is one hour of hist-svc: observations per latency bucket
// (0,0.1], (0.1,0.2], (0.2,0.5], (0.5,1], (1,+Inf] seconds, and the
// quantiles histogram_quantile's linear interpolation gives, in ms.
type histHour struct {
	counts        [5]int64
	failures      int64
	p50, p95, p99 float64
}

func (h histHour) total() int64 {
	var n int64
	for _, c := range h.counts {
		n += c
	}
	return n
}

var histLe = []string{"0.1", "0.2", "0.5", "1", "+Inf"}

var histHours = []histHour{
	// p50: rank 500 of 1000 lies 100/400 into (0.1,0.2]: 125 ms.
	// p95: rank 950 is the top of (0.2,0.5]: 500 ms.
	// p99: rank 990 lies 40/50 into (0.5,1]: 900 ms.
	{counts: [5]int64{400, 400, 150, 50, 0}, failures: 10, p50: 125, p95: 500, p99: 900},
	// p50: rank 500 lies 300/600 into (0.2,0.5]: 350 ms.
	// p95: rank 950 lies 150/200 into (0.5,1]: 875 ms.
	// p99: rank 990 lies 190/200 into (0.5,1]: 975 ms.
	{counts: [5]int64{100, 100, 600, 200, 0}, failures: 0, p50: 350, p95: 875, p99: 975},
	// All ten in (0.1,0.2]: ranks 5, 9.5 and 9.9 give 150, 195, 199 ms.
	{counts: [5]int64{0, 10, 0, 0, 0}, failures: 1, p50: 150, p95: 195, p99: 199},
}

// histFamilies are hist-svc's series: a histogram over the first hours
// of the example, and its failures.
func histFamilies() []promtest.Family {
	perLe := make([][]float64, len(histLe))
	var count, failures []float64
	for _, h := range histHours {
		var cum int64
		for i, c := range h.counts {
			cum += c
			perLe[i] = append(perLe[i], float64(cum))
		}
		count = append(count, float64(h.total()))
		failures = append(failures, float64(h.failures))
	}
	hist := promtest.Family{Name: "rpc_duration_seconds", Type: "histogram"}
	for i, le := range histLe {
		hist.Series = append(hist.Series, promtest.Counter{Name: "rpc_duration_seconds_bucket", Labels: fmt.Sprintf(`service="hist-svc",le="%s"`, le), PerHour: perLe[i]})
	}
	hist.Series = append(hist.Series, promtest.Counter{Name: "rpc_duration_seconds_count", Labels: `service="hist-svc"`, PerHour: count})
	return []promtest.Family{hist, {Name: "rpc_failures", Type: "counter", Series: []promtest.Counter{
		{Name: "rpc_failures_total", Labels: `service="hist-svc"`, PerHour: failures},
	}}}
}
