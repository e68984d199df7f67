package recommend_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/stats"
	"github.com/stretchr/testify/require"
)

func byService(t *testing.T, res *recommend.Result, id string) slorec.Recommendation {
	t.Helper()
	for _, r := range res.Recommendations {
		if r.Service == id {
			return r
		}
	}
	t.Fatalf("no recommendation for %s", id)
	return slorec.Recommendation{}
}

func objective(r slorec.Recommendation, sli slorec.SLIKind) *slorec.Objective {
	for i := range r.Objectives {
		if r.Objectives[i].SLI == sli {
			return &r.Objectives[i]
		}
	}
	return nil
}

func fact(t *testing.T, r slorec.Recommendation, contains string) slorec.Fact {
	t.Helper()
	for _, f := range r.Facts {
		if strings.Contains(f.Statement, contains) {
			return f
		}
	}
	t.Fatalf("%s: no fact containing %q", r.Service, contains)
	return slorec.Fact{}
}

// frontend -> backend (hard, sync). backend fails 1% of requests, frontend
// 1.5% in all, so frontend's intrinsic availability is 0.985/0.99.
func chain(frontendSLO float64) recommend.Input {
	in := recommend.Input{
		Services: []slorec.Service{svc("frontend", slorec.KindService, hard("backend")), svc("backend", slorec.KindService)},
		Metrics: map[string][]slorec.MetricBucket{
			"frontend": steady("frontend", 40, 1000, 15, 50, 120, 200),
			"backend":  steady("backend", 40, 1000, 10, 20, 80, 150),
		},
	}
	if frontendSLO > 0 {
		in.SLOs = []slorec.SLO{{Service: "frontend", SLI: slorec.Availability, Target: frontendSLO, WindowDays: 30}}
	}
	return in
}

func TestChainByHand(t *testing.T) {
	res, err := recommend.Recommend(context.Background(), chain(0.99), recommend.Options{Seed: 1})
	require.NoError(t, err)

	back := byService(t, res, "backend")
	ab := objective(back, slorec.Availability)
	// Every window is at 99%: all tiers 99%, bound 99%.
	require.Equal(t, 0.99, ab.Target)
	require.Equal(t, "balanced", ab.Tier)
	require.InDelta(t, 0.99, ab.Bound, 1e-9)

	front := byService(t, res, "frontend")
	af := objective(front, slorec.Availability)
	intrinsic := 0.985 / 0.99
	require.InDelta(t, intrinsic, fact(t, front, "intrinsic availability").Value, 1e-6)
	require.InDelta(t, 0.985, af.Bound, 1e-6, "ceiling = intrinsic × 0.99 = observed")
	// Its windows are at 98.5%, which snaps down to 98%.
	require.Equal(t, 0.98, af.Target)
	for _, c := range af.Candidates {
		require.Equal(t, 0.98, c.Target)
		require.True(t, c.Feasible)
	}

	// The current 99% is above the 98.5% ceiling; backend would need
	// 0.99 / intrinsic = 99.5025%.
	require.NotNil(t, af.Current)
	require.False(t, af.Current.Feasible)
	require.InDelta(t, 0.985-0.99, af.Current.Headroom, 1e-6)
	need := fact(t, front, "needs from backend")
	require.InDelta(t, 0.99/intrinsic, need.Value, 1e-6)
	require.Contains(t, strings.Join(af.Mitigations, "\n"), "raise backend from 99% to at least 99.503%")
	require.Contains(t, front.Flags, "current-slo-infeasible")
	require.Equal(t, []string{"frontend:availability"}, res.Fleet.Infeasible)
	require.Empty(t, res.Fleet.Inconsistent)

	// Latency: frontend's p95 cannot be below backend's p95 of 80 ms,
	// since every request waits for it.
	lf := objective(front, slorec.Latency)
	require.Equal(t, 80.0, lf.Bound)
	require.Equal(t, 95.0, lf.Percentile)
	require.Equal(t, 140.0, lf.ThresholdMs, "120 ms × 1.1 = 132 ms, rounded up to two digits")
}

