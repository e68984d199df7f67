package gen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/gen"
	"github.com/slorec/slorec/evals/sim"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := gen.Config(gen.Random(10, 1), gen.Options{Seed: 3})
	require.NoError(t, err)
	require.Equal(t, gen.DefaultDays, cfg.Days)
	require.Equal(t, time.Hour, cfg.BucketWidth)
	require.Equal(t, gen.DefaultEnd().AddDate(0, 0, -gen.DefaultDays), cfg.Start)
	require.Equal(t, int64(3), cfg.Seed)

	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg, err = gen.Config(gen.Random(10, 1), gen.Options{Days: 3, Start: start, BucketWidth: 15 * time.Minute})
	require.NoError(t, err)
	require.Equal(t, start, cfg.Start)
	require.Equal(t, 15*time.Minute, cfg.BucketWidth)
}

func TestConfigRejectsBadInput(t *testing.T) {
	tests := map[string]struct {
		g   slorec.Graph
		opt gen.Options
	}{
		"An empty graph should be refused.":     {slorec.Graph{}, gen.Options{}},
		"An invalid graph should be refused.":   {slorec.Graph{Services: []slorec.Service{{ID: "a", Kind: "lambda", Tier: slorec.TierLow}}}, gen.Options{}},
		"Negative days should be refused.":      {gen.Random(5, 1), gen.Options{Days: -1}},
		"Ten years and more should be refused.": {gen.Random(5, 1), gen.Options{Days: 4000}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := gen.Config(tc.g, tc.opt)
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		})
	}
}

// TestConfigParameters checks the drawn parameters against the documented
// ranges.
func TestConfigParameters(t *testing.T) {
	g := gen.Random(200, 11)
	cfg, err := gen.Config(g, gen.Options{Days: 2, Seed: 11})
	require.NoError(t, err)
	called := map[string]bool{}
	for _, s := range g.Services {
		for _, d := range s.Deps {
			called[d.Target] = true
		}
	}
	for _, s := range g.Services {
		p, ok := cfg.Services[s.ID]
		require.True(t, ok, s.ID)
		a := p.IntrinsicAvailability
		if s.Kind == slorec.KindExternal {
			require.True(t, a >= 0.99 && a <= 0.998, "%s: external availability %v", s.ID, a)
		} else {
			require.True(t, a >= 0.995 && a <= 0.99995, "%s: availability %v", s.ID, a)
		}
		require.Positive(t, p.LatencyP50Ms, s.ID)
		require.GreaterOrEqual(t, p.LatencyP99Ms, p.LatencyP50Ms, s.ID)
		if s.Kind == slorec.KindExternal {
			require.GreaterOrEqual(t, p.LatencyP50Ms, 60.0, "externals are far away: %s", s.ID)
		}
		if called[s.ID] {
			require.Zero(t, p.EntryRequestsPerHour, "%s has callers", s.ID)
		} else {
			require.True(t, p.EntryRequestsPerHour >= 20000 && p.EntryRequestsPerHour <= 250000, "%s: entry %v", s.ID, p.EntryRequestsPerHour)
		}
	}
	tr := cfg.Traffic
	require.True(t, tr.DiurnalAmplitude >= 0.3 && tr.DiurnalAmplitude <= 0.6)
	require.True(t, tr.WeekendFactor >= 0.6 && tr.WeekendFactor <= 0.9)
}

func TestConfigIncidents(t *testing.T) {
	g := gen.Random(60, 5)
	cfg, err := gen.Config(g, gen.Options{Days: 45, Seed: 5})
	require.NoError(t, err)
	require.Len(t, cfg.Incidents, 18, "3 + 60/4 over 45 days")

	shapes := map[string]int{}
	ids := map[string]bool{}
	end := cfg.Start.AddDate(0, 0, cfg.Days)
	for i, in := range cfg.Incidents {
		shapes[gen.Shape(in)]++
		require.False(t, in.Start.Before(cfg.Start.Add(12*time.Hour)), in.Start)
		require.False(t, in.End().After(end.Add(-12*time.Hour)), in.End())
		require.Zero(t, in.Start.Second(), "on a minute")
		if i > 0 {
			require.False(t, in.Start.Before(cfg.Incidents[i-1].Start), "sorted by start")
		}
		if in.Unrecorded {
			require.Empty(t, in.ID)
			continue
		}
		require.NotEmpty(t, in.ID)
		require.NotEmpty(t, in.Title)
		require.False(t, ids[in.ID], "duplicate id %s", in.ID)
		ids[in.ID] = true
		switch gen.Shape(in) {
		case "full outage":
			require.True(t, in.Duration >= 10*time.Minute && in.Duration <= 50*time.Minute, in.Duration)
			require.GreaterOrEqual(t, in.FailureFraction, 0.97)
		case "partial outage":
			require.True(t, in.Duration >= time.Hour && in.Duration <= 6*time.Hour, in.Duration)
			require.True(t, in.FailureFraction >= 0.02 && in.FailureFraction <= 0.15, in.FailureFraction)
		case "error burst":
			require.LessOrEqual(t, in.Duration, 20*time.Minute)
		case "latency regression":
			require.Zero(t, in.FailureFraction)
			require.GreaterOrEqual(t, in.LatencyFactor, 1.5)
		}
	}
	for _, s := range []string{"full outage", "partial outage", "error burst", "latency regression"} {
		require.Positive(t, shapes[s], s)
	}
	require.GreaterOrEqual(t, shapes["full outage"], 2, "one behind a hard edge, one behind a soft or async edge")

	none, err := gen.Config(g, gen.Options{Days: 45, Seed: 5, Incidents: -1})
	require.NoError(t, err)
	require.Empty(t, none.Incidents)
	some, err := gen.Config(g, gen.Options{Days: 45, Seed: 5, Incidents: 7})
	require.NoError(t, err)
	require.Len(t, some.Incidents, 7)
}

