package dataset_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

func TestWriteRoundTrips(t *testing.T) {
	d, err := dataset.Load(writeFiles(t, baseFiles()), dataset.LoadOptions{Now: now})
	require.NoError(t, err)

	dir := t.TempDir()
	require.NoError(t, dataset.Write(dir, d))
	got, err := dataset.Load(dir, dataset.LoadOptions{Now: now})
	require.NoError(t, err)

	require.Equal(t, d.Graph, got.Graph)
	require.Equal(t, d.SLOs, got.SLOs)
	require.Equal(t, d.Incidents, got.Incidents)
	require.Equal(t, d.Truth, got.Truth)
	require.Equal(t, d.MissingNodes, got.MissingNodes)
	require.ElementsMatch(t, d.Metrics, got.Metrics)
}

func TestWriteIsDeterministicAndSortsMetrics(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	d := &dataset.Dataset{
		Graph: slorec.Graph{Services: []slorec.Service{{ID: "b", Kind: slorec.KindService, Tier: slorec.TierHigh}, {ID: "a", Kind: slorec.KindDatastore, Tier: slorec.TierLow}}},
		Metrics: []slorec.MetricBucket{
			{Service: "b", Start: t0.Add(time.Hour), Requests: 10, Errors: 1, LatencyP50Ms: 1.04, LatencyP95Ms: 2.25, LatencyP99Ms: 3.96},
			{Service: "b", Start: t0, Requests: 10},
			{Service: "a", Start: t0, Requests: 7, LatencyP50Ms: 100, LatencyP95Ms: 100.05, LatencyP99Ms: 1234.5},
		},
	}
	original := append([]slorec.MetricBucket(nil), d.Metrics...)
	dir1, dir2 := t.TempDir(), t.TempDir()
	require.NoError(t, dataset.Write(dir1, d))
	require.NoError(t, dataset.Write(dir2, d))
	require.Equal(t, original, d.Metrics, "Write must not reorder the caller's slice")

	csv1, err := os.ReadFile(filepath.Join(dir1, dataset.MetricsFile))
	require.NoError(t, err)
	require.Equal(t, dataset.MetricsHeader+`
2026-10-01T00:00:00Z,a,7,0,100,100.1,1234.5
2026-10-01T00:00:00Z,b,10,0,,,
2026-10-01T01:00:00Z,b,10,1,1,2.3,4
`, string(csv1))
	for _, name := range []string{dataset.TopologyFile, dataset.MetricsFile} {
		a, err := os.ReadFile(filepath.Join(dir1, name))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(dir2, name))
		require.NoError(t, err)
		require.Equal(t, a, b, name)
	}
	topo, err := os.ReadFile(filepath.Join(dir1, dataset.TopologyFile))
	require.NoError(t, err)
	require.Equal(t, `{
  "services": [
    {
      "id": "b",
      "kind": "service",
      "tier": "high"
    },
    {
      "id": "a",
      "kind": "datastore",
      "tier": "low"
    }
  ]
}
`, string(topo))
}

func TestWriteRemovesStaleOptionalFilesOnly(t *testing.T) {
	dir := writeFiles(t, baseFiles())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("hi"), 0o644))
	d, err := dataset.Load(dir, dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	d.SLOs, d.Truth = nil, nil
	require.NoError(t, dataset.Write(dir, d))

	names := func() []string {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	require.Equal(t, []string{"README.md", dataset.IncidentsFile, dataset.MetricsFile, dataset.TopologyFile}, names(),
		"no temporary files left behind, stale optional files removed, other files kept")
	info, err := os.Stat(filepath.Join(dir, dataset.MetricsFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}
