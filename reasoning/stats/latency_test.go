package stats_test

import (
	"math"
	"testing"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/stats"
	"github.com/stretchr/testify/require"
)

// Standard normal quantiles used below.
const (
	z95 = 1.6448536269514722
	z99 = 2.3263478740408408
)

// The tabulated Φ is within 3e-5 of the exact one.
const tailDelta = 5e-5

func TestFractionBelow(t *testing.T) {
	full := slorec.MetricBucket{LatencyP50Ms: 100, LatencyP95Ms: 200, LatencyP99Ms: 300}
	// The tails follow the lognormal through p50 and p99:
	// μ = ln 100, σ = ln 3 / z99 = 0.47225.
	sigma := math.Log(3) / z99
	tests := []struct {
		name  string
		b     slorec.MetricBucket
		t     float64
		want  float64
		delta float64
	}{
		{"At p50 exactly.", full, 100, 0.50, 1e-12},
		{"At p95 exactly.", full, 200, 0.95, 1e-12},
		{"At p99 exactly.", full, 300, 0.99, 1e-12},
		{"Halfway (in log) from p50 to p95: 0.5 + 0.45/2.", full, math.Sqrt(100 * 200), 0.725, 1e-12},
		{"A quarter of the way from p50 to p95: 0.5 + 0.45/4.", full, 100 * math.Pow(2, 0.25), 0.6125, 1e-12},
		{"Halfway from p95 to p99: 0.95 + 0.04/2.", full, math.Sqrt(200 * 300), 0.97, 1e-12},
		{"Lower tail one σ below p50: Φ(−1).", full, 100 * math.Exp(-sigma), 0.15865525393145707, tailDelta},
		{"Upper tail at z = 3: Φ(3).", full, 100 * math.Exp(3*sigma), 0.9986501019683699, tailDelta},
		{"Zero threshold: nothing is faster.", full, 0, 0, 0},
		{"A single p95 at its value.", slorec.MetricBucket{LatencyP95Ms: 100}, 100, 0.95, 1e-12},
		{"A single p95, tail with σ = 0.5: Φ(z95 + 1).", slorec.MetricBucket{LatencyP95Ms: 100}, 100 * math.Exp(0.5), 0.9959136869399667, tailDelta},
		{"p50 and p99 only, halfway: 0.5 + 0.49/2.", slorec.MetricBucket{LatencyP50Ms: 100, LatencyP99Ms: 300}, math.Sqrt(100 * 300), 0.745, 1e-12},
		{"p50 equal to p95: the CDF jumps there to 0.95.", slorec.MetricBucket{LatencyP50Ms: 100, LatencyP95Ms: 100, LatencyP99Ms: 300}, 100, 0.95, 1e-12},
		{"A p95 below p50 (invalid) reads as equal to it.", slorec.MetricBucket{LatencyP50Ms: 100, LatencyP95Ms: 80, LatencyP99Ms: 300}, 100, 0.95, 1e-12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := stats.FractionBelow(tt.b, tt.t)
			require.True(t, ok)
			require.InDelta(t, tt.want, got, tt.delta)
		})
	}
	_, ok := stats.FractionBelow(slorec.MetricBucket{Requests: 10}, 100)
	require.False(t, ok, "no percentiles")

	just, _ := stats.FractionBelow(slorec.MetricBucket{LatencyP50Ms: 100, LatencyP95Ms: 100, LatencyP99Ms: 300}, 99.999)
	require.InDelta(t, 0.5, just, 1e-3, "just below a tie: the lower tail")
	require.Less(t, just, 0.5)
}

