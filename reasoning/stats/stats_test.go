package stats

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/slorec/slorec"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// hourly returns days of hourly buckets with req requests an hour; errs
// gives each day's errors per hour.
func hourly(days int, req int64, errs func(day int) int64) []slorec.MetricBucket {
	var out []slorec.MetricBucket
	for d := range days {
		for h := range 24 {
			out = append(out, slorec.MetricBucket{
				Service: "svc", Start: t0.Add(time.Duration(d*24+h) * time.Hour),
				Requests: req, Errors: errs(d),
				LatencyP50Ms: 100, LatencyP95Ms: 200, LatencyP99Ms: 300,
			})
		}
	}
	return out
}

func TestSnap(t *testing.T) {
	tests := []struct {
		v    float64
		want float64
		ok   bool
	}{
		{0.99949, 0.999, true},
		{0.9995, 0.9995, true},
		{0.99999999, 0.99999, true},
		{1, 0.99999, true},
		{0.9, 0.9, true},
		{0.89, 0, false},
	}
	for _, tt := range tests {
		got, ok := SnapDown(tt.v, DefaultLadder)
		require.Equal(t, tt.ok, ok, "%v", tt.v)
		require.Equal(t, tt.want, got, "%v", tt.v)
	}
	for in, want := range map[float64]float64{0.3: 1, 1: 1, 201: 250, 250: 250, 999.9: 1000, 61000: 61000, 61000.5: 62000} {
		require.Equal(t, want, SnapUpMs(in), "%v", in)
	}
}

// Thirty days at 2,400 requests a day; day 4 fails 10%. Its two 2-day
// windows are at 95%, the other 27 at 100%.
func TestAvailabilityTiersByHand(t *testing.T) {
	b := hourly(30, 100, func(d int) int64 {
		if d == 3 {
			return 10
		}
		return 0
	})
	res, err := Availability(b, Options{WindowDays: 2, Seed: 7})
	require.NoError(t, err)
	require.True(t, res.HasData)
	require.InDelta(t, (72000.0-240)/72000, res.Observed, 1e-12)
	require.Equal(t, 29, res.Windows)
	require.Equal(t, 2, res.WindowDays)
	require.InDelta(t, 0.95, res.WindowMin, 1e-12)

	// Sorted windows: [0.95, 0.95, 1 × 27]. Conservative takes index
	// ⌊0.01·29⌋ = 0, balanced ⌊1.45⌋ = 1, aspirational ⌊5.8⌋ = 5.
	c := res.Candidates
	require.Equal(t, Conservative, c[0].Tier)
	require.InDelta(t, 0.95, c[0].Level, 1e-12)
	require.Equal(t, 0.95, c[0].Target)
	require.InDelta(t, 0.95, c[1].Level, 1e-12)
	require.Equal(t, 1.0, c[2].Level)
	require.Equal(t, 0.99999, c[2].Target)

	// Resampled 2-day windows fall below 95% only with day 4 drawn twice
	// (1/900); below 99.999% whenever it is drawn: 1 − (29/30)² ≈ 6.6%.
	require.LessOrEqual(t, c[0].BreachProbability, 0.01)
	require.InDelta(t, 1-math.Pow(29.0/30, 2), c[2].BreachProbability, 0.025)
	require.LessOrEqual(t, res.CILow, res.Observed)
	require.GreaterOrEqual(t, res.CIHigh, res.Observed)
}

func TestAvailabilityRobustness(t *testing.T) {
	t.Run("No buckets: no data, a reason, no error.", func(t *testing.T) {
		res, err := Availability(nil, Options{})
		require.NoError(t, err)
		require.False(t, res.HasData)
		require.Contains(t, res.Quality.Reasons, "no metrics")
		require.Zero(t, DataConfidence(res.Quality, 0).Score)
	})
	t.Run("Zero traffic everywhere: no data.", func(t *testing.T) {
		res, err := Availability(hourly(5, 0, func(int) int64 { return 0 }), Options{})
		require.NoError(t, err)
		require.False(t, res.HasData)
		require.Equal(t, 120, res.Quality.ZeroTraffic)
	})
	t.Run("A duplicate timestamp is refused.", func(t *testing.T) {
		b := hourly(2, 10, func(int) int64 { return 0 })
		b = append(b, b[5])
		_, err := Availability(b, Options{})
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		require.Contains(t, err.Error(), "two buckets at 2026-10-01T05:00:00Z")
	})
	t.Run("Two services in one series are refused.", func(t *testing.T) {
		b := hourly(2, 10, func(int) int64 { return 0 })
		b[3].Service = "other"
		_, err := Availability(b, Options{})
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	})
	t.Run("Gaps and zero-traffic days lower coverage, never give NaN.", func(t *testing.T) {
		b := hourly(40, 100, func(d int) int64 { return int64(d % 3) })
		var kept []slorec.MetricBucket
		for i, x := range b {
			day := i / 24
			if day >= 10 && day < 15 {
				continue // a five-day gap
			}
			if day == 20 {
				x.Requests, x.Errors = 0, 0
			}
			kept = append(kept, x)
		}
		res, err := Availability(kept, Options{WindowDays: 7})
		require.NoError(t, err)
		q := res.Quality
		require.Equal(t, 1, q.Gaps)
		require.Equal(t, 24, q.ZeroTraffic)
		require.InDelta(t, 35.0/40, q.Coverage, 1e-9)
		for _, c := range res.Candidates {
			require.False(t, math.IsNaN(c.Level))
		}
		conf := DataConfidence(q, res.CIHigh-res.CILow)
		require.Less(t, conf.Score, 0.9)
		require.NotEmpty(t, conf.Reasons)
	})
	t.Run("Three days of history shrink the window and lower confidence.", func(t *testing.T) {
		short, err := Availability(hourly(3, 1000, func(int) int64 { return 1 }), Options{WindowDays: 28})
		require.NoError(t, err)
		long, err := Availability(hourly(60, 1000, func(int) int64 { return 1 }), Options{WindowDays: 28})
		require.NoError(t, err)
		require.True(t, short.Quality.ShortHistory)
		require.Equal(t, 3, short.WindowDays)
		require.Contains(t, short.Quality.Reasons[0], "only 3.0 days of history")
		cs, cl := DataConfidence(short.Quality, short.CIHigh-short.CILow), DataConfidence(long.Quality, long.CIHigh-long.CILow)
		require.Equal(t, "low", cs.Level)
		require.Equal(t, "high", cl.Level)
		require.Less(t, cs.Score, cl.Score)
	})
}

