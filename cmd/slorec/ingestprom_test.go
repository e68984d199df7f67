package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/prometheus/promtest"
	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/store/postgres"
)

// The CLI tests of `slorec ingest prometheus` run the command against a
// real Prometheus holding the e-commerce example (see promtest), with
// latency read from its summary, so every bucket read can be compared
// with the example's.

// latencyDeltaMs is how far a latency read back from a written dataset
// may be from the example's: dataset.Write rounds to 0.1 ms.
const latencyDeltaMs = 0.05

// promExample loads the embedded e-commerce example.
func promExample(t *testing.T) *dataset.Dataset {
	t.Helper()
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{Now: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	return d
}

// writeTestFile writes content to dir/name and returns the path.
func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// exampleTopology writes the example's topology.json into a fresh
// directory and returns its path.
func exampleTopology(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(examples.Ecommerce(), dataset.TopologyFile)
	require.NoError(t, err)
	return writeTestFile(t, t.TempDir(), dataset.TopologyFile, string(b))
}

// topologyWithout writes the graph without the edge from -> to and
// returns the topology.json's path.
func topologyWithout(t *testing.T, g slorec.Graph, from, to string) string {
	t.Helper()
	svcs := slices.Clone(g.Services)
	found := false
	for i := range svcs {
		if svcs[i].ID == from {
			n := len(svcs[i].Deps)
			svcs[i].Deps = slices.DeleteFunc(slices.Clone(svcs[i].Deps), func(d slorec.Dependency) bool { return d.Target == to })
			found = len(svcs[i].Deps) == n-1
		}
	}
	require.True(t, found, "the example has the edge %s -> %s", from, to)
	b, err := json.MarshalIndent(slorec.Graph{Services: svcs}, "", "  ")
	require.NoError(t, err)
	return writeTestFile(t, t.TempDir(), dataset.TopologyFile, string(b))
}

// inWindow returns the example's buckets of the days before end, by
// service.
func inWindow(ex *promtest.Example, days int, end time.Time) map[string][]slorec.MetricBucket {
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	out := map[string][]slorec.MetricBucket{}
	for svc, bs := range ex.Buckets {
		for _, b := range bs {
			if !b.Start.Before(start) && b.Start.Before(end) {
				out[svc] = append(out[svc], b)
			}
		}
	}
	return out
}

// requireBuckets requires got to be want: counts exact, latencies within
// delta ms.
func requireBuckets(t *testing.T, want, got []slorec.MetricBucket, delta float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.InDelta(t, w.LatencyP50Ms, g.LatencyP50Ms, delta, "%s %s p50", w.Service, w.Start)
		require.InDelta(t, w.LatencyP95Ms, g.LatencyP95Ms, delta, "%s %s p95", w.Service, w.Start)
		require.InDelta(t, w.LatencyP99Ms, g.LatencyP99Ms, delta, "%s %s p99", w.Service, w.Start)
		w.LatencyP50Ms, w.LatencyP95Ms, w.LatencyP99Ms = g.LatencyP50Ms, g.LatencyP95Ms, g.LatencyP99Ms
		require.Equal(t, w, g, "bucket %d: counts are exact", i)
	}
}

// requireNoDir requires path not to exist: a refused ingestion writes
// nothing.
func requireNoDir(t *testing.T, path string) {
	t.Helper()
	_, err := os.Stat(path)
	require.ErrorIs(t, err, fs.ErrNotExist, "%s was written", path)
}

// closedURL returns the URL of a local port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// failingMapping counts api-gateway's requests as user-db's errors: more
// errors than requests, so user-db fails and no other service does.
const failingMapping = promtest.Mapping + `services:
  user-db:
    errors: 'http_requests_total{service="api-gateway"}'
`