// The CDF is a CDF: within [0,1], non-decreasing, and continuous except at
// tied percentiles.
func TestFractionBelowIsACDF(t *testing.T) {
	buckets := []slorec.MetricBucket{
		{LatencyP50Ms: 100, LatencyP95Ms: 200, LatencyP99Ms: 300},
		{LatencyP50Ms: 3, LatencyP95Ms: 900, LatencyP99Ms: 901},
		{LatencyP99Ms: 40},
		{LatencyP50Ms: 40},
		{LatencyP50Ms: 10, LatencyP95Ms: 11},
		{LatencyP50Ms: 7, LatencyP95Ms: 7, LatencyP99Ms: 7},
	}
	for _, b := range buckets {
		prev, _ := stats.FractionBelow(b, 0.01)
		require.GreaterOrEqual(t, prev, 0.0)
		for lt := math.Log(0.01) + 0.001; lt < math.Log(1e6); lt += 0.001 {
			f, ok := stats.FractionBelow(b, math.Exp(lt))
			require.True(t, ok)
			require.GreaterOrEqual(t, f, prev, "%+v at %v", b, math.Exp(lt))
			require.LessOrEqual(t, f, 1.0)
			if b.LatencyP50Ms != 7 {
				require.Less(t, f-prev, 0.05, "%+v jumps at %v", b, math.Exp(lt))
			}
			prev = f
		}
		if b.LatencyP50Ms == 7 {
			continue
		}
		for _, p := range []float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
			if p > 0 { // continuous at the known points, tails included
				at, _ := stats.FractionBelow(b, p)
				below, _ := stats.FractionBelow(b, p*(1-1e-9))
				above, _ := stats.FractionBelow(b, p*(1+1e-9))
				require.InDelta(t, at, below, 1e-6, "%+v at %v", b, p)
				require.InDelta(t, at, above, 1e-6, "%+v at %v", b, p)
			}
		}
	}
}

func TestAttainment(t *testing.T) {
	tests := []struct {
		name    string
		buckets []slorec.MetricBucket
		want    float64
		ok      bool
	}{
		{"Request-weighted; buckets without percentiles are ignored.", []slorec.MetricBucket{
			{Requests: 100, LatencyP95Ms: 100}, // 0.95 at 100 ms
			{Requests: 300, LatencyP50Ms: 100}, // 0.50 at 100 ms
			{Requests: 900},
		}, (100*0.95 + 300*0.5) / 400, true},
		{"Without requests every bucket counts once.", []slorec.MetricBucket{
			{LatencyP95Ms: 100}, {LatencyP50Ms: 100},
		}, (0.95 + 0.5) / 2, true},
		{"No percentiles at all.", []slorec.MetricBucket{{Requests: 5}}, 0, false},
		{"No buckets.", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := stats.Attainment(tt.buckets, 100)
			require.Equal(t, tt.ok, ok)
			require.InDelta(t, tt.want, got, 1e-12)
		})
	}
}

// Percentiles p50/p95/p99 of the two bucket shapes used below. Between
// 100 and 200 ms both CDFs are linear in u = log2(t/100):
//
//	A: 0.95 + 0.04·u   (p95 → p99)
//	B: 0.50 + 0.45·u   (p50 → p95)
var (
	shapeA = [3]float64{50, 100, 200}
	shapeB = [3]float64{100, 200, 400}
)

// mixed returns days of hourly buckets; shape gives each hour's shape and
// requests.
func mixed(days int, shape func(hour int) ([3]float64, int64)) []slorec.MetricBucket {
	out := make([]slorec.MetricBucket, 0, days*24)
	for i := range days * 24 {
		p, req := shape(i)
		out = append(out, slorec.MetricBucket{Service: "svc", Start: t0.Add(time.Duration(i) * time.Hour), Requests: req,
			LatencyP50Ms: p[0], LatencyP95Ms: p[1], LatencyP99Ms: p[2]})
	}
	return out
}

