package sim_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/sim"
)

var t0 = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// config returns a flat-traffic, incident-free simulation of g where
// "front" receives the traffic and every node has the given intrinsic
// availability and a constant latency of 10 ms.
func config(g slorec.Graph, avail map[string]float64) sim.Config {
	ps := map[string]sim.ServiceParams{}
	for id, a := range avail {
		ps[id] = sim.ServiceParams{IntrinsicAvailability: a, LatencyP50Ms: 10, LatencyP99Ms: 10}
	}
	p := ps["front"]
	p.EntryRequestsPerHour = 100000
	ps["front"] = p
	return sim.Config{Graph: g, Services: ps, Start: t0, Days: 2, Seed: 1, LatencySamples: 50}
}

func svc(id string, deps ...slorec.Dependency) slorec.Service {
	return slorec.Service{ID: id, Kind: slorec.KindService, Tier: slorec.TierHigh, Deps: deps}
}

func dep(target string, typ slorec.DependencyType, crit slorec.Criticality) slorec.Dependency {
	return slorec.Dependency{Target: target, Type: typ, Criticality: crit}
}

func e2e(t *testing.T, cfg sim.Config, id string) float64 {
	t.Helper()
	d, err := sim.Run(cfg)
	require.NoError(t, err)
	return d.Truth.Services[id].EndToEndAvailability
}

func TestFailuresPropagateAlongHardSyncEdgesOnly(t *testing.T) {
	avail := map[string]float64{"front": 0.999, "back": 0.99}
	tests := []struct {
		name string
		dep  slorec.Dependency
		want float64
	}{
		{"A hard sync dependency should multiply availability.", dep("back", slorec.Sync, slorec.Hard), 0.999 * 0.99},
		{"A soft sync dependency should not fail the caller.", dep("back", slorec.Sync, slorec.Soft), 0.999},
		{"An async dependency should not fail the caller.", dep("back", slorec.Async, slorec.Hard), 0.999},
		{"A hard sync dependency called by 10% of requests should cost a tenth.",
			slorec.Dependency{Target: "back", Type: slorec.Sync, Criticality: slorec.Hard, CallRatio: 0.1}, 0.999 * (1 - 0.1*0.01)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := slorec.Graph{Services: []slorec.Service{svc("front", tc.dep), svc("back")}}
			require.InDelta(t, tc.want, e2e(t, config(g, avail), "front"), 1e-9)
		})
	}
}

func TestRedundancyGroupsHelp(t *testing.T) {
	avail := map[string]float64{"front": 0.999, "a": 0.99, "b": 0.99}
	single := slorec.Graph{Services: []slorec.Service{svc("front", dep("a", slorec.Sync, slorec.Hard)), svc("a")}}
	red := func(target string) slorec.Dependency {
		d := dep(target, slorec.Sync, slorec.Hard)
		d.RedundancyGroup = "replicas"
		return d
	}
	pair := slorec.Graph{Services: []slorec.Service{svc("front", red("a"), red("b")), svc("a"), svc("b")}}
	both := slorec.Graph{Services: []slorec.Service{svc("front", dep("a", slorec.Sync, slorec.Hard), dep("b", slorec.Sync, slorec.Hard)), svc("a"), svc("b")}}

	require.InDelta(t, 0.999*0.99, e2e(t, config(single, map[string]float64{"front": 0.999, "a": 0.99}), "front"), 1e-9)
	require.InDelta(t, 0.999*(1-0.01*0.01), e2e(t, config(pair, avail), "front"), 1e-9, "a redundant pair fails only when both fail")
	require.InDelta(t, 0.999*0.99*0.99, e2e(t, config(both, avail), "front"), 1e-9, "two hard dependencies multiply")

	d, err := sim.Run(config(pair, avail))
	require.NoError(t, err)
	require.InEpsilon(t, d.Truth.Services["a"].Requests, d.Truth.Services["b"].Requests, 0.02, "members share the calls")
	require.InEpsilon(t, d.Truth.Services["front"].Requests/2, d.Truth.Services["a"].Requests, 0.02)
}

func TestFailuresPropagateTransitively(t *testing.T) {
	g := slorec.Graph{Services: []slorec.Service{
		svc("front", dep("mid", slorec.Sync, slorec.Hard)),
		svc("mid", dep("leaf", slorec.Sync, slorec.Hard)),
		svc("leaf"),
	}}
	require.InDelta(t, 0.999*0.998*0.99, e2e(t, config(g, map[string]float64{"front": 0.999, "mid": 0.998, "leaf": 0.99}), "front"), 1e-9)
}

