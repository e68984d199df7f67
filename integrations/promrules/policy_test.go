package promrules_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/promrules"
)

const day = 24 * time.Hour

// TestBurnRates checks the default policy's factors against hand
// computation: budget share × SLO window / long window. The 30-day values
// are the SRE Workbook's table 5-8, exactly.
func TestBurnRates(t *testing.T) {
	tests := []struct {
		name string
		days int
		want [4]float64 // page 1h, page 6h, ticket 1d, ticket 3d
	}{
		{"A 30-day window should give the Workbook's 14.4, 6, 3 and 1.", 30, [4]float64{14.4, 6, 3, 1}},
		// 0.02×672h/1h, 0.05×672/6, 0.1×28, 0.1×28/3.
		{"A 28-day window should scale by 28/30.", 28, [4]float64{13.44, 5.6, 2.8, 0.9333333333}},
		// 0.02×168, 0.05×168/6, 0.1×7, 0.1×7/3.
		{"A 7-day window should scale by 7/30.", 7, [4]float64{3.36, 1.4, 0.7, 0.2333333333}},
		{"A 90-day window should scale by 3.", 90, [4]float64{43.2, 18, 9, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := promrules.DefaultPolicy()
			slo := time.Duration(tt.days) * day
			got := [4]float64{
				p[0].Windows[0].BurnRate(slo), p[0].Windows[1].BurnRate(slo),
				p[1].Windows[0].BurnRate(slo), p[1].Windows[1].BurnRate(slo),
			}
			for i := range got {
				require.InDelta(t, tt.want[i], got[i], 1e-9, "factor %d", i)
			}
			if tt.days == 30 {
				require.Equal(t, tt.want, got, "30 days must give the Workbook's numbers exactly")
			}
		})
	}
}

// TestBurnRateSpendsTheBudgetShare checks the law behind the factors: a
// burn at the threshold rate for the long window spends exactly the
// condition's budget share, whatever the SLO window.
func TestBurnRateSpendsTheBudgetShare(t *testing.T) {
	for _, days := range []int{3, 7, 14, 28, 30, 31, 90, 365} {
		slo := time.Duration(days) * day
		for _, a := range promrules.DefaultPolicy() {
			for _, w := range a.Windows {
				spent := w.BurnRate(slo) * w.Long.Hours() / slo.Hours()
				require.InDelta(t, w.BudgetSpent, spent, 1e-9, "%dd %s/%s", days, w.Long, w.Short)
			}
		}
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := promrules.DefaultPolicy()
	require.Equal(t, []promrules.Alert{
		{Severity: "page", For: 2 * time.Minute, Windows: []promrules.Window{
			{Long: time.Hour, Short: 5 * time.Minute, BudgetSpent: 0.02},
			{Long: 6 * time.Hour, Short: 30 * time.Minute, BudgetSpent: 0.05},
		}},
		{Severity: "ticket", For: 15 * time.Minute, Windows: []promrules.Window{
			{Long: day, Short: 2 * time.Hour, BudgetSpent: 0.1},
			{Long: 3 * day, Short: 6 * time.Hour, BudgetSpent: 0.1},
		}},
	}, p)
	// Each call returns a fresh value: changing one does not change the
	// next.
	p[0].Windows[0].BudgetSpent = 1
	require.InDelta(t, 0.02, promrules.DefaultPolicy()[0].Windows[0].BudgetSpent, 0)
}

// TestExportedConditions checks the factors and thresholds Generate
// reports for a 28-day SLO at 99.5%.
func TestExportedConditions(t *testing.T) {
	res, err := promrules.Generate([]slorec.SLO{{Service: "cart", SLI: slorec.Availability, Target: 0.995, WindowDays: 28}}, nil, promrules.Options{})
	require.NoError(t, err)
	require.Len(t, res.SLOs, 1)
	ex := res.SLOs[0]
	require.Equal(t, "cart-availability", ex.Name)
	require.InDelta(t, 0.005, ex.ErrorBudget, 1e-15)
	require.Equal(t, []promrules.ExportedAlert{
		{Severity: "page", For: "2m", Conditions: []promrules.Condition{
			{Long: "1h", Short: "5m", BurnRate: 13.44, ErrorRatio: 0.0672},
			{Long: "6h", Short: "30m", BurnRate: 5.6, ErrorRatio: 0.028},
		}},
		{Severity: "ticket", For: "15m", Conditions: []promrules.Condition{
			{Long: "1d", Short: "2h", BurnRate: 2.8, ErrorRatio: 0.014},
			{Long: "3d", Short: "6h", BurnRate: 0.9333333333, ErrorRatio: 0.004666666667},
		}},
	}, ex.Alerts)
	require.Empty(t, res.Warnings)
}