func TestLatencyByHand(t *testing.T) {
	t.Run("A constant series: every window's p95 is 200 ms; 200 × 1.1 = 220 stays.", func(t *testing.T) {
		res, err := stats.Latency(hourly(30, 100, noErrors), stats.Options{})
		require.NoError(t, err)
		require.True(t, res.HasData)
		require.Equal(t, 95.0, res.Percentile)
		require.Equal(t, "hourly p95 series, 720 buckets with latency (p50/p95/p99 present)", res.Source)
		require.Equal(t, 28, res.WindowDays)
		require.Equal(t, 3, res.Windows)
		require.Contains(t, res.Quality.Reasons, "latency tiers rest on only 3 rolling 28-day windows")
		for _, c := range res.Candidates {
			require.InDelta(t, 200, c.RawMs, 1e-9, c.Tier)
			require.Equal(t, 220.0, c.ThresholdMs)
			// 220 ms is log(1.1)/log(1.5) of the way from p95 to p99.
			require.InDelta(t, 0.95+0.04*math.Log(1.1)/math.Log(1.5), c.Attainment, 1e-12)
			require.Zero(t, c.BreachProbability)
		}
	})
	t.Run("Equal traffic of A and B: 0.725 + 0.245·u = 0.95 at t = 100·2^(45/49).", func(t *testing.T) {
		res, err := stats.Latency(mixed(30, func(h int) ([3]float64, int64) {
			if h%2 == 0 {
				return shapeA, 100
			}
			return shapeB, 100
		}), stats.Options{})
		require.NoError(t, err)
		for _, c := range res.Candidates {
			require.InDelta(t, 100*math.Pow(2, 45.0/49), c.RawMs, 1e-6) // 188.998
			require.Equal(t, 210.0, c.ThresholdMs, "207.9 rounds up to 210")
		}
	})
	t.Run("Three times the traffic on A: (335 + 57·u)/400 = 0.95 at t = 100·2^(45/57).", func(t *testing.T) {
		res, err := stats.Latency(mixed(30, func(h int) ([3]float64, int64) {
			if h%2 == 0 {
				return shapeA, 300
			}
			return shapeB, 100
		}), stats.Options{})
		require.NoError(t, err)
		for _, c := range res.Candidates {
			require.InDelta(t, 100*math.Pow(2, 45.0/57), c.RawMs, 1e-6) // 172.844
			require.Equal(t, 200.0, c.ThresholdMs, "190.1 rounds up to 200")
		}
	})
	// Ten days of A, except day 9 all B; 2-day windows: eight windows at
	// A's p95, 100 ms, and [8, 10) at the equal mixture, 188.998 ms.
	// Sorted T: [100 × 8, 188.998]; upper quantiles at indexes
	// ⌈0.99·9⌉−1 = 8, ⌈0.95·9⌉−1 = 8, ⌈0.8·9⌉−1 = 7.
	t.Run("One slow day separates the tiers.", func(t *testing.T) {
		res, err := stats.Latency(mixed(10, func(h int) ([3]float64, int64) {
			if h/24 == 9 {
				return shapeB, 100
			}
			return shapeA, 100
		}), stats.Options{WindowDays: 2})
		require.NoError(t, err)
		require.Equal(t, 9, res.Windows)
		c := res.Candidates
		require.InDelta(t, 100*math.Pow(2, 45.0/49), c[0].RawMs, 1e-6)
		require.InDelta(t, 100*math.Pow(2, 45.0/49), c[1].RawMs, 1e-6)
		require.InDelta(t, 100, c[2].RawMs, 1e-9)
		require.Equal(t, []float64{210, 210, 110}, []float64{c[0].ThresholdMs, c[1].ThresholdMs, c[2].ThresholdMs}, "207.9 rounds up to 210; 110 stays")

		// At 210 ms: A is in its upper tail, 1 − 0.01·(1 − Φ(z))/(1 − Φ(z99))
		// with z = ln 4.2 / (ln 4 / z99) = 2.4082: 0.991985; B is 0.95 +
		// 0.04·log2(1.05) = 0.952816. Nine days of A, one of B; no window
		// misses.
		require.InDelta(t, (9*0.9919848049567583+0.9528155731156559)/10, c[0].Attainment, tailDelta)
		require.Zero(t, c[0].BreachProbability)
		require.Equal(t, c[0].Attainment, c[1].Attainment, "one threshold, one attainment")
		// At 110 ms: A 0.95 + 0.04·log2(1.1) = 0.955500, B 0.5 +
		// 0.45·log2(1.1) = 0.561877. The window [8, 10) averages 0.759 <
		// 0.95: one window in nine misses.
		fa, fb := 0.95+0.04*math.Log2(1.1), 0.5+0.45*math.Log2(1.1)
		require.InDelta(t, (9*fa+fb)/10, c[2].Attainment, 1e-12)
		require.InDelta(t, 1.0/9, c[2].BreachProbability, 1e-12)
	})
	t.Run("Headroom is applied before snapping.", func(t *testing.T) {
		res, err := stats.Latency(hourly(30, 100, noErrors), stats.Options{Headroom: 1.6})
		require.NoError(t, err)
		require.Equal(t, 320.0, res.Candidates[0].ThresholdMs, "200 × 1.6 = 320 stays on two digits")
	})
}