func TestPromiseHoldsDependentsToDependencyTargets(t *testing.T) {
	// backend observes 99.6%, which snaps down to 99.5%; frontend fails
	// nothing itself, so its ceiling is 99.6% but its promise is 99.5%.
	in := recommend.Input{
		Services: []slorec.Service{svc("frontend", slorec.KindService, hard("backend")), svc("backend", slorec.KindService)},
		Metrics: map[string][]slorec.MetricBucket{
			"frontend": steady("frontend", 40, 1000, 4, 50, 120, 200),
			"backend":  steady("backend", 40, 1000, 4, 20, 80, 150),
		},
	}
	res, err := recommend.Recommend(context.Background(), in, recommend.Options{})
	require.NoError(t, err)
	af := objective(byService(t, res, "frontend"), slorec.Availability)
	require.InDelta(t, 0.995, af.Bound, 1e-9)
	require.Equal(t, 0.995, af.Target)
	require.Equal(t, 0.995, objective(byService(t, res, "backend"), slorec.Availability).Target)
}

func TestEveryRecommendationOfTheExampleMatchesTheSchema(t *testing.T) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	in := recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}
	res, err := recommend.Recommend(context.Background(), in, recommend.Options{Paths: recommend.PathsAll})
	require.NoError(t, err)
	require.Len(t, res.Recommendations, 12)
	s := validator(t)
	for _, rec := range res.Recommendations {
		requireSchemaValid(t, s, rec)
		require.Len(t, rec.InputHash, 64)
		require.Equal(t, recommend.EngineVersion, rec.EngineVersion)
		// Every cited fact exists.
		ids := map[string]bool{}
		for _, f := range rec.Facts {
			ids[f.ID] = true
		}
		for _, o := range rec.Objectives {
			require.LessOrEqual(t, o.Target, 1.0)
			for _, id := range o.FactIDs {
				require.True(t, ids[id], "%s cites missing %s", rec.Service, id)
			}
			if o.SLI == slorec.Availability {
				require.LessOrEqual(t, o.Target, o.Bound+1e-12, "%s: target above its bound", rec.Service)
			}
		}
	}
	require.Empty(t, res.Fleet.Inconsistent)

	// The brief's questions: checkout's 99.5% stands on payment-service,
	// which stands on the unreliable external-payment-api.
	co := byService(t, res, "checkout-service")
	require.Contains(t, fact(t, co, "tightest dependency").Statement, "payment-service")
	gw := objective(byService(t, res, "api-gateway"), slorec.Availability)
	require.False(t, gw.Current.Feasible, "the example's gateway misses 99.9%% by design")
	require.Contains(t, res.Fleet.Infeasible, "api-gateway:availability")
}

func TestRecommendIsDeterministic(t *testing.T) {
	services, metrics := randomFleet(60, 20, 3)
	in := recommend.Input{Services: services, Metrics: metrics}
	a, err := recommend.Recommend(context.Background(), in, recommend.Options{Seed: 9, Workers: 3})
	require.NoError(t, err)
	b, err := recommend.Recommend(context.Background(), in, recommend.Options{Seed: 9, Workers: 1})
	require.NoError(t, err)
	require.Equal(t, a.Recommendations, b.Recommendations)
}

func TestPropertyFleetIsConsistent(t *testing.T) {
	s := validator(t)
	for seed := range uint64(8) {
		services, metrics := randomFleet(80, 10, seed)
		res, err := recommend.Recommend(context.Background(), recommend.Input{Services: services, Metrics: metrics}, recommend.Options{Seed: seed})
		require.NoError(t, err)
		require.Empty(t, res.Fleet.Inconsistent, "seed %d", seed)
		for _, rec := range res.Recommendations {
			a := res.Analyses[rec.Service]
			o := objective(rec, slorec.Availability)
			require.LessOrEqual(t, o.Target, a.Composition.Ceiling+1e-12, "target above ceiling")
			require.LessOrEqual(t, a.Bound, a.Composition.Ceiling+1e-12)
			requireSchemaValid(t, s, rec)
		}
	}
}

