package stats_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/stats"
	"github.com/stretchr/testify/require"
)

// lastDayBad is ten days of hourly buckets at 100 requests an hour with
// the last day failing 10 an hour: 24,000 requests, 240 errors.
func lastDayBad() []slorec.MetricBucket {
	return hourly(10, 100, func(d int) int64 {
		if d == 9 {
			return 10
		}
		return 0
	})
}

// Windows of two days stepped by a day end on days 10, 9, …, 2: nine
// windows. Only [8, 10) holds the bad day: (4800 − 240)/4800 = 0.95; the
// other eight are at 1. Sorted: [0.95, 1 × 8].
//
//	conservative: index ⌊0.01·9⌋ = 0 → 0.95
//	balanced:     index ⌊0.45⌋ = 0   → 0.95
//	aspirational: index ⌊1.8⌋ = 1    → 1, snapped to 0.99999
func TestAvailabilityTiersByHand(t *testing.T) {
	res, err := stats.Availability(lastDayBad(), stats.Options{WindowDays: 2, Seed: 7})
	require.NoError(t, err)
	require.True(t, res.HasData)
	require.InDelta(t, (24000.0-240)/24000, res.Observed, 1e-12)
	require.Equal(t, 2, res.WindowDays)
	require.Equal(t, 9, res.Windows)
	require.Equal(t, 0.95, res.WindowMin)
	require.Equal(t, 1.0, res.WindowMedian)

	want := []stats.AvailabilityCandidate{
		{Tier: stats.Conservative, Level: 0.95, Target: 0.95},
		{Tier: stats.Balanced, Level: 0.95, Target: 0.95},
		{Tier: stats.Aspirational, Level: 1, Target: 0.99999},
	}
	for i, c := range res.Candidates {
		require.Equal(t, want[i].Tier, c.Tier)
		require.Equal(t, want[i].Level, c.Level, c.Tier)
		require.Equal(t, want[i].Target, c.Target, c.Tier)
	}

	// A resampled 2-day window is two of the ten days drawn with
	// replacement. It falls below 0.95 only with the bad day drawn twice
	// (0.1² = 0.01); below 0.99999 whenever the bad day is drawn
	// (1 − 0.9² = 0.19). 1000 resamples: standard errors 0.003 and 0.012.
	require.InDelta(t, 0.01, res.Candidates[0].BreachProbability, 0.012)
	require.InDelta(t, 0.01, res.Candidates[1].BreachProbability, 0.012)
	require.InDelta(t, 0.19, res.Candidates[2].BreachProbability, 0.05)

	// A resample of ten days holds B ~ Binomial(10, 0.1) bad days and has
	// availability 1 − 0.01·B. P(B ≥ 3) = 0.070 > 0.05 > P(B ≥ 4) = 0.013,
	// so the 5th percentile is 0.97; P(B = 0) = 0.35 > 0.05, so the 95th
	// is 1.
	require.InDelta(t, 0.97, res.CILow, 1e-12)
	require.Equal(t, 1.0, res.CIHigh)

	q := res.Quality
	require.Equal(t, 240, q.Buckets)
	require.Equal(t, 240, q.ExpectedBuckets)
	require.Equal(t, 1.0, q.Coverage)
	require.Equal(t, 10.0, q.HistoryDays)
	require.Zero(t, q.Gaps)
	require.Zero(t, q.ZeroTraffic)
	require.Equal(t, int64(24000), q.Requests)
	require.Equal(t, int64(240), q.Errors)
	require.False(t, q.ShortHistory)
	require.False(t, q.LowVolume)
	// Thirds of 240 h are 80 h: the first (hours 0–79) is clean; the last
	// (hours 160–239) holds the bad day: 240 errors in 8,000 requests.
	require.InDelta(t, 0.97-1, q.Drift, 1e-12)
	require.Contains(t, q.Reasons, "tier levels rest on only 9 rolling 2-day windows (20 or more resolve the 95th and 99th percentiles)")
}

