// Package promtest runs a real Prometheus for tests: it writes a
// dataset's hourly metrics as OpenMetrics text, backfills them into a
// TSDB with promtool and starts Prometheus on it, on a free local port,
// stopped when the test ends.
//
// The binaries come from SLOREC_PROMETHEUS_BIN, the directory
// scripts/prom.sh setup prints. Without it a test is skipped with the
// command to run, except when CI=true: there it fails, so CI can never
// pass by skipping its Prometheus tests.
//
// The series written are the ones slorec's default conventions and the
// service graph read:
//
//	http_requests_total{service,code="200"|"500"}           counter
//	http_request_duration_seconds{service,quantile}         summary (seconds)
//	traces_service_graph_request_total{client,server}       counter
//	traces_service_graph_request_failed_total{client,server} counter
//
// Latency comes as a summary, whose quantiles Prometheus returns as
// written, so a mapping reading it (latency: {summary: ...}) gets the
// dataset's latencies back exactly; the default mapping reads a histogram.
package promtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

// EnvBin names the directory holding prometheus and promtool.
const EnvBin = "SLOREC_PROMETHEUS_BIN"

// Mapping is a mapping file (prommap YAML) reading the series
// WriteOpenMetrics writes: the default conventions, with latency from the
// summary.
const Mapping = `defaults:
  latency: {summary: 'http_request_duration_seconds{service="{{service}}"}'}
`

// Bin returns the directory holding the prometheus and promtool binaries,
// from SLOREC_PROMETHEUS_BIN. When it is unset the test is skipped, or
// fails under CI=true; when it lacks a binary the test fails.
func Bin(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvBin)
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(EnvBin + " is not set but CI=true: Prometheus tests must run in CI (run `export " + EnvBin + "=$(scripts/prom.sh setup)`, or `make test`)")
		}
		t.Skip(EnvBin + " is not set: run `export " + EnvBin + "=$(scripts/prom.sh setup)` to test against a real Prometheus")
	}
	for _, b := range []string{"prometheus", "promtool"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			t.Fatalf("%s=%s holds no %s: %v", EnvBin, dir, b, err)
		}
	}
	return dir
}

// Example is a dataset as WriteOpenMetrics writes it.
type Example struct {
	// Services are the topology's service ids, sorted.
	Services []string
	// Start and End bound the buckets: every service has one per hour
	// from Start to End.
	Start, End time.Time
	// Buckets are each service's buckets, in time order.
	Buckets map[string][]slorec.MetricBucket
	// Edges are the calls written for each dependency edge.
	Edges map[dataset.Edge]*EdgeCalls
}

// EdgeCalls are the calls and failed calls written for one edge: per
// hour from Example.Start, and in total.
type EdgeCalls struct {
	PerHour, FailedPerHour []float64
	Calls, Failed          float64
}

