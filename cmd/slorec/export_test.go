package main

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/openslo"
	"github.com/slorec/slorec/integrations/prometheus/promtest"
	"github.com/slorec/slorec/reasoning/recommend"
)

// promtoolCheck runs promtool check rules on files and fails the test
// with its output when it does not pass.
func promtoolCheck(t *testing.T, files ...string) {
	t.Helper()
	bin := promtest.Bin(t)
	out, err := exec.Command(filepath.Join(bin, "promtool"), append([]string{"check", "rules"}, files...)...).CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", out)
}

// exampleDir copies the embedded example into a fresh directory.
func exampleDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, examples.Ecommerce()))
	return dir
}

func TestExportPrometheusRules(t *testing.T) {
	dir := t.TempDir()
	code, all, stderr := invoke(t, nil, "export", "prometheus-rules", "--all")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, all, "# 24 SLOs exported, 0 skipped.")
	// The default mapping does not know the histogram's boundaries, so
	// each latency SLO comes with a warning saying what is assumed.
	require.Contains(t, stderr, `warning: checkout-service latency: the histogram's bucket boundaries are unknown`)

	one := filepath.Join(dir, "checkout.yaml")
	code, stdout, stderr := invoke(t, nil, "export", "prometheus-rules", "--service", "checkout-service", "--out", one)
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stdout)
	b, err := os.ReadFile(one)
	require.NoError(t, err)
	require.Contains(t, string(b), "# 2 SLOs exported, 0 skipped.")
	require.Contains(t, string(b), `slorec_service: checkout-service`)
	require.NotContains(t, string(b), `slorec_service: payment-service`)

	// The committed SLOs of the example (slos.json), not the engine's.
	committed := filepath.Join(dir, "committed.yaml")
	code, _, stderr = invoke(t, nil, "export", "prometheus-rules", "--all", "--source", "committed", "--out", committed)
	require.Equal(t, 0, code, stderr)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(all), 0o644))
	promtoolCheck(t, filepath.Join(dir, "all.yaml"), one, committed)
}

func TestExportOpenSLORoundTrip(t *testing.T) {
	if _, err := openslo.FindSchemas(os.Getenv); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the OpenSLO schemas must be there in CI: %v", err)
		}
		t.Skip(err)
	}
	dir := exampleDir(t)
	doc := filepath.Join(t.TempDir(), "slos.openslo.yaml")
	code, _, stderr := invoke(t, nil, "export", "openslo", "--dataset", dir, "--all", "--source", "committed", "--out", doc)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "export openslo: valid against the OpenSLO v1 schemas")

	before, err := dataset.Load(dir, dataset.LoadOptions{})
	require.NoError(t, err)
	code, stdout, stderr := invoke(t, nil, "ingest", "openslo", "--dataset", dir, doc)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "checkout-service availability target 99.5% over 30 days")
	require.Contains(t, stdout, "wrote 4 SLOs to "+dir)

	// What went out comes back: the same targets, thresholds and windows,
	// each a new version of the SLO it replaces.
	after, err := dataset.Load(dir, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, after.SLOs, len(before.SLOs))
	for i, b := range before.SLOs {
		a := after.SLOs[i]
		require.Equal(t, [3]any{b.Service, b.SLI, b.Target}, [3]any{a.Service, a.SLI, a.Target})
		require.Equal(t, b.ThresholdMs, a.ThresholdMs)
		require.Equal(t, b.WindowDays, a.WindowDays)
		require.Equal(t, max(b.Version, 1)+1, a.Version, "%s %s", a.Service, a.SLI)
	}
}

func TestIngestOpenSLORefusesBadInput(t *testing.T) {
	dir := exampleDir(t)
	slos, err := os.ReadFile(filepath.Join(dir, dataset.SLOsFile))
	require.NoError(t, err)
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	stranger := write("stranger.yaml", `apiVersion: openslo/v1
kind: SLO
metadata: {name: ghost-availability}
spec:
  service: ghost-service
  indicator:
    metadata: {name: ghost-ratio}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: sum(good)}}}
        total: {metricSource: {type: Prometheus, spec: {query: sum(total)}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
`)
	broken := write("broken.yaml", "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"No file is a usage error.", []string{"ingest", "openslo", "--dataset", dir}, 2, "name at least one OpenSLO v1 file"},
		{"Without a destination nothing would be kept.", []string{"ingest", "openslo", stranger}, 2, "give --dataset DIR or a DATABASE_URL (or --dry-run)"},
		{"A missing file is named.", []string{"ingest", "openslo", "--dataset", dir, filepath.Join(tmp, "nope.yaml")}, 2, "nope.yaml: no such file"},
		{"Malformed YAML names the file and the line.", []string{"ingest", "openslo", "--dataset", dir, broken}, 1, "broken.yaml: "},
		{"An SLO of a service the dataset lacks fails the dataset's checks.", []string{"ingest", "openslo", "--dataset", dir, stranger}, 1, "ghost-service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := invoke(t, nil, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.stderr)
			after, err := os.ReadFile(filepath.Join(dir, dataset.SLOsFile))
			require.NoError(t, err)
			require.Equal(t, string(slos), string(after), "slos.json changed")
		})
	}
}

