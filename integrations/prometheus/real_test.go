//go:build unix

package prometheus_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/prometheus"
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
// and checks that every bucket and edge comes back as generated.
//
// Counters are written at each hour boundary and half-way through each
// hour, growing linearly inside the hour, so increase(...[1h]) at the end
// of an hour is exactly the hour's count both where range selectors
// include their left edge (Prometheus 2) and where they do not and
// increase() extrapolates from the half-hour sample (Prometheus 3).
// Summary quantiles are written once, at the end of their hour.
func TestRealPrometheus(t *testing.T) {
	bin := os.Getenv("SLOREC_PROMETHEUS_BIN")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLOREC_PROMETHEUS_BIN is unset; run scripts/prom.sh setup and export its output")
		}
		t.Skip("SLOREC_PROMETHEUS_BIN is unset; run `export SLOREC_PROMETHEUS_BIN=$(scripts/prom.sh setup)` to run against a real Prometheus")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	began := time.Now()

	ds, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{Now: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	ex := newExample(t, ds)

	dir := t.TempDir()
	omFile := filepath.Join(dir, "data.om")
	require.NoError(t, writeOpenMetrics(omFile, ex))
	tsdb := filepath.Join(dir, "tsdb")
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "promtool"), "tsdb", "create-blocks-from", "openmetrics",
		"--quiet", "--max-block-duration=768h", omFile, tsdb).CombinedOutput()
	require.NoError(t, err, "promtool: %s", out)
	backfilled := time.Since(began)

	url := startPrometheus(ctx, t, bin, dir, tsdb)
	ready := time.Since(began)

	cfg, err := prommap.Load(strings.NewReader(realMapping))
	require.NoError(t, err)
	// 1,440 hourly points per series in queries of at most 500: three
	// chunks each, stitched.
	c, err := prometheus.NewClient(prometheus.ClientConfig{URL: url, MaxPoints: 500})
	require.NoError(t, err)

	res, err := prometheus.Ingest(ctx, c, cfg, ex.services, ex.start, ex.end, prometheus.Options{Edges: true})
	require.NoError(t, err)
	for _, f := range res.Failures {
		t.Errorf("%s: %v", f.Service, f.Err)
	}
	require.NoError(t, res.EdgesErr)
	require.Empty(t, res.Warnings)
	for _, svc := range ex.services {
		want, got := ex.buckets[svc], res.Buckets[svc]
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
	require.Len(t, res.Edges, len(ex.edges))
	for _, e := range res.Edges {
		ref := prometheus.EdgeRef{From: e.From, To: e.Dep.Target}
		want, ok := ex.edges[ref]
		require.True(t, ok, "observed edge %v is not in the example", ref)
		require.InDelta(t, want.calls, e.Requests, 1e-6, "%v calls", ref)
		require.InDelta(t, want.failed, e.Failed, 1e-6, "%v failed", ref)
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
	require.Len(t, rep.Added, len(ex.edges))
	require.Empty(t, rep.Unknown)
	require.NoError(t, (&slorec.Graph{Services: merged}).Validate())
	same, rep := prometheus.MergeEdges(ds.Graph.Services, res.Edges)
	require.Equal(t, ds.Graph.Services, same)
	require.Len(t, rep.Confirmed, len(ex.edges))
	require.Empty(t, rep.Added)
	require.Empty(t, rep.Unobserved)

	// The histogram path: linear interpolation inside the buckets gives
	// the quantiles computed by hand in histHours.
	hres, err := prometheus.Ingest(ctx, c, cfg, []string{"hist-svc"}, ex.start, ex.start.Add(time.Duration(len(histHours))*time.Hour), prometheus.Options{})
	require.NoError(t, err)
	require.Empty(t, hres.Failures)
	require.Len(t, hres.Buckets["hist-svc"], len(histHours))
	for i, h := range histHours {
		g := hres.Buckets["hist-svc"][i]
		require.Equal(t, ex.start.Add(time.Duration(i)*time.Hour), g.Start)
		require.Equal(t, h.total(), g.Requests)
		require.Equal(t, h.failures, g.Errors)
		require.InDelta(t, h.p50, g.LatencyP50Ms, 1e-6, "hour %d p50", i)
		require.InDelta(t, h.p95, g.LatencyP95Ms, 1e-6, "hour %d p95", i)
		require.InDelta(t, h.p99, g.LatencyP99Ms, 1e-6, "hour %d p99", i)
	}
	t.Logf("backfill %s, Prometheus ready %s, ingest done %s (%d buckets, %d edges)",
		backfilled.Round(time.Millisecond), ready.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), len(res.Metrics()), len(res.Edges))
}

// example is the e-commerce dataset as the test writes it to Prometheus.
type example struct {
	services   []string
	start, end time.Time
	buckets    map[string][]slorec.MetricBucket
	edges      map[prometheus.EdgeRef]*edgeCalls
}

// edgeCalls are the calls written for one edge: per hour, and in total.
type edgeCalls struct {
	perHour, failedPerHour []float64
	calls, failed          float64
}