// NewExample prepares d for WriteOpenMetrics. Every service of d's
// topology needs a bucket every hour of one common window (a generated
// dataset has no gaps); it returns an error otherwise.
//
// Each edge carries its caller's requests times the dependency's call
// ratio, rounded, and fails as often as its callee does.
func NewExample(d *dataset.Dataset) (*Example, error) {
	ex := &Example{Buckets: d.MetricsByService(), Edges: map[dataset.Edge]*EdgeCalls{}}
	for _, s := range d.Graph.Services {
		ex.Services = append(ex.Services, s.ID)
	}
	slices.Sort(ex.Services)
	if len(ex.Services) == 0 {
		return nil, fmt.Errorf("promtest: the dataset has no services")
	}
	if len(ex.Buckets) != len(ex.Services) {
		return nil, fmt.Errorf("promtest: %d services have metrics, want all %d", len(ex.Buckets), len(ex.Services))
	}
	first := ex.Buckets[ex.Services[0]]
	if len(first) == 0 {
		return nil, fmt.Errorf("promtest: %s has no metrics", ex.Services[0])
	}
	ex.Start, ex.End = first[0].Start, first[len(first)-1].Start.Add(time.Hour)
	hours := int(ex.End.Sub(ex.Start) / time.Hour)
	for _, svc := range ex.Services {
		bs := ex.Buckets[svc]
		if len(bs) != hours {
			return nil, fmt.Errorf("promtest: %s has %d buckets, want one every hour from %s to %s (%d)", svc, len(bs), ex.Start.Format(time.RFC3339), ex.End.Format(time.RFC3339), hours)
		}
		for i, b := range bs {
			if want := ex.Start.Add(time.Duration(i) * time.Hour); !b.Start.Equal(want) {
				return nil, fmt.Errorf("promtest: %s bucket %d starts at %s, want %s", svc, i, b.Start.Format(time.RFC3339), want.Format(time.RFC3339))
			}
		}
	}
	for _, s := range d.Graph.Services {
		for _, dep := range s.Deps {
			to, ok := ex.Buckets[dep.Target]
			if !ok {
				return nil, fmt.Errorf("promtest: edge %s -> %s: the target has no metrics", s.ID, dep.Target)
			}
			e := &EdgeCalls{PerHour: make([]float64, hours), FailedPerHour: make([]float64, hours)}
			for i := range hours {
				calls := math.Round(float64(ex.Buckets[s.ID][i].Requests) * dep.Ratio())
				failed := 0.0
				if to[i].Requests > 0 {
					failed = math.Round(calls * float64(to[i].Errors) / float64(to[i].Requests))
				}
				e.PerHour[i], e.FailedPerHour[i] = calls, failed
				e.Calls += calls
				e.Failed += failed
			}
			ex.Edges[dataset.Edge{From: s.ID, To: dep.Target}] = e
		}
	}
	return ex, nil
}

// Family is a metric family written after the example's: its # TYPE line
// and its counter series.
type Family struct {
	// Name is the family's name, e.g. rpc_duration_seconds.
	Name string
	// Type is its OpenMetrics type: counter or histogram.
	Type string
	// Series are its counters (a histogram's _bucket and _count).
	Series []Counter
}

// Counter is one counter series.
type Counter struct {
	// Name is the sample's name, e.g. rpc_duration_seconds_bucket.
	Name string
	// Labels are the series' labels as written, e.g.
	// service="hist-svc",le="0.1".
	Labels string
	// PerHour is how much it grows in each hour from Example.Start.
	PerHour []float64
}

// WriteOpenMetrics writes ex as OpenMetrics text for promtool, then the
// extra families, then # EOF: one family after the other, each series'
// samples in time order, timestamps in seconds.
//
// Counters are written at each hour boundary and half-way through each
// hour, growing linearly inside the hour, so increase(...[1h]) at the end
// of an hour is exactly the hour's count both where range selectors
// include their left edge (Prometheus 2) and where they do not and
// increase() extrapolates from the half-hour sample (Prometheus 3).
// Summary quantiles are written once, at the end of their hour, so the
// sample evaluated there is the bucket's latency as given; a latency of
// zero (no data) is not written.
func WriteOpenMetrics(w io.Writer, ex *Example, extra ...Family) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	ts := func(t time.Time) int64 { return t.Unix() }
	half := 30 * time.Minute
	// counter writes a counter growing by inc[i] during hour i: its value
	// at the start, half-way and at the end of every hour.
	counter := func(name, labels string, inc []float64) {
		cum := 0.0
		fmt.Fprintf(bw, "%s{%s} 0 %d\n", name, labels, ts(ex.Start))
		for i, n := range inc {
			h := ex.Start.Add(time.Duration(i) * time.Hour)
			fmt.Fprintf(bw, "%s{%s} %g %d\n", name, labels, cum+n/2, ts(h.Add(half)))
			cum += n
			fmt.Fprintf(bw, "%s{%s} %g %d\n", name, labels, cum, ts(h.Add(time.Hour)))
		}
	}

	fmt.Fprintln(bw, "# TYPE http_requests counter")
	for _, svc := range ex.Services {
		bs := ex.Buckets[svc]
		ok, bad := make([]float64, len(bs)), make([]float64, len(bs))
		for i, b := range bs {
			ok[i], bad[i] = float64(b.Requests-b.Errors), float64(b.Errors)
		}
		counter("http_requests_total", fmt.Sprintf(`service="%s",code="200"`, svc), ok)
		counter("http_requests_total", fmt.Sprintf(`service="%s",code="500"`, svc), bad)
	}
	fmt.Fprintln(bw, "# TYPE http_request_duration_seconds summary")
	for _, svc := range ex.Services {
		for qi, q := range []string{"0.5", "0.95", "0.99"} {
			for _, b := range ex.Buckets[svc] {
				v := [3]float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms}[qi]
				if v == 0 {
					continue // no latency data in this hour
				}
				fmt.Fprintf(bw, "http_request_duration_seconds{service=\"%s\",quantile=\"%s\"} %g %d\n", svc, q, v/1000, ts(b.Start.Add(time.Hour)))
			}
		}
	}
	refs := make([]dataset.Edge, 0, len(ex.Edges))
	for r := range ex.Edges {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b dataset.Edge) int { return strings.Compare(a.From+" "+a.To, b.From+" "+b.To) })
	fmt.Fprintln(bw, "# TYPE traces_service_graph_request counter")
	for _, r := range refs {
		counter("traces_service_graph_request_total", fmt.Sprintf(`client="%s",server="%s"`, r.From, r.To), ex.Edges[r].PerHour)
	}
	fmt.Fprintln(bw, "# TYPE traces_service_graph_request_failed counter")
	for _, r := range refs {
		counter("traces_service_graph_request_failed_total", fmt.Sprintf(`client="%s",server="%s"`, r.From, r.To), ex.Edges[r].FailedPerHour)
	}
	for _, f := range extra {
		fmt.Fprintf(bw, "# TYPE %s %s\n", f.Name, f.Type)
		for _, c := range f.Series {
			counter(c.Name, c.Labels, c.PerHour)
		}
	}
	fmt.Fprintln(bw, "# EOF")
	// bufio.Writer keeps its first error, so one check covers every write.
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write openmetrics: %w", err)
	}
	return nil
}