// Stepped by 12 hours, 2-day windows end at hours 240, 228, …, 48: 17
// windows. The one ending at 240 holds the whole bad day (0.95), the one
// ending at 228 its first 12 hours: (4800 − 120)/4800 = 0.975. Sorted:
// [0.95, 0.975, 1 × 15]; aspirational takes index ⌊0.2·17⌋ = 3.
func TestAvailabilityStepHours(t *testing.T) {
	res, err := stats.Availability(lastDayBad(), stats.Options{WindowDays: 2, StepHours: 12, Resamples: -1})
	require.NoError(t, err)
	require.Equal(t, 17, res.Windows)
	require.Equal(t, 0.95, res.WindowMin)
	require.Equal(t, 1.0, res.WindowMedian)
	levels := []float64{res.Candidates[0].Level, res.Candidates[1].Level, res.Candidates[2].Level}
	require.Equal(t, []float64{0.95, 0.95, 1}, levels)
	require.Zero(t, res.CILow, "no bootstrap")
	require.Zero(t, res.Candidates[0].BreachProbability, "no bootstrap")
}

// Windows end at the last bucket, not at a calendar day: with the history
// running from day 0 06:00 to day 10 05:00, the latest 2-day window is
// [day 8 06:00, day 10 06:00).
func TestAvailabilityWindowsEndAtLastBucket(t *testing.T) {
	b := hourly(11, 100, noErrors)[6 : 24*10+6] // hours 6 to 245
	b[9*24+5-6].Errors = 48                     // hour 221: day 9 05:00
	res, err := stats.Availability(b, stats.Options{WindowDays: 2, Resamples: -1})
	require.NoError(t, err)
	// Windows end at hours 246, 222, …, 54: nine of them. Hour 221 lies
	// in [198, 246) and [174, 222): two windows at (4800 − 48)/4800 = 0.99.
	// Calendar-day windows would put it in [day 8, day 10) and
	// [day 9, day 11) instead, and count ten windows.
	require.Equal(t, 9, res.Windows)
	require.InDelta(t, 0.99, res.WindowMin, 1e-12)
	require.InDelta(t, 0.99, res.Candidates[2].Level, 1e-12, "2 of 9 windows are more than 20%")
	require.Equal(t, 1.0, res.WindowMedian)
}