func TestInputHashCoversExactlyWhatARecommendationReads(t *testing.T) {
	in := chain(0)
	in.Services = append(in.Services, svc("bystander", slorec.KindService))
	in.Metrics["bystander"] = steady("bystander", 40, 100, 0, 1, 2, 3)
	base, err := recommend.Recommend(context.Background(), in, recommend.Options{})
	require.NoError(t, err)

	// A change in backend's metrics changes backend and frontend, which
	// depends on it, but not the bystander.
	in.Metrics["backend"] = steady("backend", 40, 1000, 11, 20, 80, 150)
	changed, err := recommend.Recommend(context.Background(), in, recommend.Options{})
	require.NoError(t, err)
	for _, id := range []string{"frontend", "backend"} {
		require.NotEqual(t, byService(t, base, id).InputHash, byService(t, changed, id).InputHash, id)
	}
	require.Equal(t, byService(t, base, "bystander").InputHash, byService(t, changed, "bystander").InputHash)

	// So do options.
	seeded, err := recommend.Recommend(context.Background(), in, recommend.Options{Seed: 42})
	require.NoError(t, err)
	require.NotEqual(t, byService(t, changed, "bystander").InputHash, byService(t, seeded, "bystander").InputHash)
}

func TestPartialDataIsFlaggedAndLowersConfidence(t *testing.T) {
	good := func() recommend.Input {
		return recommend.Input{
			Services: []slorec.Service{svc("a", slorec.KindService, hard("b")), svc("b", slorec.KindService), svc("c", slorec.KindService)},
			Metrics: map[string][]slorec.MetricBucket{
				"a": steady("a", 40, 1000, 1, 10, 20, 30),
				"b": steady("b", 40, 1000, 1, 10, 20, 30),
				"c": steady("c", 40, 1000, 1, 10, 20, 30),
			},
		}
	}
	base, err := recommend.Recommend(context.Background(), good(), recommend.Options{})
	require.NoError(t, err)
	baseConf := byService(t, base, "a").Confidence
	require.False(t, byService(t, base, "a").NeedsReview)

	tests := []struct {
		name    string
		mutate  func(*recommend.Input)
		id      string
		flag    string
		reason  string
		review  bool
		maxConf float64
	}{
		{"A cycle is flagged.", func(in *recommend.Input) { in.Services[1].Deps = []slorec.Dependency{hard("a")} },
			"a", "cycle", "dependency cycle (a, b)", false, baseConf * 0.81},
		{"A missing node is flagged.", func(in *recommend.Input) { in.Services[0].Deps = append(in.Services[0].Deps, hard("ghost")) },
			"a", "missing-dependency", "declared in no catalog", false, baseConf * 0.71},
		{"A service without metrics needs review.", func(in *recommend.Input) { delete(in.Metrics, "c") },
			"c", "no-metrics", "no metrics", true, 0},
		{"Three days of history need review.", func(in *recommend.Input) { in.Metrics["c"] = steady("c", 3, 1000, 1, 10, 20, 30) },
			"c", "low-confidence", "only 3.0 days of history", true, 0.2},
		{"Zero traffic is said.", func(in *recommend.Input) { in.Metrics["c"] = steady("c", 40, 0, 0, 0, 0, 0) },
			"c", "no-metrics", "no metrics", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.mutate(&in)
			res, err := recommend.Recommend(context.Background(), in, recommend.Options{})
			require.NoError(t, err)
			rec := byService(t, res, tt.id)
			require.Contains(t, rec.Flags, tt.flag)
			require.Contains(t, strings.Join(rec.ConfidenceReasons, "\n"), tt.reason)
			require.LessOrEqual(t, rec.Confidence, tt.maxConf+1e-9)
			require.Less(t, rec.Confidence, baseConf)
			require.Equal(t, tt.review, rec.NeedsReview)
			if tt.review {
				o := objective(rec, slorec.Availability)
				require.Contains(t, []string{"conservative", "ceiling"}, o.Tier, "low confidence takes the conservative tier")
			}
			requireSchemaValid(t, validator(t), rec)
		})
	}
}