// Backfill turns an OpenMetrics file into a TSDB directory (in
// t.TempDir()) with promtool and returns its path. Blocks are up to 32
// days long (--max-block-duration=768h), so two months of history make a
// handful of blocks, not one per two hours.
func Backfill(t testing.TB, bin, openMetricsPath string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	tsdb := filepath.Join(t.TempDir(), "tsdb")
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "promtool"), "tsdb", "create-blocks-from", "openmetrics",
		"--quiet", "--max-block-duration=768h", openMetricsPath, tsdb).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	return tsdb
}

// readyTimeout bounds Prometheus's start: opening a backfilled TSDB takes
// well under a second; the rest is room for a loaded CI machine.
const readyTimeout = time.Minute

// Start runs Prometheus on the TSDB directory in its own process group,
// on a free local port, waits until it answers /-/ready and stops it (the
// whole group) when the test ends. It returns the base URL.
func Start(t testing.TB, bin, tsdbDir string) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(conf, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The port is free when it is closed here; the race with another
	// process taking it before Prometheus does is shown by its exit.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(filepath.Join(bin, "prometheus"),
		"--config.file="+conf,
		"--storage.tsdb.path="+tsdbDir,
		// Backfilled samples are old; keep them all.
		"--storage.tsdb.retention.time=100y",
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Dir = dir
	ownGroup(cmd)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stopGroup(cmd, false)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			stopGroup(cmd, true)
			<-exited
		}
	})

	url := "http://" + addr
	ctx, cancel := context.WithTimeout(t.Context(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("prometheus exited before it was ready: %v\n%s", err, logs.String())
		case <-ctx.Done():
			t.Fatalf("prometheus not ready: %v\n%s", ctx.Err(), logs.String())
		case <-tick.C:
		}
	}
}

// StartWith writes d (see NewExample) and the extra families as
// OpenMetrics, backfills them and starts Prometheus on them, all in
// t.TempDir(). It returns the base URL and the example as written.
func StartWith(t testing.TB, d *dataset.Dataset, extra ...Family) (url string, ex *Example) {
	t.Helper()
	bin := Bin(t)
	ex, err := NewExample(d)
	if err != nil {
		t.Fatal(err)
	}
	om := filepath.Join(t.TempDir(), "data.om")
	f, err := os.Create(om)
	if err != nil {
		t.Fatal(err)
	}
	err = WriteOpenMetrics(f, ex, extra...)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return Start(t, bin, Backfill(t, bin, om)), ex
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