func TestLatencyComposition(t *testing.T) {
	par := func(target string) slorec.Dependency {
		d := dep(target, slorec.Sync, slorec.Hard)
		d.ParallelGroup = "fanout"
		return d
	}
	tests := []struct {
		name string
		deps []slorec.Dependency
		want float64 // constant latency of front: 10 ms own + calls
	}{
		{"Sequential calls should add.", []slorec.Dependency{dep("a", slorec.Sync, slorec.Hard), dep("b", slorec.Sync, slorec.Soft)}, 10 + 20 + 30},
		{"Parallel calls should take the max.", []slorec.Dependency{par("a"), par("b")}, 10 + 30},
		{"Async calls should add nothing.", []slorec.Dependency{dep("a", slorec.Async, slorec.Hard)}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := slorec.Graph{Services: []slorec.Service{svc("front", tc.deps...), svc("a"), svc("b")}}
			cfg := config(g, map[string]float64{"front": 0.999, "a": 0.999, "b": 0.999})
			cfg.Services["a"] = sim.ServiceParams{LatencyP50Ms: 20, LatencyP99Ms: 20}
			cfg.Services["b"] = sim.ServiceParams{LatencyP50Ms: 30, LatencyP99Ms: 30}
			d, err := sim.Run(cfg)
			require.NoError(t, err)
			for _, b := range d.Metrics {
				if b.Service == "front" {
					require.InDelta(t, tc.want, b.LatencyP50Ms, 1e-9)
					require.InDelta(t, tc.want, b.LatencyP99Ms, 1e-9)
				}
			}
		})
	}
}

func TestLatencyFitsTheLognormal(t *testing.T) {
	g := slorec.Graph{Services: []slorec.Service{svc("front")}}
	cfg := config(g, map[string]float64{"front": 0.999})
	cfg.Services["front"] = sim.ServiceParams{EntryRequestsPerHour: 1000, LatencyP50Ms: 20, LatencyP99Ms: 200}
	cfg.LatencySamples = 2000
	d, err := sim.Run(cfg)
	require.NoError(t, err)
	var p50, p99 float64
	for _, b := range d.Metrics {
		p50 += b.LatencyP50Ms / float64(len(d.Metrics))
		p99 += b.LatencyP99Ms / float64(len(d.Metrics))
	}
	require.InEpsilon(t, 20, p50, 0.03)
	require.InEpsilon(t, 200, p99, 0.05)
}

func TestCyclesAreBrokenBySofteningBackEdges(t *testing.T) {
	g := slorec.Graph{Services: []slorec.Service{
		svc("front", dep("a", slorec.Sync, slorec.Hard)),
		svc("a", dep("b", slorec.Sync, slorec.Hard)),
		svc("b", dep("a", slorec.Sync, slorec.Hard)),
	}}
	cfg := config(g, map[string]float64{"front": 0.999, "a": 0.99, "b": 0.98})
	d, err := sim.Run(cfg)
	require.NoError(t, err)
	require.Equal(t, []dataset.Edge{{From: "b", To: "a"}}, d.Truth.SoftenedEdges)
	require.InDelta(t, 0.99*0.98, d.Truth.Services["a"].EndToEndAvailability, 1e-9)
	require.InDelta(t, 0.98, d.Truth.Services["b"].EndToEndAvailability, 1e-9, "the back edge b->a propagates nothing")
	require.InDelta(t, d.Truth.Services["front"].Requests, d.Truth.Services["b"].Requests, 0.02*float64(d.Truth.Services["front"].Requests), "and carries no load")
}

