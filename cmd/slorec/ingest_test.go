package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIngestValidatesTheExample(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "ingest", "-dataset", "../../examples/ecommerce")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "ingested 12 services (catalog version 1), 17280 metric buckets, 4 SLOs")
}

func TestIngestNamesFileLineAndField(t *testing.T) {
	dir := t.TempDir()
	topo, err := os.ReadFile("../../examples/ecommerce/topology.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "topology.json"), topo, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "metrics.csv"), []byte(
		"timestamp,service,requests,errors,latency_p50_ms,latency_p95_ms,latency_p99_ms\n"+
			"2026-09-02T00:00:00Z,api-gateway,10,11,,,\n"+
			"2026-09-02T01:00:00Z,ghost,10,1,,,\n"), 0o644))

	code, _, stderr := invoke(t, nil, "ingest", "-dataset", dir)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "metrics.csv:2: errors: 11 exceeds requests 10")
	require.Contains(t, stderr, `metrics.csv:3: service: unknown service "ghost"`)
}

func TestIngestNeedsADataset(t *testing.T) {
	code, _, stderr := invoke(t, nil, "ingest")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "-dataset is required")
}