func TestAvailabilityRobustness(t *testing.T) {
	t.Run("No buckets: no data, a reason, no error.", func(t *testing.T) {
		res, err := stats.Availability(nil, stats.Options{})
		require.NoError(t, err)
		require.False(t, res.HasData)
		require.Empty(t, res.Candidates)
		require.Equal(t, []string{"no metrics"}, res.Quality.Reasons)
		c := stats.DataConfidence(res.Quality, 0)
		require.Zero(t, c.Score)
		require.Equal(t, "low", c.Level)
		require.Contains(t, c.Reasons[0], "no metrics")
	})
	t.Run("Zero traffic everywhere: no data, no NaN.", func(t *testing.T) {
		res, err := stats.Availability(hourly(5, 0, noErrors), stats.Options{})
		require.NoError(t, err)
		require.False(t, res.HasData)
		require.Zero(t, res.Observed)
		require.Equal(t, 120, res.Quality.ZeroTraffic)
		require.Contains(t, res.Quality.Reasons, "no traffic in any bucket")
	})
	t.Run("A duplicate timestamp is refused, naming it.", func(t *testing.T) {
		b := hourly(2, 10, noErrors)
		dup := b[5]
		dup.Start = dup.Start.In(time.FixedZone("CEST", 2*3600)) // the same instant
		b = append(b, dup)
		_, err := stats.Availability(b, stats.Options{})
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		require.Contains(t, slorec.ErrorMessage(err), "two buckets at 2026-10-01T05:00:00Z")
	})
	t.Run("Two services in one series are refused.", func(t *testing.T) {
		b := hourly(2, 10, noErrors)
		b[3].Service = "other"
		_, err := stats.Availability(b, stats.Options{})
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		require.Contains(t, slorec.ErrorMessage(err), `"svc", "other"`)
		_, err = stats.Latency(b, stats.Options{})
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	})
	t.Run("An invalid bucket is refused, naming it.", func(t *testing.T) {
		b := hourly(2, 10, noErrors)
		b[4].Errors = 11
		_, err := stats.Availability(b, stats.Options{})
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		require.Contains(t, slorec.ErrorMessage(err), "2026-10-01T04:00:00Z: errors: 11 exceeds requests 10")
	})
	t.Run("Unsorted input gives the sorted result and stays as it was.", func(t *testing.T) {
		b := realistic(20, 3)
		want, err := stats.Availability(b, stats.Options{Seed: 1})
		require.NoError(t, err)
		shuffled := slices.Clone(b)
		slices.Reverse(shuffled)
		before := slices.Clone(shuffled)
		got, err := stats.Availability(shuffled, stats.Options{Seed: 1})
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, before, shuffled)
	})
	t.Run("Gaps and zero-traffic days lower coverage and confidence, never give NaN.", func(t *testing.T) {
		var b []slorec.MetricBucket
		for i, x := range hourly(40, 100, func(d int) int64 { return int64(d % 3) }) {
			day := i / 24
			if day >= 10 && day < 15 {
				continue // a five-day gap
			}
			if day == 20 {
				x.Requests, x.Errors = 0, 0
			}
			b = append(b, x)
		}
		res, err := stats.Availability(b, stats.Options{WindowDays: 7})
		require.NoError(t, err)
		q := res.Quality
		require.Equal(t, 35*24, q.Buckets)
		require.Equal(t, 40*24, q.ExpectedBuckets)
		require.Equal(t, 1, q.Gaps)
		require.Equal(t, 24, q.ZeroTraffic)
		require.InDelta(t, 35.0/40, q.Coverage, 1e-12)
		require.Contains(t, q.Reasons, "840 of 960 expected hourly buckets present (87.5% coverage, 1 gaps)")
		require.Contains(t, q.Reasons, "24 of 840 buckets carry no traffic")
		// 7-day windows end on days 40, 39, …, 7: 34 windows, none empty
		// (the gap is five days, the zero-traffic day one).
		require.Equal(t, 34, res.Windows)
		for _, v := range []float64{res.Observed, res.WindowMin, res.WindowMedian, res.CILow, res.CIHigh, q.Drift} {
			require.False(t, math.IsNaN(v))
		}
		for _, c := range res.Candidates {
			require.False(t, math.IsNaN(c.Level) || math.IsNaN(c.BreachProbability))
		}
		conf := stats.DataConfidence(q, res.CIHigh-res.CILow)
		require.LessOrEqual(t, conf.Score, 0.875)
		require.Contains(t, conf.Reasons[0], "87.5% of the expected buckets are present (840 of 960, 1 gaps)")
	})
	t.Run("Windows without traffic are skipped and counted.", func(t *testing.T) {
		b := hourly(10, 100, noErrors)
		for i := range b {
			if i/24 < 4 {
				b[i].Requests = 0
			}
		}
		res, err := stats.Availability(b, stats.Options{WindowDays: 2, Resamples: 50})
		require.NoError(t, err)
		// Windows [0,2), [1,3), [2,4) carry nothing; six remain.
		require.Equal(t, 6, res.Windows)
		require.Contains(t, res.Quality.Reasons, "3 of 9 rolling windows carry no traffic and were skipped")
	})
	t.Run("Three days of history shrink the window, say so and lower confidence below 60 days'.", func(t *testing.T) {
		short, err := stats.Availability(hourly(3, 1000, func(int) int64 { return 1 }), stats.Options{})
		require.NoError(t, err)
		long, err := stats.Availability(hourly(60, 1000, func(int) int64 { return 1 }), stats.Options{})
		require.NoError(t, err)
		require.True(t, short.Quality.ShortHistory)
		require.False(t, long.Quality.ShortHistory)
		require.Equal(t, 3, short.WindowDays)
		require.Equal(t, 1, short.Windows)
		require.Equal(t, 28, long.WindowDays)
		require.Equal(t, 33, long.Windows)
		require.Contains(t, short.Quality.Reasons,
			"only 3.0 days of history (28-day windows need 28); windows shrunk to 3 days; under a week of history, so confidence must be low")
		cs := stats.DataConfidence(short.Quality, short.CIHigh-short.CILow)
		cl := stats.DataConfidence(long.Quality, long.CIHigh-long.CILow)
		require.InDelta(t, 0.2, cs.Score, 1e-12, "3/28 floored at 0.2")
		require.Equal(t, "low", cs.Level)
		require.Equal(t, 1.0, cl.Score)
		require.Equal(t, "high", cl.Level)
	})
	t.Run("Under a day of history is one window over all of it.", func(t *testing.T) {
		res, err := stats.Availability(hourly(1, 100, func(int) int64 { return 1 })[:5], stats.Options{})
		require.NoError(t, err)
		require.Equal(t, 1, res.Windows)
		require.Equal(t, 1, res.WindowDays)
		require.InDelta(t, 0.99, res.Candidates[0].Level, 1e-12)
		require.True(t, res.Quality.LowVolume)
		require.Contains(t, res.Quality.Reasons[0], "only 0.2 days of history (28-day windows need 28); one window over the whole history")
	})
	t.Run("A single bucket works.", func(t *testing.T) {
		res, err := stats.Availability(hourly(1, 100, func(int) int64 { return 1 })[:1], stats.Options{})
		require.NoError(t, err)
		require.Equal(t, 1, res.Quality.ExpectedBuckets)
		require.InDelta(t, 0.99, res.Observed, 1e-12)
		require.InDelta(t, 0.99, res.CILow, 1e-12)
	})
}