func TestIncidentsLowerTheTruthAndTheMetrics(t *testing.T) {
	g := slorec.Graph{Services: []slorec.Service{svc("front", dep("back", slorec.Sync, slorec.Hard)), svc("back")}}
	cfg := config(g, map[string]float64{"front": 1, "back": 0.99})
	cfg.Days = 10
	cfg.Incidents = []sim.Incident{{
		ID: "INC-1", Service: "back", ReportedOn: "front", Title: "back down",
		Start: t0.AddDate(0, 0, 3), Duration: 24 * time.Hour, FailureFraction: 1, LatencyFactor: 5,
	}}
	d, err := sim.Run(cfg)
	require.NoError(t, err)

	// Flat traffic: one day in ten fails completely.
	back := d.Truth.Services["back"]
	require.InDelta(t, 0.9*0.99, back.IntrinsicAvailability, 1e-3)
	require.InDelta(t, 0.99, back.BaselineIntrinsicAvailability, 1e-12)
	require.InDelta(t, 0.9*0.99, d.Truth.Services["front"].EndToEndAvailability, 1e-3)
	require.InDelta(t, 1, d.Truth.Services["front"].IntrinsicAvailability, 1e-12)
	require.InDelta(t, 0.99, d.Truth.Services["front"].BaselineEndToEndAvailability, 1e-12)

	for _, b := range d.Metrics {
		during := !b.Start.Before(t0.AddDate(0, 0, 3)) && b.Start.Before(t0.AddDate(0, 0, 4))
		if b.Service == "back" && during {
			require.Equal(t, b.Requests, b.Errors)
			require.InDelta(t, 50, b.LatencyP50Ms, 1e-9)
		}
	}
	require.Equal(t, []slorec.Incident{{
		ID: "INC-1", Service: "front", RootCause: "back", Title: "back down",
		Start: t0.AddDate(0, 0, 3), End: t0.AddDate(0, 0, 4),
	}}, d.Incidents)
}

func TestMissingNodesAreSimulated(t *testing.T) {
	g := slorec.Graph{Services: []slorec.Service{svc("front", dep("ghost", slorec.Sync, slorec.Hard))}}
	cfg := config(g, map[string]float64{"front": 1})
	d, err := sim.Run(cfg)
	require.NoError(t, err)
	require.InDelta(t, sim.DefaultParams("").IntrinsicAvailability, d.Truth.Services["front"].EndToEndAvailability, 1e-9)

	dir := t.TempDir()
	require.NoError(t, dataset.Write(dir, d))
	loaded, err := dataset.Load(dir, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"ghost"}, loaded.MissingNodes)
}

func TestSameSeedSameBytes(t *testing.T) {
	write := func(seed int64) map[string][]byte {
		cfg := sim.Ecommerce()
		cfg.Days = 3
		cfg.Seed = seed
		d, err := sim.Run(cfg)
		require.NoError(t, err)
		dir := t.TempDir()
		require.NoError(t, dataset.Write(dir, d))
		out := map[string][]byte{}
		for _, name := range []string{dataset.TopologyFile, dataset.MetricsFile, dataset.TruthFile} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			out[name] = b
		}
		return out
	}
	a, b, c := write(7), write(7), write(8)
	for name := range a {
		require.True(t, bytes.Equal(a[name], b[name]), "%s differs between runs with the same seed", name)
	}
	require.False(t, bytes.Equal(a[dataset.MetricsFile], c[dataset.MetricsFile]), "another seed gives other metrics")
}

func TestRunRejectsBadConfigs(t *testing.T) {
	g := slorec.Graph{Services: []slorec.Service{svc("front")}}
	tests := []struct {
		name   string
		change func(*sim.Config)
	}{
		{"A config without a start should be refused.", func(c *sim.Config) { c.Start = time.Time{} }},
		{"A config without entry traffic should be refused.", func(c *sim.Config) { c.Services = nil }},
		{"Parameters for an unknown service should be refused.", func(c *sim.Config) { c.Services["nope"] = sim.ServiceParams{} }},
		{"An availability above 1 should be refused.", func(c *sim.Config) {
			c.Services["front"] = sim.ServiceParams{IntrinsicAvailability: 1.5, EntryRequestsPerHour: 1}
		}},
		{"A p99 below the p50 should be refused.", func(c *sim.Config) {
			c.Services["front"] = sim.ServiceParams{EntryRequestsPerHour: 1, LatencyP50Ms: 10, LatencyP99Ms: 5}
		}},
		{"An incident on an unknown service should be refused.", func(c *sim.Config) {
			c.Incidents = []sim.Incident{{ID: "x", Title: "x", Service: "nope", Duration: time.Hour}}
		}},
		{"An incident without a duration should be refused.", func(c *sim.Config) {
			c.Incidents = []sim.Incident{{ID: "x", Title: "x", Service: "front"}}
		}},
		{"A bucket width that does not divide a day should be refused.", func(c *sim.Config) { c.BucketWidth = 7 * time.Hour }},
		{"An invalid graph should be refused.", func(c *sim.Config) { c.Graph.Services[0].Tier = "gold" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config(slorec.Graph{Services: append([]slorec.Service(nil), g.Services...)}, map[string]float64{"front": 0.999})
			tc.change(&cfg)
			_, err := sim.Run(cfg)
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		})
	}
}
