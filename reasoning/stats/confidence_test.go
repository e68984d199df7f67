package stats_test

import (
	"testing"

	"github.com/slorec/slorec/reasoning/stats"
	"github.com/stretchr/testify/require"
)

func TestDataConfidence(t *testing.T) {
	// good is 60 complete days, 1M requests, a 0.1% error rate.
	good := func() stats.Quality {
		return stats.Quality{Buckets: 1440, ExpectedBuckets: 1440, Coverage: 1, HistoryDays: 60, Requests: 1_000_000, Errors: 1000}
	}
	tests := []struct {
		name    string
		q       func() stats.Quality
		ciWidth float64
		score   float64
		level   string
		reasons []string
	}{
		{"Complete, long, busy, steady data: full confidence.", good, 0.0005, 1, "high", nil},
		{"Missing buckets scale by coverage.", func() stats.Quality {
			q := good()
			q.Buckets, q.Coverage, q.Gaps = 1296, 0.9, 3
			return q
		}, 0, 0.9, "high", []string{"90.0% of the expected buckets are present (1296 of 1440, 3 gaps) (×0.90)"}},
		{"Fourteen days scale by 14/28.", func() stats.Quality {
			q := good()
			q.HistoryDays = 14
			return q
		}, 0, 0.5, "medium", []string{"only 14.0 days of history, 28 earn full confidence (×0.50)"}},
		{"Three days are floored at 0.2.", func() stats.Quality {
			q := good()
			q.HistoryDays = 3
			return q
		}, 0, 0.2, "low", []string{"only 3.0 days of history, 28 earn full confidence (×0.20)"}},
		{"Low volume costs 0.6.", func() stats.Quality {
			q := good()
			q.LowVolume = true
			return q
		}, 0, 0.6, "medium", []string{"low volume: 1000000 requests (×0.60)"}},
		{"An interval wider than the error rate costs 0.8.", good, 0.0012, 0.8, "high",
			[]string{"the 90% interval of availability is 0.1200% wide, more than the 0.1000% error rate (×0.80)"}},
		{"An interval as wide as the error rate costs nothing.", good, 0.001, 1, "high", nil},
		{"Drift beyond 0.8 of the error rate costs 0.8.", func() stats.Quality {
			q := good()
			q.Drift = -0.0009
			return q
		}, 0, 0.8, "high", []string{"availability drifted by -0.0900% between the first and last thirds of the history, more than 80% of the 0.1000% error rate (×0.80)"}},
		{"Drift within 0.8 of the error rate costs nothing.", func() stats.Quality {
			q := good()
			q.Drift = 0.0008
			return q
		}, 0, 1, "high", nil},
		{"Penalties compound: 0.9 × 0.5 × 0.6 × 0.8 = 0.216.", func() stats.Quality {
			q := good()
			q.Coverage, q.HistoryDays, q.LowVolume, q.Drift = 0.9, 14, true, 0.002
			return q
		}, 0, 0.216, "low", nil},
		{"No requests: zero.", func() stats.Quality { return stats.Quality{Buckets: 10, Reasons: []string{"no traffic in any bucket"}} }, 0, 0, "low",
			[]string{"no metrics: nothing measured, so the target rests on the dependency graph and priors"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := stats.DataConfidence(tt.q(), tt.ciWidth)
			require.InDelta(t, tt.score, c.Score, 1e-12)
			require.Equal(t, tt.level, c.Level)
			if tt.reasons != nil || tt.score == 1 {
				require.Equal(t, tt.reasons, c.Reasons)
			}
		})
	}
}

func TestDataConfidenceLevels(t *testing.T) {
	for _, tt := range []struct {
		days  float64
		level string
	}{{21, "high"}, {20.9, "medium"}, {14, "medium"}, {13.9, "low"}} {
		q := stats.Quality{Coverage: 1, HistoryDays: tt.days, Requests: 1e6, Errors: 100}
		require.Equal(t, tt.level, stats.DataConfidence(q, 0).Level, "%v days", tt.days)
	}
}
