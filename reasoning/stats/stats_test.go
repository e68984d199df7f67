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
		{"Below 1 ms gives 1 ms.", 0.3, 1},
		{"Zero gives 1 ms.", 0, 1},
		{"Negative gives 1 ms.", -5, 1},
		{"NaN gives 1 ms.", math.NaN(), 1},
		{"Two digits stay.", 250, 250},
		{"Just above two digits rounds up.", 250.001, 260},
		{"Float noise below a value stays on it.", 200 * 1.1 / 1.1, 200},
		{"A fraction under 10 ms keeps one decimal.", 5.21, 5.3},
		{"Under 100 ms: whole milliseconds.", 52.3, 53},
		{"Seconds: hundreds of milliseconds.", 1234, 1300},
		{"Minutes.", 61234, 62000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, stats.SnapUpMs(tt.v))
		})
	}
	for i := 1; i < len(stats.DefaultLadder); i++ {
		require.Less(t, stats.DefaultLadder[i-1], stats.DefaultLadder[i], "ladder ascending")
	}
}

func TestCeilSignificant(t *testing.T) {
	tests := []struct {
		v      float64
		digits int
		want   float64
	}{
		{0.02242, 2, 0.023},
		{0.00589, 2, 0.0059},
		{0.001, 2, 0.001},
		{1 - 0.999, 2, 0.001}, // 0.0010000000000000009 stays
		{0.0010001, 2, 0.0011},
		{123, 1, 200},
		{9.99, 2, 10},
		{0, 2, 0},
		{-1, 2, -1},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, stats.CeilSignificant(tt.v, tt.digits), "%v to %d digits", tt.v, tt.digits)
	}
	require.True(t, math.IsInf(stats.CeilSignificant(math.Inf(1), 2), 1))
}