// TestConfigSLOs checks that the entry services get an availability and a
// latency SLO each, and that some are feasible and some not, judged against
// the generated dataset's truth and metrics.
func TestConfigSLOs(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		g := gen.Random(30, seed)
		cfg, err := gen.Config(g, gen.Options{Days: 3, Seed: seed})
		require.NoError(t, err)
		d, err := sim.Run(cfg)
		require.NoError(t, err)
		var entries []string
		for id, p := range cfg.Services {
			if p.EntryRequestsPerHour > 0 {
				entries = append(entries, id)
			}
		}
		require.Len(t, cfg.SLOs, 2*len(entries))
		series := d.MetricsByService()
		var feasible, infeasible int
		for _, slo := range cfg.SLOs {
			require.NoError(t, slo.Validate())
			require.Contains(t, entries, slo.Service)
			require.Equal(t, 30, slo.WindowDays)
			switch slo.SLI {
			case slorec.Availability:
				if slo.Target <= d.Truth.Services[slo.Service].BaselineEndToEndAvailability {
					feasible++
				} else {
					infeasible++
				}
			case slorec.Latency:
				require.Contains(t, []float64{95, 99}, slo.Percentile)
				require.InDelta(t, slo.Percentile/100, slo.Target, 1e-12)
				var ps []float64
				for _, b := range series[slo.Service] {
					ps = append(ps, map[float64]float64{95: b.LatencyP95Ms, 99: b.LatencyP99Ms}[slo.Percentile])
				}
				slices.Sort(ps)
				if slo.ThresholdMs >= ps[len(ps)/2] {
					feasible++
				} else {
					infeasible++
				}
			}
		}
		require.Positive(t, feasible, "seed %d", seed)
		require.Positive(t, infeasible, "seed %d", seed)
	}
}

// TestQueueConsumerConsumesWhatIsPublished uses Sock Shop, where
// queue-master only consumes what shipping publishes.
func TestQueueConsumerConsumesWhatIsPublished(t *testing.T) {
	for _, b := range builtins(t) {
		if b.spec.Name != "sock-shop" {
			continue
		}
		front := b.cfg.Services["front-end"].EntryRequestsPerHour
		// front-end -> orders (3%) -> shipping (every order) -> rabbitmq.
		require.InEpsilon(t, front*0.03, b.cfg.Services["queue-master"].EntryRequestsPerHour, 0.01)
		require.InEpsilon(t, b.d.Truth.Services["shipping"].Requests, b.d.Truth.Services["queue-master"].Requests, 0.05)
		return
	}
	t.Fatal("no sock-shop dataset")
}

func TestGenerateIsDeterministic(t *testing.T) {
	write := func(seed int64) map[string][]byte {
		d, err := gen.Generate(gen.Random(15, 2), gen.Options{Days: 2, Seed: seed})
		require.NoError(t, err)
		dir := t.TempDir()
		require.NoError(t, dataset.Write(dir, d))
		out := map[string][]byte{}
		for _, name := range generatedFiles {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if os.IsNotExist(err) {
				continue
			}
			require.NoError(t, err)
			out[name] = data
		}
		return out
	}
	a, b, c := write(1), write(1), write(2)
	require.Equal(t, len(a), len(b))
	for name := range a {
		require.True(t, bytes.Equal(a[name], b[name]), "%s differs between runs with the same seed", name)
	}
	require.False(t, bytes.Equal(a[dataset.MetricsFile], c[dataset.MetricsFile]))
	require.True(t, bytes.Equal(a[dataset.TopologyFile], c[dataset.TopologyFile]), "the graph is the caller's")
}

// TestMissingNodesAreSimulated: a dependency on an undeclared id is a
// missing node; Config draws parameters for it like a standard service, and
// the dataset loads with the node reported missing.
func TestMissingNodesAreSimulated(t *testing.T) {
	g, err := gen.Convert([]byte(`{"services":[{"id":"web","kind":"service","deps":["ghost","db"]},{"id":"db","kind":"datastore","deps":[]}]}`), gen.Assumptions{})
	require.NoError(t, err)
	cfg, err := gen.Config(g, gen.Options{Days: 2, Seed: 1})
	require.NoError(t, err)
	require.Contains(t, cfg.Services, "ghost")
	require.Zero(t, cfg.Services["ghost"].EntryRequestsPerHour)
	for _, in := range cfg.Incidents {
		require.NotEqual(t, "ghost", in.Service, "incidents hit declared nodes only")
	}
	d, err := sim.Run(cfg)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, dataset.Write(dir, d))
	loaded, err := dataset.Load(dir, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"ghost"}, loaded.MissingNodes)
}