func TestIngestPrometheus(t *testing.T) {
	t.Parallel()
	promtest.Bin(t) // skip before loading anything
	ds := promExample(t)
	url, ex := promtest.StartWith(t, ds)
	cfgDir := t.TempDir()
	mapping := writeTestFile(t, cfgDir, "mapping.yaml", promtest.Mapping)
	topology := exampleTopology(t)
	// The window ends where the example does, after its last hour.
	const days = 7
	end := ex.End.Format(time.RFC3339)
	want := inWindow(ex, days, ex.End)
	nBuckets := days * 24 * len(ex.Services)
	args := func(topo, out string, extra ...string) []string {
		return append([]string{"ingest", "prometheus", "--url", url, "--config", mapping, "--topology", topo,
			"--out", out, "--window", strconv.Itoa(days), "--end", end}, extra...)
	}

	t.Run("Reading into a dataset directory gives back the example's buckets and topology.", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		code, stdout, stderr := invoke(t, nil, args(topology, out)...)
		require.Equal(t, 0, code, stderr)
		require.Contains(t, stdout, "window 2026-10-25T00:00:00Z to 2026-11-01T00:00:00Z, step 3600s\n")
		require.Regexp(t, `(?m)^checkout-service\s+168\s+ok$`, stdout)
		require.Contains(t, stdout, "wrote dataset "+out+": 12 services, 2016 metric buckets\n")
		require.Empty(t, stderr)

		got, err := dataset.Load(out, dataset.LoadOptions{})
		require.NoError(t, err)
		require.Equal(t, ds.Graph, got.Graph)
		require.Len(t, got.Metrics, nBuckets)
		byService := got.MetricsByService()
		require.Len(t, byService, len(ex.Services))
		for _, svc := range ex.Services {
			require.Len(t, want[svc], days*24, svc)
			requireBuckets(t, want[svc], byService[svc], latencyDeltaMs)
		}
		require.Nil(t, got.SLOs, "a topology.json has no SLOs to carry over")
	})

	t.Run("A dataset directory as --topology keeps its SLOs and incidents.", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := invoke(t, nil, args("../../examples/ecommerce", out)...)
		require.Equal(t, 0, code, stderr)
		got, err := dataset.Load(out, dataset.LoadOptions{})
		require.NoError(t, err)
		require.Equal(t, ds.Graph, got.Graph)
		require.Equal(t, ds.SLOs, got.SLOs)
		require.Equal(t, ds.Incidents, got.Incidents)
		require.Len(t, got.Metrics, nBuckets, "the directory's own metrics are replaced by the window read")
		requireBuckets(t, want["payment-service"], got.MetricsByService()["payment-service"], latencyDeltaMs)
	})

	t.Run("A declared topology missing an edge gets it back as observed.", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		topo := topologyWithout(t, ds.Graph, "checkout-service", "payment-service")
		code, stdout, stderr := invoke(t, nil, args(topo, out, "--edges")...)
		require.Equal(t, 0, code, stderr)
		require.Contains(t, stdout, "service graph: 11 edges observed; 1 added, 10 confirmed, 0 declared but not observed, 0 to unknown services\n"+
			"  added checkout-service -> payment-service (observed)\n")

		got, err := dataset.Load(out, dataset.LoadOptions{})
		require.NoError(t, err)
		wantGraph := slices.Clone(ds.Graph.Services)
		for i := range wantGraph {
			if wantGraph[i].ID != "checkout-service" {
				continue
			}
			// The declared edge had a call ratio; the observed one is
			// added sync and hard, as the conservative default.
			wantGraph[i].Deps = slices.Clone(wantGraph[i].Deps)
			for j, d := range wantGraph[i].Deps {
				if d.Target == "payment-service" {
					wantGraph[i].Deps = append(slices.Delete(wantGraph[i].Deps, j, j+1),
						slorec.Dependency{Target: "payment-service", Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed})
					break
				}
			}
		}
		require.Equal(t, wantGraph, got.Graph.Services)
		require.Len(t, got.Metrics, nBuckets)
	})

	t.Run("JSON output is the report, with the URL from the environment.", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		a := args(topology, out, "--edges", "--format", "json")
		a = slices.Delete(a, 2, 4) // no --url: SLOREC_PROMETHEUS_URL
		code, stdout, stderr := invoke(t, map[string]string{"SLOREC_PROMETHEUS_URL": url}, a...)
		require.Equal(t, 0, code, stderr)
		var rep app.PrometheusReport
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
		require.Equal(t, ex.End.Add(-days*24*time.Hour), rep.Start)
		require.Equal(t, ex.End, rep.End)
		require.EqualValues(t, 3600, rep.StepSeconds)
		require.Equal(t, nBuckets, rep.Buckets)
		require.Len(t, rep.Services, len(ex.Services))
		for i, s := range rep.Services {
			require.Equal(t, ex.Services[i], s.Service)
			require.Equal(t, days*24, s.Buckets, s.Service)
			require.Empty(t, s.Code, s.Service)
		}
		require.Empty(t, rep.Warnings)
		require.Empty(t, rep.NoData)
		require.Zero(t, rep.Failed)
		require.NotNil(t, rep.Edges)
		require.Equal(t, len(ex.Edges), rep.Edges.Edges)
		require.NotNil(t, rep.Merge)
		require.Len(t, rep.Merge.Confirmed, len(ex.Edges))
		require.Empty(t, rep.Merge.Added)
		require.True(t, rep.Written)
		require.Equal(t, nBuckets, rep.MetricsWritten)
		require.Zero(t, rep.CatalogVersion, "no store")
		// Exactly one JSON document, and the raw keys are the API's.
		var raw map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout), &raw))
		for _, k := range []string{"start", "end", "step_seconds", "services", "buckets", "edges", "merge", "failed", "written", "metrics_written"} {
			require.Contains(t, raw, k)
		}
	})

	t.Run("A mapping whose selectors match nothing is refused.", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		nothing := writeTestFile(t, t.TempDir(), "nothing.yaml", `defaults:
  requests: 'no_such_requests_total{service="{{service}}"}'
  errors: 'no_such_requests_total{service="{{service}}",code="500"}'
  latency: {none: true}
`)
		a := args(topology, out)
		a[5] = nothing // --config
		code, stdout, stderr := invoke(t, nil, a...)
		require.Equal(t, 1, code, stdout)
		require.Contains(t, stderr, "no service had data between 2026-10-25T00:00:00Z and 2026-11-01T00:00:00Z: check the mapping's selectors")
		require.Regexp(t, `(?m)^user-db\s+0\s+no data: `, stdout)
		require.Equal(t, len(ex.Services), strings.Count(stdout, "no data: "), stdout)
		requireNoDir(t, out)
	})

	t.Run("A failing service refuses the whole ingestion, unless partial is allowed.", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "out")
		failing := writeTestFile(t, t.TempDir(), "failing.yaml", failingMapping)
		a := args(topology, out)
		a[5] = failing // --config
		code, stdout, stderr := invoke(t, nil, a...)
		require.Equal(t, 1, code, stdout)
		require.Contains(t, stderr, "1 of 12 services failed; nothing was written")
		require.Regexp(t, `(?m)^user-db\s+0\s+FAILED \(invalid\): bucket 2026-10-25T00:00:00Z: errors \d+ exceed requests \d+`, stdout)
		require.Regexp(t, `(?m)^api-gateway\s+168\s+ok$`, stdout)
		requireNoDir(t, out)

		code, stdout, stderr = invoke(t, nil, append(a, "--allow-partial")...)
		require.Equal(t, 0, code, stderr)
		require.Contains(t, stdout, "FAILED (invalid)")
		require.Contains(t, stdout, "wrote dataset "+out+": 12 services, 1848 metric buckets\n")
		got, err := dataset.Load(out, dataset.LoadOptions{})
		require.NoError(t, err)
		require.Equal(t, ds.Graph, got.Graph, "the failed service stays declared")
		byService := got.MetricsByService()
		require.NotContains(t, byService, "user-db")
		require.Len(t, byService, len(ex.Services)-1)
		for svc, bs := range byService {
			requireBuckets(t, want[svc], bs, latencyDeltaMs)
		}
	})
}