func TestAvailabilityProperties(t *testing.T) {
	for seed := range uint64(20) {
		b := realistic(45, seed)
		res, err := stats.Availability(b, stats.Options{Seed: seed, Resamples: 300})
		require.NoError(t, err)
		c := res.Candidates
		require.LessOrEqual(t, c[0].Level, c[1].Level)
		require.LessOrEqual(t, c[1].Level, c[2].Level)
		require.LessOrEqual(t, c[0].Target, c[1].Target, "conservative <= balanced")
		require.LessOrEqual(t, c[1].Target, c[2].Target, "balanced <= aspirational")
		require.GreaterOrEqual(t, c[0].BreachProbability, 0.0)
		require.LessOrEqual(t, c[0].BreachProbability, c[1].BreachProbability+1e-12, "a higher target breaches at least as often")
		require.LessOrEqual(t, c[1].BreachProbability, c[2].BreachProbability+1e-12)
		require.LessOrEqual(t, res.CILow, res.Observed, "a stationary series' interval holds its mean")
		require.GreaterOrEqual(t, res.CIHigh, res.Observed)
		require.LessOrEqual(t, res.WindowMin, c[0].Level)

		again, err := stats.Availability(b, stats.Options{Seed: seed, Resamples: 300})
		require.NoError(t, err)
		require.Equal(t, res, again, "same seed, same result")
	}
	b := realistic(45, 1)
	r1, _ := stats.Availability(b, stats.Options{Seed: 1})
	r2, _ := stats.Availability(b, stats.Options{Seed: 2})
	require.NotEqual(t, r1.CILow, r2.CILow, "the seed drives the bootstrap")
	require.Equal(t, r1.Candidates[0].Level, r2.Candidates[0].Level, "levels do not depend on the seed")
}
