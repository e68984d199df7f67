package depgraph_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// ms is a percentile triple in milliseconds.
func ms(p50, p95, p99 float64) depgraph.Percentiles {
	return depgraph.Percentiles{P50Ms: p50, P95Ms: p95, P99Ms: p99}
}

// flat is a constant latency: every percentile equal.
func flat(x float64) depgraph.Percentiles { return ms(x, x, x) }

func requirePercentiles(t *testing.T, want, got depgraph.Percentiles, delta float64) {
	t.Helper()
	require.InDelta(t, want.P50Ms, got.P50Ms, delta, "p50")
	require.InDelta(t, want.P95Ms, got.P95Ms, delta, "p95")
	require.InDelta(t, want.P99Ms, got.P99Ms, delta, "p99")
}

func TestSelfLatency(t *testing.T) {
	g := depgraph.New([]slorec.Service{
		svc("app",
			hard("db"),
			ratio(0.5, soft("cache")),
			parallel("fan", hard("a")),
			parallel("fan", hard("b")),
			async("mail"),
			hard("unmeasured"),
		),
		svc("db"), svc("cache"), svc("a"), svc("b"), svc("mail"), svc("unmeasured"),
	})
	observed := map[string]depgraph.Percentiles{
		"app":   ms(100, 200, 400),
		"db":    ms(20, 50, 100),
		"cache": ms(10, 20, 40),
		"a":     ms(30, 60, 120),
		"b":     ms(40, 50, 300),
		"mail":  ms(1000, 2000, 4000),
	}
	tests := map[string]struct {
		id   string
		want depgraph.Percentiles
		ok   bool
	}{
		// deps p50: db 20 + cache 0.5×10 + max(a 30, b 40) = 65 -> 100−65 = 35.
		// deps p95: 50 + 10 + max(60, 50) = 120 -> 200−120 = 80.
		// deps p99: 100 + 20 + max(120, 300) = 420 -> 400−420 < 0, floor
		// 10% of 400 = 40, raised to p95's 80 to stay ordered. mail is
		// async, unmeasured has no data: neither counts.
		"Sequential calls subtract, parallel calls subtract their max, floored at 10%.": {
			id: "app", want: ms(35, 80, 80), ok: true,
		},
		"A service without dependencies keeps its observed latency.": {id: "db", want: ms(20, 50, 100), ok: true},
		"A service without observed latency has no estimate.":        {id: "unmeasured"},
		"An unknown service has no estimate.":                        {id: "nope"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := g.SelfLatency(tt.id, observed)
			require.Equal(t, tt.ok, ok)
			requirePercentiles(t, tt.want, got, 1e-9)
		})
	}

	all := g.SelfLatencies(observed)
	require.Len(t, all, len(observed))
	requirePercentiles(t, ms(35, 80, 80), all["app"], 1e-9)
}

// pathFleet: gw calls a then b (or both at once when par is set); a calls c.
func pathFleet(par bool) *depgraph.Graph {
	a, b := hard("a"), soft("b")
	if par {
		a, b = parallel("fan", a), parallel("fan", b)
	}
	return depgraph.New([]slorec.Service{
		svc("gw", a, b, async("audit")),
		svc("a", hard("c")),
		svc("b"),
		svc("c"),
		svc("audit"),
	})
}

func TestCriticalPath(t *testing.T) {
	self := map[string]depgraph.Percentiles{
		"gw": flat(10), "a": flat(50), "b": flat(30), "c": flat(20), "audit": flat(1000),
	}
	tests := map[string]struct {
		g     *depgraph.Graph
		bound float64
		path  []string
		steps []depgraph.Step
	}{
		// c 20; a 50+20 = 70; b 30; gw 10 + 70 + 30 = 110. audit is async.
		"Sequential calls add.": {
			g: pathFleet(false), bound: 110, path: []string{"gw", "a", "c"},
			steps: []depgraph.Step{{ID: "gw", SelfP99Ms: 10, BoundMs: 110}, {ID: "a", SelfP99Ms: 50, BoundMs: 70}, {ID: "c", SelfP99Ms: 20, BoundMs: 20}},
		},
		// gw 10 + max(70, 30) = 80.
		"Parallel calls take the max.": {
			g: pathFleet(true), bound: 80, path: []string{"gw", "a", "c"},
			steps: []depgraph.Step{{ID: "gw", SelfP99Ms: 10, BoundMs: 80}, {ID: "a", SelfP99Ms: 50, BoundMs: 70}, {ID: "c", SelfP99Ms: 20, BoundMs: 20}},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tt.g.CriticalPath("gw", self, depgraph.MCOptions{Seed: 1})
			require.NoError(t, err)
			require.InDelta(t, tt.bound, got.BoundMs, 1e-9)
			require.Equal(t, tt.path, got.Path)
			require.Equal(t, tt.steps, got.Steps)
			require.Equal(t, 4, got.Reached)
			require.Equal(t, depgraph.DefaultSamples, got.Samples)
			require.Empty(t, got.Flags)
			// Constant latencies make the simulation exact.
			requirePercentiles(t, flat(tt.bound), got.Estimate, 1e-9)
		})
	}
}

