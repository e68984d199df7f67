package scorecard_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/reasoning/scorecard"
)

func TestEvaluateSLO(t *testing.T) {
	tests := map[string]struct {
		in   scorecard.SLOMeasurement
		want scorecard.SLOStatus
	}{
		// Predict 1. Budget 1−0.9999 = 0.0001; spent 1−0.998 = 0.002, twenty
		// budgets. Remaining max(0, 0.0001−0.002)/0.0001 = 0. 0.998 < 0.9999:
		// not met. Over 30 days (43,200 min): budget 4.32 min, spent 86.4 min.
		"A 99.99% target at 99.8% has no budget left and is not met.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 0.9999, Current: 0.998, WindowDays: 30},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 0.9999, Current: 0.998, WindowDays: 30,
				Met: false, BudgetRemaining: 0, BudgetConsumed: 20,
				BudgetMinutes: 4.32, ConsumedMinutes: 86.4, RemainingMinutes: 0,
			},
		},
		// Budget 0.001, spent 0.0005: (0.001−0.0005)/0.001 = 0.5 remaining.
		// 30 days: budget 43.2 min, spent 21.6, left 21.6.
		"A 99.9% target at 99.95% has half its budget left.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 0.999, Current: 0.9995, WindowDays: 30},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 0.999, Current: 0.9995, WindowDays: 30,
				Met: true, BudgetRemaining: 0.5, BudgetConsumed: 0.5,
				BudgetMinutes: 43.2, ConsumedMinutes: 21.6, RemainingMinutes: 21.6,
			},
		},
		// 28 days = 40,320 min; budget 0.01 of it = 403.2 min, none spent.
		"A perfect record keeps the whole budget.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 0.99, Current: 1, WindowDays: 28},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 0.99, Current: 1, WindowDays: 28,
				Met: true, BudgetRemaining: 1, BudgetConsumed: 0,
				BudgetMinutes: 403.2, ConsumedMinutes: 0, RemainingMinutes: 403.2,
			},
		},
		"Landing exactly on the target meets it with the budget spent.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 0.999, Current: 0.999, WindowDays: 30},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 0.999, Current: 0.999, WindowDays: 30,
				Met: true, BudgetRemaining: 0, BudgetConsumed: 1,
				BudgetMinutes: 43.2, ConsumedMinutes: 43.2, RemainingMinutes: 0,
			},
		},
		// 0.7+0.2+0.099 is 0.9989999999999999 in float64.
		"A current computed a few ulps below the target still meets it.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 0.999, Current: sum(0.7, 0.2, 0.099), WindowDays: 30},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 0.999, Current: sum(0.7, 0.2, 0.099), WindowDays: 30,
				Met: true, BudgetRemaining: 0, BudgetConsumed: 1,
				BudgetMinutes: 43.2, ConsumedMinutes: 43.2, RemainingMinutes: 0,
			},
		},
		"A missing window uses the 30-day default.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 0.999, Current: 0.9995},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 0.999, Current: 0.9995, WindowDays: 30,
				Met: true, BudgetRemaining: 0.5, BudgetConsumed: 0.5,
				BudgetMinutes: 43.2, ConsumedMinutes: 21.6, RemainingMinutes: 21.6,
			},
		},
		"A 100% target that is held has no budget and has spent none.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 1, Current: 1, WindowDays: 30},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 1, Current: 1, WindowDays: 30, Met: true,
			},
		},
		// No budget to divide by: consumed is reported as 1, not infinity.
		"A 100% target that is missed has no budget and has spent all of it.": {
			in: scorecard.SLOMeasurement{Name: "availability", Target: 1, Current: 0.999, WindowDays: 30},
			want: scorecard.SLOStatus{
				Name: "availability", Target: 1, Current: 0.999, WindowDays: 30,
				Met: false, BudgetConsumed: 1, ConsumedMinutes: 43.2,
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := scorecard.EvaluateSLO(tt.in)
			require.Equal(t, tt.want.Name, got.Name)
			require.Equal(t, tt.want.Target, got.Target)
			require.Equal(t, tt.want.Current, got.Current)
			require.Equal(t, tt.want.WindowDays, got.WindowDays)
			require.Equal(t, tt.want.Met, got.Met)
			require.InDelta(t, tt.want.BudgetRemaining, got.BudgetRemaining, 1e-9)
			require.InDelta(t, tt.want.BudgetConsumed, got.BudgetConsumed, 1e-9)
			require.InDelta(t, tt.want.BudgetMinutes, got.BudgetMinutes, 1e-6)
			require.InDelta(t, tt.want.ConsumedMinutes, got.ConsumedMinutes, 1e-6)
			require.InDelta(t, tt.want.RemainingMinutes, got.RemainingMinutes, 1e-6)
		})
	}
}

// sum adds its arguments at run time, so the compiler's exact constant
// arithmetic cannot hide float64 rounding.
func sum(xs ...float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
