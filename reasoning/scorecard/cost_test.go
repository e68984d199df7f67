package scorecard_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/reasoning/scorecard"
)

// months returns cost entries for consecutive months from 2026-08.
func months(amounts ...float64) []scorecard.CostEntry {
	names := []string{"2026-08", "2026-09", "2026-10", "2026-11", "2026-12"}
	entries := make([]scorecard.CostEntry, len(amounts))
	for i, a := range amounts {
		entries[i] = scorecard.CostEntry{Month: names[i], Amount: a}
	}
	return entries
}

func TestEvaluateCostTrend(t *testing.T) {
	tests := map[string]struct {
		entries    []scorecard.CostEntry
		wantChange float64
		wantTrend  scorecard.Trend
	}{
		// Predict 2. (3500−2800)/2800 = 700/2800 = 0.25, +25% > +20%.
		"Going from $2,800 to $3,500 is +25%, spiking.": {
			entries: months(2800, 3500), wantChange: 0.25, wantTrend: scorecard.TrendSpiking,
		},
		"Exactly +20% is increasing, not spiking.": {
			entries: months(1000, 1200), wantChange: 0.20, wantTrend: scorecard.TrendIncreasing,
		},
		// (0.42−0.35)/0.35 computes to 0.20000000000000004.
		"+20% that computes a few ulps above 0.2 is still increasing.": {
			entries: months(0.35, 0.42), wantChange: 0.20, wantTrend: scorecard.TrendIncreasing,
		},
		"+10% is increasing.": {
			entries: months(1000, 1100), wantChange: 0.10, wantTrend: scorecard.TrendIncreasing,
		},
		// (0.63−0.60)/0.60 computes to 0.050000000000000044.
		"Exactly +5% is stable, even when it computes a few ulps above.": {
			entries: months(0.60, 0.63), wantChange: 0.05, wantTrend: scorecard.TrendStable,
		},
		// (0.19−0.20)/0.20 computes to −0.050000000000000044.
		"Exactly −5% is stable, even when it computes a few ulps below.": {
			entries: months(0.20, 0.19), wantChange: -0.05, wantTrend: scorecard.TrendStable,
		},
		"−10% is decreasing.": {
			entries: months(1000, 900), wantChange: -0.10, wantTrend: scorecard.TrendDecreasing,
		},
		"Only the last two months count.": {
			entries: months(100, 5000, 5100), wantChange: 0.02, wantTrend: scorecard.TrendStable,
		},
		"A single month is stable.": {
			entries: months(5000), wantChange: 0, wantTrend: scorecard.TrendStable,
		},
		"No entries are stable.": {
			entries: nil, wantChange: 0, wantTrend: scorecard.TrendStable,
		},
		"Growth from a month that cost nothing is stable, having no ratio.": {
			entries: months(0, 500), wantChange: 0, wantTrend: scorecard.TrendStable,
		},
		"Entries out of order are read in month order.": {
			entries: []scorecard.CostEntry{
				{Month: "2026-10", Amount: 3500},
				{Month: "2026-09", Amount: 2800},
			},
			wantChange: 0.25, wantTrend: scorecard.TrendSpiking,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := scorecard.EvaluateCost(scorecard.Cost{Entries: tt.entries})
			require.InDelta(t, tt.wantChange, got.Change, 1e-9)
			require.Equal(t, tt.wantTrend, got.Trend)
		})
	}
}

func TestEvaluateCostBudget(t *testing.T) {
	tests := map[string]struct {
		cost          scorecard.Cost
		wantBudgetSet bool
		wantOver      bool
		wantLatest    float64
	}{
		"Spending above a set budget is over budget.": {
			cost:          scorecard.Cost{BudgetMonthly: 3000, Entries: months(2800, 3500)},
			wantBudgetSet: true, wantOver: true, wantLatest: 3500,
		},
		"Spending exactly the budget is not over it.": {
			cost:          scorecard.Cost{BudgetMonthly: 3500, Entries: months(2800, 3500)},
			wantBudgetSet: true, wantOver: false, wantLatest: 3500,
		},
		"Only the latest month is held against the budget.": {
			cost:          scorecard.Cost{BudgetMonthly: 3000, Entries: months(9000, 2900)},
			wantBudgetSet: true, wantOver: false, wantLatest: 2900,
		},
		"A budget of 0 means no budget is set, so spending is never over it.": {
			cost:          scorecard.Cost{BudgetMonthly: 0, Entries: months(2800, 1_000_000)},
			wantBudgetSet: false, wantOver: false, wantLatest: 1_000_000,
		},
		"No entries are never over budget.": {
			cost:          scorecard.Cost{BudgetMonthly: 3000},
			wantBudgetSet: true, wantOver: false, wantLatest: 0,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := scorecard.EvaluateCost(tt.cost)
			require.Equal(t, tt.wantBudgetSet, got.BudgetSet)
			require.Equal(t, tt.wantOver, got.OverBudget)
			require.Equal(t, tt.wantLatest, got.Latest)
			require.Equal(t, tt.cost.BudgetMonthly, got.BudgetMonthly)
		})
	}
}

func TestEvaluateCostDoesNotReorderEntries(t *testing.T) {
	entries := []scorecard.CostEntry{{Month: "2026-10", Amount: 2}, {Month: "2026-09", Amount: 1}}
	got := scorecard.EvaluateCost(scorecard.Cost{Entries: entries})
	require.Equal(t, "2026-10", got.LatestMonth)
	require.Equal(t, []scorecard.CostEntry{{Month: "2026-10", Amount: 2}, {Month: "2026-09", Amount: 1}}, entries)
}