func TestCriticalPathMonteCarlo(t *testing.T) {
	t.Run("A call made by 30% of requests shows in p95 and p99 but not p50.", func(t *testing.T) {
		g := depgraph.New([]slorec.Service{svc("gw", ratio(0.3, hard("x"))), svc("x")})
		got, err := g.CriticalPath("gw", map[string]depgraph.Percentiles{"gw": flat(10), "x": flat(100)}, depgraph.MCOptions{Seed: 9})
		require.NoError(t, err)
		require.InDelta(t, 110, got.BoundMs, 1e-9, "the bound counts every call")
		requirePercentiles(t, ms(10, 110, 110), got.Estimate, 1e-9)
	})

	// Five services, each lognormal with p50 10 ms and p99 50 ms.
	chain := []slorec.Service{
		svc("s1", hard("s2")), svc("s2", hard("s3")), svc("s3", hard("s4")), svc("s4", hard("s5")), svc("s5"),
	}
	self := map[string]depgraph.Percentiles{}
	for _, s := range chain {
		self[s.ID] = ms(10, 30, 50)
	}
	g := depgraph.New(chain)

	t.Run("On a chain the simulated p99 stays under the sum of p99s.", func(t *testing.T) {
		for seed := range uint64(10) {
			got, err := g.CriticalPath("s1", self, depgraph.MCOptions{Seed: seed})
			require.NoError(t, err)
			require.InDelta(t, 250, got.BoundMs, 1e-9)
			e := got.Estimate
			require.Less(t, e.P99Ms, got.BoundMs, "seed %d", seed)
			require.LessOrEqual(t, e.P50Ms, e.P95Ms)
			require.LessOrEqual(t, e.P95Ms, e.P99Ms)
			// The median of a sum of right-skewed latencies is above the
			// sum of medians (50).
			require.Greater(t, e.P50Ms, 50.0)
		}
	})
	t.Run("The same seed gives the same estimate; another seed another.", func(t *testing.T) {
		a, err := g.CriticalPath("s1", self, depgraph.MCOptions{Seed: 42})
		require.NoError(t, err)
		b, err := g.CriticalPath("s1", self, depgraph.MCOptions{Seed: 42})
		require.NoError(t, err)
		c, err := g.CriticalPath("s1", self, depgraph.MCOptions{Seed: 43})
		require.NoError(t, err)
		require.Equal(t, a, b)
		require.NotEqual(t, a.Estimate, c.Estimate)
	})
	t.Run("A negative sample count skips the simulation.", func(t *testing.T) {
		got, err := g.CriticalPath("s1", self, depgraph.MCOptions{Samples: -1})
		require.NoError(t, err)
		require.Zero(t, got.Samples)
		require.Zero(t, got.Estimate)
		require.InDelta(t, 250, got.BoundMs, 1e-9)
	})
	t.Run("More samples converge on the analytic median of one lognormal.", func(t *testing.T) {
		one := depgraph.New([]slorec.Service{svc("x")})
		got, err := one.CriticalPath("x", map[string]depgraph.Percentiles{"x": ms(10, 30, 50)}, depgraph.MCOptions{Samples: 200_000, Seed: 5})
		require.NoError(t, err)
		require.InDelta(t, 10, got.Estimate.P50Ms, 0.1)
		require.InDelta(t, 50, got.Estimate.P99Ms, 1)
	})
}

func TestCriticalPathPartialData(t *testing.T) {
	t.Run("A cycle is cut where it closes and flagged.", func(t *testing.T) {
		g := depgraph.New([]slorec.Service{svc("a", hard("b")), svc("b", hard("c"), soft("a")), svc("c", hard("c"))})
		got, err := g.CriticalPath("a", map[string]depgraph.Percentiles{"a": flat(1), "b": flat(2), "c": flat(4)}, depgraph.MCOptions{})
		require.NoError(t, err)
		require.Equal(t, []depgraph.Edge{{From: "c", To: "c"}, {From: "b", To: "a"}}, got.CutEdges)
		require.Equal(t, []depgraph.Flag{depgraph.FlagCycle}, got.Flags)
		require.InDelta(t, 7, got.BoundMs, 1e-9)
		require.Equal(t, []string{"a", "b", "c"}, got.Path)
	})
	t.Run("Missing services and latencies count as zero and are flagged.", func(t *testing.T) {
		g := depgraph.New([]slorec.Service{svc("a", hard("ghost"), hard("b")), svc("b")})
		got, err := g.CriticalPath("a", map[string]depgraph.Percentiles{"a": flat(5)}, depgraph.MCOptions{})
		require.NoError(t, err)
		require.Equal(t, []string{"b", "ghost"}, got.NoLatency)
		require.Equal(t, []depgraph.Flag{depgraph.FlagMissingDependency, depgraph.FlagMissingLatency}, got.Flags)
		require.InDelta(t, 5, got.BoundMs, 1e-9)
		require.Equal(t, []string{"a", "ghost"}, got.Path, "ties go to the first declared call")
	})
	t.Run("Unusable percentiles become a constant at the largest.", func(t *testing.T) {
		g := depgraph.New([]slorec.Service{svc("a")})
		got, err := g.CriticalPath("a", map[string]depgraph.Percentiles{"a": ms(-1, 0, 30)}, depgraph.MCOptions{})
		require.NoError(t, err)
		requirePercentiles(t, flat(30), got.Estimate, 1e-9)
	})
	t.Run("An unknown entry is not found.", func(t *testing.T) {
		_, err := depgraph.New(nil).CriticalPath("nope", nil, depgraph.MCOptions{})
		require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	})
	t.Run("Deep and dense graphs finish.", func(t *testing.T) {
		for seed := range uint64(5) {
			rng := newRand(seed)
			services := randomFleet(rng, 2000, 5, 0.05, 0.02)
			g := depgraph.New(services)
			self := map[string]depgraph.Percentiles{}
			for _, s := range services {
				self[s.ID] = ms(1+rng.Float64(), 3, 5)
			}
			got, err := g.CriticalPath(services[len(services)-1].ID, self, depgraph.MCOptions{Samples: 200, Seed: seed})
			require.NoError(t, err, fmt.Sprint("seed ", seed))
			require.NotEmpty(t, got.Path)
			require.Less(t, got.Estimate.P99Ms, got.BoundMs*1.0001)
		}
	})
}