func TestAvailabilityProperties(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		b := hourly(45, 500, func(int) int64 { return int64(r.IntN(4)) })
		res, err := Availability(b, Options{Seed: seed, Resamples: 300})
		require.NoError(t, err)
		c := res.Candidates
		require.LessOrEqual(t, c[0].Target, c[1].Target, "conservative <= balanced")
		require.LessOrEqual(t, c[1].Target, c[2].Target, "balanced <= aspirational")
		require.LessOrEqual(t, res.CILow, res.Observed)
		require.GreaterOrEqual(t, res.CIHigh, res.Observed)
		again, err := Availability(b, Options{Seed: seed, Resamples: 300})
		require.NoError(t, err)
		require.Equal(t, res, again, "same seed, same result")
	}
}

func TestFractionBelow(t *testing.T) {
	b := slorec.MetricBucket{LatencyP50Ms: 100, LatencyP95Ms: 200, LatencyP99Ms: 300}
	for thr, want := range map[float64]float64{100: 0.5, 200: 0.95, 300: 0.99, math.Sqrt(100 * 200): 0.725} {
		got, ok := FractionBelow(b, thr)
		require.True(t, ok)
		require.InDelta(t, want, got, 1e-9, "t=%v", thr)
	}
	lo, _ := FractionBelow(b, 50)
	hi, _ := FractionBelow(b, 1000)
	require.Greater(t, lo, 0.0)
	require.Less(t, lo, 0.5)
	require.Greater(t, hi, 0.99)
	require.LessOrEqual(t, hi, 1.0)

	single := slorec.MetricBucket{LatencyP95Ms: 100}
	got, ok := FractionBelow(single, 100)
	require.True(t, ok)
	require.InDelta(t, 0.95, got, 1e-9)
	_, ok = FractionBelow(slorec.MetricBucket{}, 100)
	require.False(t, ok)
}

func TestAttainmentWeightsByRequests(t *testing.T) {
	b := []slorec.MetricBucket{
		{Requests: 100, LatencyP95Ms: 100}, // 0.95 under 100 ms
		{Requests: 300, LatencyP50Ms: 100}, // 0.50 under 100 ms
		{Requests: 900},                    // no latency data: ignored
	}
	got, ok := Attainment(b, 100)
	require.True(t, ok)
	require.InDelta(t, (100*0.95+300*0.5)/400, got, 1e-12)
}

func TestLatencyThresholds(t *testing.T) {
	// Every hour p50 100, p95 200, p99 300: each window's p95 is 200 ms,
	// so raw ≈ 200, and 200 × 1.1 snaps up to 250.
	res, err := Latency(hourly(30, 100, func(int) int64 { return 0 }), Options{})
	require.NoError(t, err)
	require.True(t, res.HasData)
	require.Equal(t, 95.0, res.Percentile)
	require.Contains(t, res.Source, "p95 from 720 buckets")
	for _, c := range res.Candidates {
		require.InDelta(t, 200, c.RawMs, 4, c.Tier)
		require.Equal(t, 250.0, c.ThresholdMs)
		require.Greater(t, c.Attainment, 0.95)
		require.Zero(t, c.BreachProbability)
	}

	// A slow second half: conservative >= balanced >= aspirational.
	b := hourly(60, 100, func(int) int64 { return 0 })
	for i := range b {
		if i%24 < 3 && i/24%4 == 0 {
			b[i].LatencyP50Ms, b[i].LatencyP95Ms, b[i].LatencyP99Ms = 300, 900, 1500
		}
		b[i].Requests = int64(50 + i%24*10)
	}
	res, err = Latency(b, Options{WindowDays: 7})
	require.NoError(t, err)
	c := res.Candidates
	require.GreaterOrEqual(t, c[0].ThresholdMs, c[1].ThresholdMs)
	require.GreaterOrEqual(t, c[1].ThresholdMs, c[2].ThresholdMs)

	none, err := Latency([]slorec.MetricBucket{{Service: "svc", Start: t0, Requests: 5}}, Options{})
	require.NoError(t, err)
	require.False(t, none.HasData)
}

func BenchmarkAvailability(b *testing.B) {
	buckets := hourly(30, 1000, func(d int) int64 { return int64(d % 5) })
	for _, n := range []int{1000, 200} {
		b.Run("resamples="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Availability(buckets, Options{Resamples: n}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLatency(b *testing.B) {
	buckets := hourly(30, 1000, func(int) int64 { return 0 })
	for b.Loop() {
		if _, err := Latency(buckets, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
