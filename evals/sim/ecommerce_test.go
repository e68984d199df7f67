package sim_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/sim"
)

var update = flag.Bool("update", false, "rewrite examples/ecommerce from sim.Ecommerce")

// exampleDir is the committed example, relative to this package.
var exampleDir = filepath.Join("..", "..", "examples", "ecommerce")

var generatedFiles = []string{dataset.TopologyFile, dataset.MetricsFile, dataset.SLOsFile, dataset.IncidentsFile, dataset.TruthFile}

// TestEcommerceExampleUpToDate regenerates examples/ecommerce in memory and
// compares it byte for byte with the committed files. Run
// `go test ./evals/sim -run Ecommerce -update` to rewrite them.
func TestEcommerceExampleUpToDate(t *testing.T) {
	start := time.Now()
	d, err := sim.Run(sim.Ecommerce())
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, dataset.Write(dir, d))
	t.Logf("generated %d rows in %v", len(d.Metrics), time.Since(start))

	if *update {
		require.NoError(t, dataset.Write(exampleDir, d))
	}
	for _, name := range generatedFiles {
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		want, err := os.ReadFile(filepath.Join(exampleDir, name))
		require.NoError(t, err, "run: go test ./evals/sim -run Ecommerce -update")
		require.True(t, bytes.Equal(want, got), "%s is stale; run: go test ./evals/sim -run Ecommerce -update", name)
	}
}

// TestEcommerceExampleLoads checks the committed example against the
// dataset rules, with the real clock.
func TestEcommerceExampleLoads(t *testing.T) {
	d, err := dataset.Load(exampleDir, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, d.Graph.Services, 12)
	require.Empty(t, d.MissingNodes)
	require.Len(t, d.SLOs, 4)
	require.Len(t, d.Incidents, 5)
	require.Len(t, d.Metrics, 12*60*24)
	require.NotNil(t, d.Truth)
	last := d.Metrics[len(d.Metrics)-1].Start
	require.Equal(t, sim.EcommerceEnd().Add(-time.Hour), last)
}

// window summarises one service over the last days of a dataset.
type window struct {
	requests, errors int64
	// p99 is the request-weighted mean of the buckets' p99; p99Median the
	// median bucket p99; p95 likewise for the p95.
	p99, p99Median, p95 float64
}

func (w window) errorRate() float64 { return float64(w.errors) / float64(w.requests) }

func lastDays(d *dataset.Dataset, service string, days int) window {
	var end time.Time
	for _, b := range d.Metrics {
		if b.Start.After(end) {
			end = b.Start
		}
	}
	from := end.Add(time.Hour).AddDate(0, 0, -days)
	var (
		w        window
		p99s     []float64
		sum, s95 float64
	)
	for _, b := range d.Metrics {
		if b.Service != service || b.Start.Before(from) {
			continue
		}
		w.requests += b.Requests
		w.errors += b.Errors
		sum += float64(b.Requests) * b.LatencyP99Ms
		s95 += float64(b.Requests) * b.LatencyP95Ms
		p99s = append(p99s, b.LatencyP99Ms)
	}
	slices.Sort(p99s)
	w.p99 = sum / float64(w.requests)
	w.p95 = s95 / float64(w.requests)
	w.p99Median = p99s[len(p99s)/2]
	return w
}

// TestEcommerceMatchesTheBrief checks the brief's "last 30 days" samples
// against the generated metrics: error rate over the window, and p99 as the
// request-weighted mean of the hourly p99s.
func TestEcommerceMatchesTheBrief(t *testing.T) {
	d, err := sim.Run(sim.Ecommerce())
	require.NoError(t, err)
	for _, tc := range []struct {
		service         string
		p99Ms, errRatio float64
	}{
		{"api-gateway", 250, 0.001},
		{"auth-service", 50, 0.0005},
		{"checkout-service", 800, 0.005},
	} {
		w := lastDays(d, tc.service, 30)
		t.Logf("%-17s p99 %5.1f ms (brief %3.0f)  error rate %.4f%% (brief %.2f%%)  p95 %5.1f ms",
			tc.service, w.p99, tc.p99Ms, 100*w.errorRate(), 100*tc.errRatio, w.p95)
		require.InEpsilon(t, tc.p99Ms, w.p99, 0.10, "%s p99", tc.service)
		require.InEpsilon(t, tc.p99Ms, w.p99Median, 0.10, "%s median p99", tc.service)
		require.InEpsilon(t, tc.errRatio, w.errorRate(), 0.10, "%s error rate", tc.service)
	}

	// The external API is visibly unreliable and misses its published SLA.
	ext := lastDays(d, "external-payment-api", 30)
	avail := 1 - ext.errorRate()
	t.Logf("external-payment-api availability %.4f%% over 30 days (published SLA 99.5%%)", 100*avail)
	require.True(t, avail >= 0.990 && avail <= 0.993, "external availability %v", avail)
	require.Less(t, d.Truth.Services["external-payment-api"].EndToEndAvailability, 0.995)

	// Observed availability agrees with the truth over the whole period.
	for _, s := range d.Graph.Services {
		w := lastDays(d, s.ID, 60)
		require.InDelta(t, d.Truth.Services[s.ID].EndToEndAvailability, 1-w.errorRate(), 0.0002, s.ID)
		require.Equal(t, d.Truth.Services[s.ID].Requests, w.requests, s.ID)
	}
}