func newExample(t *testing.T, ds *dataset.Dataset) *example {
	ex := &example{buckets: map[string][]slorec.MetricBucket{}, edges: map[prometheus.EdgeRef]*edgeCalls{}}
	for _, b := range ds.Metrics {
		ex.buckets[b.Service] = append(ex.buckets[b.Service], b)
	}
	for _, s := range ds.Graph.Services {
		ex.services = append(ex.services, s.ID)
	}
	slices.Sort(ex.services)
	require.Len(t, ex.buckets, len(ex.services), "every service has metrics")
	first := ex.buckets[ex.services[0]]
	ex.start, ex.end = first[0].Start, first[len(first)-1].Start.Add(time.Hour)
	hours := int(ex.end.Sub(ex.start) / time.Hour)
	for svc, bs := range ex.buckets {
		require.Len(t, bs, hours, "%s has a bucket every hour (the generator writes no gaps)", svc)
		for i, b := range bs {
			require.Equal(t, ex.start.Add(time.Duration(i)*time.Hour), b.Start)
		}
	}
	// Each edge carries its caller's requests times the call ratio, and
	// fails as often as its callee.
	for _, s := range ds.Graph.Services {
		for _, d := range s.Deps {
			e := &edgeCalls{perHour: make([]float64, hours), failedPerHour: make([]float64, hours)}
			for i := range hours {
				from, to := ex.buckets[s.ID][i], ex.buckets[d.Target][i]
				calls := math.Round(float64(from.Requests) * d.Ratio())
				failed := 0.0
				if to.Requests > 0 {
					failed = math.Round(calls * float64(to.Errors) / float64(to.Requests))
				}
				e.perHour[i], e.failedPerHour[i] = calls, failed
				e.calls += calls
				e.failed += failed
			}
			ex.edges[prometheus.EdgeRef{From: s.ID, To: d.Target}] = e
		}
	}
	return ex
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

// writeOpenMetrics writes the example as OpenMetrics text for promtool:
// one family after the other, each series' samples in time order,
// timestamps in seconds, ending with # EOF.
func writeOpenMetrics(path string, ex *example) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	ts := func(t time.Time) int64 { return t.Unix() }
	half := 30 * time.Minute
	// counter writes a counter growing by inc[i] during hour i: its value
	// at the start, half-way and at the end of every hour.
	counter := func(name, labels string, inc []float64) {
		cum := 0.0
		fmt.Fprintf(w, "%s{%s} 0 %d\n", name, labels, ts(ex.start))
		for i, n := range inc {
			h := ex.start.Add(time.Duration(i) * time.Hour)
			fmt.Fprintf(w, "%s{%s} %g %d\n", name, labels, cum+n/2, ts(h.Add(half)))
			cum += n
			fmt.Fprintf(w, "%s{%s} %g %d\n", name, labels, cum, ts(h.Add(time.Hour)))
		}
	}

	fmt.Fprintln(w, "# TYPE http_requests counter")
	for _, svc := range ex.services {
		bs := ex.buckets[svc]
		ok, bad := make([]float64, len(bs)), make([]float64, len(bs))
		for i, b := range bs {
			ok[i], bad[i] = float64(b.Requests-b.Errors), float64(b.Errors)
		}
		counter("http_requests_total", fmt.Sprintf(`service="%s",code="200"`, svc), ok)
		counter("http_requests_total", fmt.Sprintf(`service="%s",code="500"`, svc), bad)
	}
	fmt.Fprintln(w, "# TYPE http_request_duration_seconds summary")
	for _, svc := range ex.services {
		for qi, q := range []string{"0.5", "0.95", "0.99"} {
			for _, b := range ex.buckets[svc] {
				v := [3]float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms}[qi]
				if v == 0 {
					continue // no latency data in this hour
				}
				fmt.Fprintf(w, "http_request_duration_seconds{service=\"%s\",quantile=\"%s\"} %g %d\n", svc, q, v/1000, ts(b.Start.Add(time.Hour)))
			}
		}
	}
	refs := make([]prometheus.EdgeRef, 0, len(ex.edges))
	for r := range ex.edges {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b prometheus.EdgeRef) int { return strings.Compare(a.From+" "+a.To, b.From+" "+b.To) })
	fmt.Fprintln(w, "# TYPE traces_service_graph_request counter")
	for _, r := range refs {
		counter("traces_service_graph_request_total", fmt.Sprintf(`client="%s",server="%s"`, r.From, r.To), ex.edges[r].perHour)
	}
	fmt.Fprintln(w, "# TYPE traces_service_graph_request_failed counter")
	for _, r := range refs {
		counter("traces_service_graph_request_failed_total", fmt.Sprintf(`client="%s",server="%s"`, r.From, r.To), ex.edges[r].failedPerHour)
	}

	// hist-svc: a histogram over the first hours, and its failures.
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
	fmt.Fprintln(w, "# TYPE rpc_duration_seconds histogram")
	for i, le := range histLe {
		counter("rpc_duration_seconds_bucket", fmt.Sprintf(`service="hist-svc",le="%s"`, le), perLe[i])
	}
	counter("rpc_duration_seconds_count", `service="hist-svc"`, count)
	fmt.Fprintln(w, "# TYPE rpc_failures counter")
	counter("rpc_failures_total", `service="hist-svc"`, failures)
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startPrometheus runs Prometheus on the TSDB in its own process group
// on a free local port, waits until it is ready and stops it (the whole
// group) when the test ends. It returns the base URL.
func startPrometheus(ctx context.Context, t *testing.T, bin, dir, tsdb string) string {
	t.Helper()
	conf := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(conf, []byte("global:\n  scrape_interval: 1m\n"), 0o644))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	cmd := exec.Command(filepath.Join(bin, "prometheus"),
		"--config.file="+conf,
		"--storage.tsdb.path="+tsdb,
		"--storage.tsdb.retention.time=100y",
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-exited
		}
	})

	url := "http://" + addr
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited before it was ready: %v\n%s", err, logs.String())
		case <-ctx.Done():
			t.Fatalf("prometheus not ready: %v\n%s", ctx.Err(), logs.String())
		case <-tick.C:
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