// TestIngestPrometheusRefusesBadInput needs no Prometheus: each input is
// refused before a query, or the server is down.
func TestIngestPrometheusRefusesBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	topology := exampleTopology(t)
	mapping := writeTestFile(t, dir, "mapping.yaml", promtest.Mapping)
	unknownKey := writeTestFile(t, dir, "unknown.yaml", "defaults:\n  request: 'http_requests_total'\n")
	out := filepath.Join(dir, "out")
	down := closedURL(t)
	// One service, so the retries of its one failing query are the
	// whole wait.
	oneService := writeTestFile(t, dir, "one.json", `{"services": [{"id": "web", "kind": "service", "tier": "critical"}]}`)

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
		stdout []string
	}{
		{
			name:   "Without --topology there is nothing to read for.",
			args:   []string{"--url", down, "--out", out},
			code:   2,
			stderr: "ingest prometheus: --topology is required (the services to read)",
		},
		{
			name:   "Without --out or a database the read would be lost.",
			args:   []string{"--url", down, "--topology", topology},
			code:   2,
			stderr: "ingest prometheus: give --out DIR or a DATABASE_URL",
		},
		{
			name:   "An --end that is not RFC 3339 is refused.",
			args:   []string{"--url", down, "--topology", topology, "--out", out, "--end", "2026-11-01"},
			code:   2,
			stderr: `ingest prometheus: --end "2026-11-01" is not an RFC 3339 time`,
		},
		{
			name:   "A window of no days is refused, in the flag's terms.",
			args:   []string{"--url", down, "--topology", topology, "--out", out, "--window", "0"},
			code:   2,
			stderr: "ingest prometheus: --window 0 is not in [1,400] days",
		},
		{
			name:   "Negative retries are refused.",
			args:   []string{"--url", down, "--topology", topology, "--out", out, "--retries", "-1"},
			code:   2,
			stderr: "ingest prometheus: --retries -1 is negative",
		},
		{
			name:   "A mapping with an unknown key names the file and the key.",
			args:   []string{"--url", down, "--topology", topology, "--out", out, "--config", unknownKey},
			code:   1,
			stderr: unknownKey + ": prometheus mapping: line 2: unknown field request\n",
		},
		{
			name:   "A missing mapping file is a usage error.",
			args:   []string{"--url", down, "--topology", topology, "--out", out, "--config", filepath.Join(dir, "absent.yaml")},
			code:   2,
			stderr: "--config: open " + filepath.Join(dir, "absent.yaml"),
		},
		{
			name:   "Without a URL the command names the flag and the variable.",
			args:   []string{"--topology", topology, "--out", out},
			code:   1,
			stderr: "prometheus url: required (flag or SLOREC_PROMETHEUS_URL)",
		},
		{
			name:   "A Prometheus that is down fails every service and writes nothing.",
			args:   []string{"--url", down, "--topology", oneService, "--out", out, "--config", mapping, "--timeout", "1s"},
			code:   1,
			stderr: "1 of 1 services failed; nothing was written",
			stdout: []string{"web", "FAILED (unavailable): prometheus: query_range ", "connection failed: dial tcp " + strings.TrimPrefix(down, "http://") + ": connect: connection refused (after 4 attempts)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			code, stdout, stderr := invoke(t, nil, append([]string{"ingest", "prometheus"}, tt.args...)...)
			t.Logf("exit %d after %s", code, time.Since(began).Round(time.Millisecond))
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stderr, tt.stderr)
			for _, w := range tt.stdout {
				require.Contains(t, stdout, w)
			}
			requireNoDir(t, out)
		})
	}
}