func TestLatencyPercentileAndMissingData(t *testing.T) {
	only := func(p50, p95, p99 float64) []slorec.MetricBucket {
		b := hourly(30, 100, noErrors)
		for i := range b {
			b[i].LatencyP50Ms, b[i].LatencyP95Ms, b[i].LatencyP99Ms = p50, p95, p99
		}
		return b
	}
	tests := []struct {
		name       string
		buckets    []slorec.MetricBucket
		percentile float64
		raw        float64
		source     string
	}{
		{"p95 present: the objective is p95.", only(0, 200, 0), 95, 200, "hourly p95 series, 720 buckets with latency (p95 present)"},
		{"No p95 but p99: the objective is p99.", only(100, 0, 300), 99, 300, "hourly p99 series, 720 buckets with latency (p50/p99 present)"},
		{"Only p50: the objective is p50.", only(100, 0, 0), 50, 100, "hourly p50 series, 720 buckets with latency (p50 present)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := stats.Latency(tt.buckets, stats.Options{})
			require.NoError(t, err)
			require.True(t, res.HasData)
			require.Equal(t, tt.percentile, res.Percentile)
			require.Equal(t, tt.source, res.Source)
			require.InDelta(t, tt.raw, res.Candidates[0].RawMs, 1e-9)
		})
	}

	t.Run("No percentiles: no data, a reason.", func(t *testing.T) {
		res, err := stats.Latency(only(0, 0, 0), stats.Options{})
		require.NoError(t, err)
		require.False(t, res.HasData)
		require.Empty(t, res.Candidates)
		require.Contains(t, res.Quality.Reasons, "no latency percentiles")
	})
	t.Run("No buckets: no data, no error.", func(t *testing.T) {
		res, err := stats.Latency(nil, stats.Options{})
		require.NoError(t, err)
		require.False(t, res.HasData)
		require.Equal(t, []string{"no metrics"}, res.Quality.Reasons)
	})
	t.Run("Percentiles without traffic: no data.", func(t *testing.T) {
		res, err := stats.Latency(hourly(3, 0, noErrors), stats.Options{})
		require.NoError(t, err)
		require.False(t, res.HasData)
		require.Contains(t, res.Quality.Reasons, "no rolling window has both latency percentiles and traffic")
	})
	t.Run("Gaps, zero traffic and buckets without percentiles are skipped.", func(t *testing.T) {
		var b []slorec.MetricBucket
		for i, x := range hourly(20, 100, noErrors) {
			switch day := i / 24; {
			case day >= 5 && day < 8:
				continue
			case day == 10:
				x.Requests = 0
			case day == 12:
				x.LatencyP50Ms, x.LatencyP95Ms, x.LatencyP99Ms = 0, 0, 0
			}
			b = append(b, x)
		}
		res, err := stats.Latency(b, stats.Options{WindowDays: 2})
		require.NoError(t, err)
		require.True(t, res.HasData)
		// 2-day windows end on days 20, …, 2: 19; those inside the gap
		// ([5,7), [6,8)) carry nothing.
		require.Equal(t, 17, res.Windows)
		require.Contains(t, res.Quality.Reasons, "24 of 408 buckets carry no latency percentiles")
		require.Contains(t, res.Quality.Reasons, "2 of 19 rolling windows lack latency data or traffic and were skipped")
		for _, c := range res.Candidates {
			require.InDelta(t, 200, c.RawMs, 1e-9)
		}
	})
}