func TestExportRefusesBadInput(t *testing.T) {
	noSLOs := exampleDir(t)
	require.NoError(t, os.Remove(filepath.Join(noSLOs, dataset.SLOsFile)))
	out := filepath.Join(t.TempDir(), "never.yaml")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"Nothing to export named.", []string{"export"}, 2, "name what to export: openslo or prometheus-rules"},
		{"An unknown format.", []string{"export", "sloth"}, 2, "name what to export"},
		{"Neither --service nor --all.", []string{"export", "openslo"}, 2, "give --service ID or --all"},
		{"Both --service and --all.", []string{"export", "openslo", "--all", "--service", "cart"}, 2, "give --service ID or --all"},
		{"An unknown source.", []string{"export", "prometheus-rules", "--all", "--source", "proposed"}, 2, `--source "proposed" is not recommended or committed`},
		{"An unknown service.", []string{"export", "prometheus-rules", "--service", "ghost", "--out", out}, 1, `service "ghost" is not in the dataset`},
		{"Committed SLOs where there are none.", []string{"export", "openslo", "--dataset", noSLOs, "--all", "--source", "committed", "--out", out}, 1, "no committed SLOs to export"},
		{"A bad mapping file.", []string{"export", "prometheus-rules", "--all", "--config", filepath.Join(t.TempDir(), "missing.yaml"), "--out", out}, 2, "--config: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := invoke(t, nil, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.stderr)
			require.Empty(t, stdout)
			_, err := os.Stat(out)
			require.ErrorIs(t, err, fs.ErrNotExist)
		})
	}
}

// TestPrometheusToAlertRules runs the README's three commands: from a
// Prometheus holding the example's history to recommended SLOs and alert
// rules that promtool accepts.
func TestPrometheusToAlertRules(t *testing.T) {
	d := promExample(t)
	url, _ := promtest.StartWith(t, d)
	work := t.TempDir()
	topo := exampleTopology(t)
	mapping := filepath.Join(work, "mapping.yaml")
	require.NoError(t, os.WriteFile(mapping, []byte(promtest.Mapping), 0o644))
	shop := filepath.Join(work, "shop")
	last := d.Metrics[len(d.Metrics)-1].Start.Add(time.Hour)

	code, stdout, stderr := invoke(t, nil, "ingest", "prometheus", "--url", url, "--config", mapping, "--topology", topo,
		"--edges", "--window", "30", "--end", last.Format(time.RFC3339), "--out", shop)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "service graph: 11 edges observed; 0 added, 11 confirmed")

	code, stdout, stderr = invoke(t, nil, "recommend", "--dataset", shop)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "dataset "+shop+": 12 services")
	require.Contains(t, stdout, "checkout-service")

	rules := filepath.Join(work, "slo-rules.yaml")
	code, _, stderr = invoke(t, nil, "export", "prometheus-rules", "--dataset", shop, "--all", "--out", rules)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(rules)
	require.NoError(t, err)
	require.Contains(t, string(b), "SLOs exported, 0 skipped.")
	require.Contains(t, string(b), `alert: SlorecErrorBudgetBurn`)
	promtoolCheck(t, rules)

	// The ingested month recommends exactly what the example's own last
	// month does: same buckets (metrics.csv has 0.1 ms latencies, which
	// survive the round trip through seconds), same objectives.
	want, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	from := last.Add(-30 * 24 * time.Hour)
	var month []slorec.MetricBucket
	for _, m := range want.Metrics {
		if !m.Start.Before(from) {
			month = append(month, m)
		}
	}
	want.Metrics, want.SLOs = month, nil
	got, err := dataset.Load(shop, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, got.Metrics, len(month))
	wantRes, err := recommend.Recommend(context.Background(), engineInput(want), recommend.Options{})
	require.NoError(t, err)
	gotRes, err := recommend.Recommend(context.Background(), engineInput(got), recommend.Options{})
	require.NoError(t, err)
	require.Len(t, gotRes.Recommendations, len(wantRes.Recommendations))
	for i, w := range wantRes.Recommendations {
		require.Equal(t, w.Service, gotRes.Recommendations[i].Service)
		require.Equal(t, w.Objectives, gotRes.Recommendations[i].Objectives, w.Service)
	}
}

// TestExportSnapsRecommendedThresholds: with the histogram's boundaries
// in the mapping, recommended latency thresholds are raised to the next
// boundary so the OpenSLO export can measure them; committed ones are
// exported as committed, and refused when the histogram cannot count them.
func TestExportSnapsRecommendedThresholds(t *testing.T) {
	mapping := "../../integrations/promrules/testdata/ecommerce-mapping.yaml"
	code, stdout, stderr := invoke(t, nil, "export", "openslo", "--all", "--config", mapping)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "note: checkout-service latency: recommended threshold 650 ms raised to the histogram boundary 1000 ms")
	require.Contains(t, stdout, `le=~"1|1\\.0"`)

	// api-gateway's committed 200 ms is not a boundary (250 ms is next).
	code, _, stderr = invoke(t, nil, "export", "openslo", "--service", "api-gateway", "--source", "committed", "--config", mapping)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "latency threshold 200 ms is not a bucket boundary")
}