// TestIngestPrometheusDownWithAllowPartial documents a bug: with
// --allow-partial and every service failed because Prometheus is down,
// the refusal blames the mapping ("no service had data ... check the
// mapping's selectors") instead of naming the failures, as it does
// without --allow-partial.
func TestIngestPrometheusDownWithAllowPartial(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	oneService := writeTestFile(t, dir, "one.json", `{"services": [{"id": "web", "kind": "service", "tier": "critical"}]}`)
	mapping := writeTestFile(t, dir, "mapping.yaml", promtest.Mapping)
	code, stdout, stderr := invoke(t, nil, "ingest", "prometheus", "--url", closedURL(t), "--topology", oneService,
		"--out", out, "--config", mapping, "--timeout", "1s", "--allow-partial")
	require.Equal(t, 1, code, stdout)
	require.Contains(t, stdout, "connection refused")
	require.Contains(t, stderr, "1 of 1 services failed")
	require.NotContains(t, stderr, "check the mapping's selectors")
	requireNoDir(t, out)
}

// TestIngestPrometheusPostgres ingests into the store: the buckets and the
// graph are stored, a refused ingestion leaves the store as it was, and a
// partial one stores the services that were read and the observed edge.
func TestIngestPrometheusPostgres(t *testing.T) {
	t.Parallel()
	promtest.Bin(t) // skip before creating a database
	dbURL := pgtest.URL(t)
	// Four days are enough here and backfill in a fraction of the time
	// of the full example.
	ds := promExample(t)
	cut := ds.Metrics[len(ds.Metrics)-1].Start.Add(time.Hour).Add(-4 * 24 * time.Hour)
	ds.Metrics = slices.DeleteFunc(slices.Clone(ds.Metrics), func(b slorec.MetricBucket) bool { return b.Start.Before(cut) })
	url, ex := promtest.StartWith(t, ds)
	mapping := writeTestFile(t, t.TempDir(), "mapping.yaml", promtest.Mapping)
	failing := writeTestFile(t, t.TempDir(), "failing.yaml", failingMapping)
	topology := exampleTopology(t)
	vars := map[string]string{"DATABASE_URL": dbURL}
	ingest := func(config, topo string, days int, end time.Time, extra ...string) []string {
		return append([]string{"ingest", "prometheus", "--url", url, "--config", config, "--topology", topo,
			"--window", strconv.Itoa(days), "--end", end.Format(time.RFC3339)}, extra...)
	}

	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	ts := db.Tenant(slorec.DefaultTenant)
	// stored returns every service's stored buckets.
	stored := func(t *testing.T) map[string][]slorec.MetricBucket {
		t.Helper()
		out := map[string][]slorec.MetricBucket{}
		for _, svc := range ex.Services {
			bs, err := ts.Metrics(ctx, svc, time.Time{}, time.Time{})
			require.NoError(t, err)
			if len(bs) > 0 {
				out[svc] = bs
			}
		}
		return out
	}
	services := func(t *testing.T) []slorec.Service {
		t.Helper()
		svcs, err := ts.Services(ctx)
		require.NoError(t, err)
		for i := range svcs {
			svcs[i].Version = 0
		}
		return svcs
	}
	version := func(t *testing.T) int {
		t.Helper()
		v, err := ts.CatalogVersion(ctx)
		require.NoError(t, err)
		return v
	}
	sortedGraph := func(svcs []slorec.Service) []slorec.Service {
		svcs = slices.Clone(svcs)
		slices.SortFunc(svcs, func(a, b slorec.Service) int { return strings.Compare(a.ID, b.ID) })
		return svcs
	}

	// Two days ending a day before the data does.
	firstEnd := ex.End.Add(-24 * time.Hour)
	code, stdout, stderr := invoke(t, vars, ingest(mapping, topology, 2, firstEnd)...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "stored 576 metric buckets (catalog version 1) in postgres://")
	want := inWindow(ex, 2, firstEnd)
	got := stored(t)
	require.Len(t, got, len(ex.Services))
	for _, svc := range ex.Services {
		require.Len(t, want[svc], 48)
		requireBuckets(t, want[svc], got[svc], 1e-6)
	}
	require.Equal(t, sortedGraph(ds.Graph.Services), services(t))
	require.Equal(t, 1, version(t))

	// A failing service, without --allow-partial: nothing changes, not
	// even the graph with its observed edge.
	noEdge := topologyWithout(t, ds.Graph, "checkout-service", "payment-service")
	code, stdout, stderr = invoke(t, vars, ingest(failing, noEdge, 3, ex.End, "--edges")...)
	require.Equal(t, 1, code, stdout)
	require.Contains(t, stderr, "1 of 12 services failed; nothing was written")
	require.Equal(t, got, stored(t))
	require.Equal(t, sortedGraph(ds.Graph.Services), services(t))
	require.Equal(t, 1, version(t))

	// With it: the eleven others get their third day, user-db keeps its
	// two, and the graph takes the observed edge in place of the
	// declared one (the topology given no longer declares it).
	code, stdout, stderr = invoke(t, vars, ingest(failing, noEdge, 3, ex.End, "--edges", "--allow-partial", "--format", "json")...)
	require.Equal(t, 0, code, stderr)
	var rep app.PrometheusReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
	require.True(t, rep.Written)
	require.Equal(t, 1, rep.Failed)
	require.Equal(t, 11*72, rep.MetricsWritten)
	require.Equal(t, 2, rep.CatalogVersion)
	require.NotNil(t, rep.Merge)
	require.Len(t, rep.Merge.Added, 1)
	require.Equal(t, "checkout-service", rep.Merge.Added[0].From)
	require.Equal(t, "payment-service", rep.Merge.Added[0].To)

	full := inWindow(ex, 3, ex.End)
	got = stored(t)
	for _, svc := range ex.Services {
		if svc == "user-db" {
			requireBuckets(t, want[svc], got[svc], 1e-6)
			continue
		}
		requireBuckets(t, full[svc], got[svc], 1e-6)
	}
	var checkout slorec.Service
	for _, s := range services(t) {
		if s.ID == "checkout-service" {
			checkout = s
		}
	}
	require.Contains(t, checkout.Deps, slorec.Dependency{Target: "payment-service", Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed})
	require.Len(t, checkout.Deps, 3)
	require.Equal(t, 2, version(t))
}
