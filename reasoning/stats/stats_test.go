package stats_test

import (
	"math"
	"testing"

	"github.com/slorec/slorec/reasoning/stats"
	"github.com/stretchr/testify/require"
)

func TestTierCoverage(t *testing.T) {
	require.Equal(t, []stats.Tier{stats.Conservative, stats.Balanced, stats.Aspirational}, stats.Tiers)
	for tier, want := range map[stats.Tier]float64{stats.Conservative: 0.99, stats.Balanced: 0.95, stats.Aspirational: 0.80} {
		require.Equal(t, want, tier.Coverage(), tier)
	}
}

func TestSnapDown(t *testing.T) {
	tests := []struct {
		name   string
		v      float64
		ladder []float64
		want   float64
		ok     bool
	}{
		{"Between rungs snaps down.", 0.99949, stats.DefaultLadder, 0.999, true},
		{"On a rung stays.", 0.9995, stats.DefaultLadder, 0.9995, true},
		{"One ulp below a rung counts as on it.", math.Nextafter(0.9995, 0), stats.DefaultLadder, 0.9995, true},
		{"A computed ratio lands on its rung.", 1 - 5.0/10000, stats.DefaultLadder, 0.9995, true},
		{"Above the top rung gives the top rung.", 1, stats.DefaultLadder, 0.99999, true},
		{"The lowest rung itself.", 0.9, stats.DefaultLadder, 0.9, true},
		{"Below the lowest rung is not ok.", 0.8999, stats.DefaultLadder, 0, false},
		{"NaN is not ok.", math.NaN(), stats.DefaultLadder, 0, false},
		{"An empty ladder is not ok.", 0.99, nil, 0, false},
		{"An unsorted ladder still gives the largest rung below.", 0.97, []float64{0.99, 0.9, 0.95}, 0.95, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := stats.SnapDown(tt.v, tt.ladder)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSnapUpMs(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want float64
	}{
		{"Below the lowest rung gives it.", 0.3, 1},
		{"Zero gives the lowest rung.", 0, 1},
		{"Negative gives the lowest rung.", -5, 1},
		{"NaN gives the lowest rung.", math.NaN(), 1},
		{"On a rung stays.", 250, 250},
		{"Just above a rung snaps to the next.", 250.001, 300},
		{"Rungs are at most 25% apart.", 401, 500},
		{"Round values between the old 1-2-5 rungs.", 51, 60},
		{"Float noise below a rung stays on it.", 200 * 1.1 / 1.1, 200},
		{"Between rungs snaps up.", 201, 250},
		{"The top rung.", 60000, 60000},
		{"Above the top: the next whole second.", 60000.5, 61000},
		{"Above the top, on a whole second, stays.", 61000, 61000},
		{"Far above the top.", 123456, 124000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, stats.SnapUpMs(tt.v))
		})
	}
	for i := 1; i < len(stats.LatencyLadderMs); i++ {
		require.Less(t, stats.LatencyLadderMs[i-1], stats.LatencyLadderMs[i], "ladder ascending")
	}
	for i := 1; i < len(stats.DefaultLadder); i++ {
		require.Less(t, stats.DefaultLadder[i-1], stats.DefaultLadder[i], "ladder ascending")
	}
}