func TestLatencyProperties(t *testing.T) {
	for seed := range uint64(20) {
		b := realistic(60, seed)
		res, err := stats.Latency(b, stats.Options{WindowDays: 7})
		require.NoError(t, err)
		c := res.Candidates
		require.Equal(t, 54, res.Windows)
		require.GreaterOrEqual(t, c[0].RawMs, c[1].RawMs)
		require.GreaterOrEqual(t, c[1].RawMs, c[2].RawMs)
		require.GreaterOrEqual(t, c[0].ThresholdMs, c[1].ThresholdMs, "conservative >= balanced")
		require.GreaterOrEqual(t, c[1].ThresholdMs, c[2].ThresholdMs, "balanced >= aspirational")
		require.GreaterOrEqual(t, c[0].Attainment, c[1].Attainment)
		require.GreaterOrEqual(t, c[1].Attainment, c[2].Attainment)
		require.LessOrEqual(t, c[0].BreachProbability, c[1].BreachProbability)
		require.LessOrEqual(t, c[1].BreachProbability, c[2].BreachProbability)
		for _, x := range c {
			require.GreaterOrEqual(t, x.ThresholdMs, x.RawMs*1.1-1e-9)
			// The conservative threshold covers 99% of windows; with
			// headroom the others also cover at least their share.
			require.LessOrEqual(t, x.BreachProbability, 1-x.Tier.Coverage()+1e-12, x.Tier)
		}
		again, err := stats.Latency(b, stats.Options{WindowDays: 7})
		require.NoError(t, err)
		require.Equal(t, res, again)
	}
}

func TestAnalyzeMatchesParts(t *testing.T) {
	b := realistic(30, 4)
	opt := stats.Options{Seed: 9, Resamples: 200}
	av, lat, err := stats.Analyze(b, opt)
	require.NoError(t, err)
	wantAv, err := stats.Availability(b, opt)
	require.NoError(t, err)
	wantLat, err := stats.Latency(b, opt)
	require.NoError(t, err)
	require.Equal(t, wantAv, av)
	require.Equal(t, wantLat, lat)
}

func TestThresholdInvertsAttainment(t *testing.T) {
	b := realistic(30, 7)
	for _, p := range []float64{50, 95, 99} {
		th, ok := stats.Threshold(b, p)
		if !ok {
			t.Fatalf("p%v: no threshold", p)
		}
		at, _ := stats.Attainment(b, th)
		below, _ := stats.Attainment(b, th*0.99)
		// At the threshold the share reaches p/100 (within the search's
		// interpolation), and 1% below it, it does not.
		if at < p/100-2e-4 || below >= p/100 {
			t.Errorf("p%v: threshold %.2f ms gives attainment %.5f, and %.5f at 99%% of it", p, th, at, below)
		}
	}
	// One bucket with p50 100, p95 200, p99 300: the p95 is exactly 200.
	one := []slorec.MetricBucket{{Service: "svc", Start: t0, Requests: 10, LatencyP50Ms: 100, LatencyP95Ms: 200, LatencyP99Ms: 300}}
	if th, _ := stats.Threshold(one, 95); math.Abs(th-200) > 0.5 {
		t.Errorf("single bucket p95 threshold = %v, want 200", th)
	}
	if _, ok := stats.Threshold(nil, 95); ok {
		t.Error("no buckets gave a threshold")
	}
	if _, ok := stats.Threshold(b, 100); ok {
		t.Error("p100 gave a threshold")
	}
}