func TestLowConfidencePicksConservative(t *testing.T) {
	// Ten days where day 3 is bad, in 2-day... with short history the
	// tiers differ; low confidence must pick the conservative one.
	in := recommend.Input{Services: []slorec.Service{svc("x", slorec.KindService)}, Metrics: map[string][]slorec.MetricBucket{}}
	b := steady("x", 5, 1000, 0, 10, 20, 30)
	for i := 24; i < 48; i++ {
		b[i].Errors = 30
	}
	in.Metrics["x"] = b
	res, err := recommend.Recommend(context.Background(), in, recommend.Options{Tier: stats.Aspirational})
	require.NoError(t, err)
	rec := byService(t, res, "x")
	require.True(t, rec.NeedsReview)
	o := objective(rec, slorec.Availability)
	require.Equal(t, "conservative", o.Tier)
	cons := o.Candidates[slices.IndexFunc(o.Candidates, func(c slorec.Candidate) bool { return c.Tier == "conservative" })]
	require.Equal(t, cons.Target, o.Target)
}

func TestBadInput(t *testing.T) {
	_, err := recommend.Recommend(context.Background(), chain(0), recommend.Options{Tier: "heroic"})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	_, err = recommend.RecommendService(context.Background(), chain(0), "nope", recommend.Options{})
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	in := chain(0)
	in.SLOs = []slorec.SLO{{Service: "frontend", SLI: slorec.Availability, Target: 99.9}}
	_, err = recommend.Recommend(context.Background(), in, recommend.Options{})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	require.Contains(t, err.Error(), "looks like a percentage")
	in = chain(0)
	in.Metrics["backend"] = append(in.Metrics["backend"], in.Metrics["backend"][0])
	_, err = recommend.Recommend(context.Background(), in, recommend.Options{})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	require.Contains(t, err.Error(), "metrics of backend")
}

func TestRecommendServiceAnalysesItsPath(t *testing.T) {
	res, err := recommend.RecommendService(context.Background(), chain(0), "backend", recommend.Options{})
	require.NoError(t, err)
	require.Len(t, res.Recommendations, 1)
	require.Equal(t, "backend", res.Recommendations[0].Service)
	require.NotNil(t, res.Analyses["backend"].Path)
	fact(t, res.Recommendations[0], "Monte Carlo p95 estimate")
}

func TestNoFeasibleAvailabilityTargetIsNotInvented(t *testing.T) {
	// backend fails every request (like a misconfigured dependency in
	// the PetShop data): frontend's ceiling is 0, so no positive
	// availability target is feasible for either.
	in := chain(0.99)
	in.Metrics["backend"] = steady("backend", 40, 1000, 1000, 20, 80, 150)
	res, err := recommend.Recommend(context.Background(), in, recommend.Options{})
	require.NoError(t, err)
	s := validator(t)
	for _, id := range []string{"frontend", "backend"} {
		rec := byService(t, res, id)
		requireSchemaValid(t, s, rec)
		require.Nil(t, objective(rec, slorec.Availability), "%s: no availability objective", id)
		require.NotNil(t, objective(rec, slorec.Latency), "%s: latency is still recommended", id)
		require.Contains(t, rec.Flags, "no-feasible-availability")
		require.True(t, rec.NeedsReview)
		require.Contains(t, fact(t, rec, "no availability SLO is feasible").Statement, id)
	}
	require.Contains(t, byService(t, res, "frontend").Flags, "current-slo-infeasible")
	require.Empty(t, res.Fleet.Inconsistent)
}
