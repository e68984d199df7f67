package backtest_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/backtest"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/reasoning/depgraph"
	"github.com/slorec/slorec/reasoning/recommend"
)

var t0 = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// twoServices is 30 days of hourly buckets for "api" (calls "db", hard
// sync) and "db". Every hour has 1,000 requests. api fails 1 an hour in
// the first 20 days and 2 an hour after; db fails none. Latency is p50 10,
// p95 20, p99 40 ms throughout.
func twoServices() *dataset.Dataset {
	d := &dataset.Dataset{Dir: "two-services", Graph: slorec.Graph{Services: []slorec.Service{
		{ID: "api", Kind: slorec.KindService, Deps: []slorec.Dependency{{Target: "db", Type: slorec.Sync, Criticality: slorec.Hard}}},
		{ID: "db", Kind: slorec.KindDatastore},
	}}}
	for h := range 30 * 24 {
		errs := int64(1)
		if h >= 20*24 {
			errs = 2
		}
		at := t0.Add(time.Duration(h) * time.Hour)
		d.Metrics = append(d.Metrics,
			slorec.MetricBucket{Service: "api", Start: at, Requests: 1000, Errors: errs, LatencyP50Ms: 10, LatencyP95Ms: 20, LatencyP99Ms: 40},
			slorec.MetricBucket{Service: "db", Start: at, Requests: 1000, LatencyP50Ms: 10, LatencyP95Ms: 20, LatencyP99Ms: 40})
	}
	d.SLOs = []slorec.SLO{{Service: "api", SLI: slorec.Availability, Target: 0.999, WindowDays: 30}}
	return d
}

// fixedEngine recommends the given availability targets and latency
// thresholds (p95) whatever the input, with ceilings of 1.
func fixedEngine(avail map[string]float64, latMs map[string]float64) backtest.Engine {
	return backtest.Engine{Name: "fixed", Recommend: func(_ context.Context, in recommend.Input, _ recommend.Options) (*recommend.Result, error) {
		res := &recommend.Result{Analyses: map[string]*recommend.Analysis{}}
		for _, s := range in.Services {
			r := slorec.Recommendation{Service: s.ID}
			r.Objectives = append(r.Objectives, slorec.Objective{SLI: slorec.Availability, Target: avail[s.ID]})
			if t, ok := latMs[s.ID]; ok {
				r.Objectives = append(r.Objectives, slorec.Objective{SLI: slorec.Latency, Target: 0.95, Percentile: 95, ThresholdMs: t})
			}
			res.Recommendations = append(res.Recommendations, r)
			res.Analyses[s.ID] = &recommend.Analysis{Composition: depgraph.Composition{Ceiling: 1, Intrinsic: 1}}
		}
		return res, nil
	}}
}

func pair(t *testing.T, r *backtest.Result, svc, method string, sli slorec.SLIKind) backtest.Pair {
	t.Helper()
	for _, p := range r.Pairs {
		if p.Service == svc && p.Method == method && p.SLI == sli {
			return p
		}
	}
	t.Fatalf("no %s %s pair for %s", method, sli, svc)
	return backtest.Pair{}
}

func TestScoringByHand(t *testing.T) {
	d := twoServices()
	r, err := backtest.Run(context.Background(), d, backtest.Config{
		TrainDays: 20, TestDays: 10,
		Engine: fixedEngine(map[string]float64{"api": 0.999, "db": 0.9999}, map[string]float64{"api": 25}),
	})
	require.NoError(t, err)
	require.Equal(t, 20.0, r.Train.Days)
	require.Equal(t, 10.0, r.Test.Days)
	require.Equal(t, 10, r.WindowDays)
	require.Equal(t, "1h", r.BucketWidth)
	require.Equal(t, 2, r.Scored)

	// api in the test window: 2 errors per 1,000 requests, 0.998.
	p := pair(t, r, "api", backtest.Slorec, slorec.Availability)
	require.InDelta(t, 0.998, p.Achieved, 1e-9)
	require.False(t, p.Attained, "0.998 misses 0.999")
	require.InDelta(t, -0.001, p.Slack, 1e-9)
	require.InDelta(t, 2.0, p.BudgetBurned, 1e-9, "0.002 spent of a 0.001 budget")

	// db never fails: it attains 0.9999 with 0.0001 to spare, burning
	// nothing.
	p = pair(t, r, "db", backtest.Slorec, slorec.Availability)
	require.True(t, p.Attained)
	require.InDelta(t, 0.0001, p.Slack, 1e-9)
	require.Zero(t, p.BudgetBurned)

	// Latency: every bucket has p95 20 ms, so the test window's p95 is
	// 20 ms; a 25 ms threshold is attained with (25 − 20)/25 = 20% slack.
	p = pair(t, r, "api", backtest.Slorec, slorec.Latency)
	require.True(t, p.Attained)
	require.InDelta(t, 20, p.AchievedMs, 0.1)
	require.InDelta(t, 0.2, p.Slack, 0.005)
	require.Less(t, p.BudgetBurned, 1.0)

	// Baselines. observed-mean: the training availability of api is
	// 0.999, which the test window misses; fixed-99.9 the same.
	p = pair(t, r, "api", backtest.ObservedMean, slorec.Availability)
	require.InDelta(t, 0.999, p.Target, 1e-9)
	require.False(t, p.Attained)
	p = pair(t, r, "api", backtest.Fixed999, slorec.Availability)
	require.False(t, p.Attained)
	// current: api's committed 99.9%.
	p = pair(t, r, "api", backtest.Current, slorec.Availability)
	require.InDelta(t, 0.999, p.Target, 1e-9)
	// peer: every 10-day window of api in training is at 0.999 and db's
	// is 1, so the cap is 1 and the tier is 0.999.
	p = pair(t, r, "api", backtest.Peer, slorec.Availability)
	require.InDelta(t, 0.999, p.Target, 1e-9)
	// The observed-mean latency threshold is the mean p95, 20 ms, and
	// the peer's the 99th percentile of the p95 series, also 20 ms.
	p = pair(t, r, "api", backtest.ObservedMean, slorec.Latency)
	require.InDelta(t, 20, p.ThresholdMs, 1e-9)

	// slorec attained 2 of 3 pairs: the verdict fails on attainment.
	require.False(t, r.Verdict.Pass)
	require.Contains(t, r.Verdict.Reasons[0], "slorec attained 2 of 3")
}

func TestPeerIsCappedByItsHardDependencies(t *testing.T) {
	d := twoServices()
	// db now fails 3 per 1,000 in training: api's cap is 0.997.
	for i := range d.Metrics {
		if b := &d.Metrics[i]; b.Service == "db" {
			b.Errors = 3
		}
	}
	r, err := backtest.Run(context.Background(), d, backtest.Config{TrainDays: 20, TestDays: 10, Engine: fixedEngine(nil, nil)})
	require.NoError(t, err)
	require.InDelta(t, 0.997, pair(t, r, "api", backtest.Peer, slorec.Availability).Target, 1e-9)
}

func TestDefaultSplit(t *testing.T) {
	d := twoServices() // 30 days
	r, err := backtest.Run(context.Background(), d, backtest.Config{Engine: fixedEngine(nil, nil)})
	require.NoError(t, err)
	require.Equal(t, 20.0, r.Train.Days, "a third of 30 days is the test window")
	require.Equal(t, 10.0, r.Test.Days)
	require.Equal(t, r.Train.End, r.Test.Start)
}

func TestBadSplitsAreRefused(t *testing.T) {
	for _, cfg := range []backtest.Config{
		{TrainDays: 25, TestDays: 10},
		{TrainDays: -1},
		{TestDays: 0.01},
		{TrainDays: math.NaN()},
	} {
		_, err := backtest.Run(context.Background(), twoServices(), cfg)
		require.Error(t, err, "%+v", cfg)
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err), "%+v", cfg)
	}
	_, err := backtest.Run(context.Background(), &dataset.Dataset{Dir: "empty"}, backtest.Config{})
	require.ErrorContains(t, err, "no metrics")
}

// ecommerce is the embedded example.
func ecommerce(t *testing.T) *dataset.Dataset {
	t.Helper()
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	return d
}

func TestEngineOnTheExample(t *testing.T) {
	r, err := backtest.Run(context.Background(), ecommerce(t), backtest.Config{Seed: 1})
	require.NoError(t, err)
	require.Equal(t, 40.0, r.Train.Days)
	require.Equal(t, 20.0, r.Test.Days)
	require.Equal(t, 12, r.Scored)
	// Every service gets both SLIs from slorec and from every baseline
	// that covers it.
	for _, s := range r.Summaries {
		if s.Method == backtest.Slorec {
			require.Equal(t, 12, s.Pairs, s.SLI)
			require.GreaterOrEqual(t, s.AttainmentRate, 0.9, s.SLI)
		}
	}
	require.Zero(t, len(r.Consistency.AboveCeiling)+len(r.Consistency.Inconsistent), "no target above its ceiling")
	require.Equal(t, 12, r.Consistency.Checked)
	// truth.json is there: the intrinsic inference is scored, and on
	// this simulator it is within a few hundredths of a point.
	require.NotNil(t, r.Intrinsic)
	require.Len(t, r.Intrinsic.Services, 12)
	require.Less(t, r.Intrinsic.MeanAbsPP, 0.05)
}

// worsened wraps the real engine and tightens every target: availability
// error budgets halved, latency thresholds at 70%. It is the kind of
// change the harness must catch.
func worsened() backtest.Engine {
	return backtest.Engine{Name: "worsened", Recommend: func(ctx context.Context, in recommend.Input, opt recommend.Options) (*recommend.Result, error) {
		res, err := recommend.Recommend(ctx, in, opt)
		if err != nil {
			return nil, err
		}
		for i := range res.Recommendations {
			for j := range res.Recommendations[i].Objectives {
				o := &res.Recommendations[i].Objectives[j]
				if o.SLI == slorec.Availability {
					o.Target = 1 - (1-o.Target)/2
				} else {
					o.ThresholdMs *= 0.7
				}
			}
		}
		return res, nil
	}}
}

func TestAWorsenedEngineFailsTheVerdict(t *testing.T) {
	good, err := backtest.Run(context.Background(), ecommerce(t), backtest.Config{Seed: 1})
	require.NoError(t, err)
	bad, err := backtest.Run(context.Background(), ecommerce(t), backtest.Config{Seed: 1, Engine: worsened()})
	require.NoError(t, err)
	require.False(t, bad.Verdict.Pass)
	rate := func(r *backtest.Result) float64 {
		for _, s := range r.Summaries {
			if s.Method == backtest.Slorec && s.SLI == slorec.Latency {
				return s.AttainmentRate
			}
		}
		return -1
	}
	require.Less(t, rate(bad), rate(good))
	require.NotEmpty(t, bad.Consistency.AboveCeiling, "halving budgets pushes targets over their ceilings")
}
