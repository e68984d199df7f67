package scorecard_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// fleet returns one healthy service and one degraded by an SLO breach.
func fleet() []scorecard.Service {
	return []scorecard.Service{
		healthy("catalog"),
		with(healthy("checkout"), breachSLO),
	}
}

// critical returns a service with an SLO breach (2) and a reliability
// score of 0 (2): 4 points.
func critical(id string) scorecard.Service {
	return with(healthy(id), func(s *scorecard.Service) {
		breachSLO(s)
		scoreZero(s)
	})
}

func TestSummarize(t *testing.T) {
	tests := map[string]struct {
		services []scorecard.Service
		want     scorecard.Report
		order    []string
	}{
		"An empty fleet gives a report of zeros, not a division by zero.": {
			services: nil,
			want:     scorecard.Report{Services: []scorecard.Card{}},
		},
		// Healthy catalog scores 100, degraded checkout scores 100:
		// average 100. Costs 920 + 920.
		"One healthy and one degraded service count 1/1/0.": {
			services: fleet(),
			want: scorecard.Report{
				TotalServices:      2,
				Health:             scorecard.HealthCounts{Healthy: 1, Degraded: 1, Critical: 0},
				SLOs:               2,
				SLOsBreached:       1,
				TotalMonthlyCost:   1840,
				AverageReliability: 100,
			},
			order: []string{"checkout", "catalog"},
		},
		// Predict 6. The third service has 4 points and is critical, so the
		// breakdown goes from 1/1/0 to 1/1/1 and it sorts first. Its score
		// of 0 brings the average to (100+100+0)/3 = 66.67; its breach makes
		// 2 of 3 SLOs breached.
		"Adding a critical service to one healthy and one degraded counts 1/1/1.": {
			services: append(fleet(), critical("search")),
			want: scorecard.Report{
				TotalServices:      3,
				Health:             scorecard.HealthCounts{Healthy: 1, Degraded: 1, Critical: 1},
				SLOs:               3,
				SLOsBreached:       2,
				TotalMonthlyCost:   2760,
				AverageReliability: 200.0 / 3,
			},
			order: []string{"search", "checkout", "catalog"},
		},
		"Services without cost entries add nothing to the total.": {
			services: []scorecard.Service{
				healthy("catalog"),
				with(healthy("search"), func(s *scorecard.Service) { s.Cost = scorecard.Cost{} }),
			},
			want: scorecard.Report{
				TotalServices:      2,
				Health:             scorecard.HealthCounts{Healthy: 2},
				SLOs:               2,
				TotalMonthlyCost:   920,
				AverageReliability: 100,
			},
			order: []string{"catalog", "search"},
		},
		// y has 3 points; z, w and x have 2 each, z with a score of 35
		// (98% uptime 0 + 300 min MTTR 0 + 20 + 15) and w, x with 100, tied
		// until the id. Average (4×100 + 60 + 35)/6 = 82.5.
		"Worse health sorts first, then more points, then a lower score, then the id.": {
			services: []scorecard.Service{
				healthy("b"),
				healthy("a"),
				with(healthy("x"), breachSLO),
				with(healthy("y"), func(s *scorecard.Service) { breachSLO(s); scoreSixty(s) }),
				with(healthy("z"), func(s *scorecard.Service) {
					s.Reliability = scorecard.Reliability{Uptime: 0.98, MTTRMinutes: 300, ChangeFailureRate: 0.05}
				}),
				with(healthy("w"), func(s *scorecard.Service) { s.Governance.Owner = false; s.Cost.BudgetMonthly = 1 }),
			},
			want: scorecard.Report{
				TotalServices:      6,
				Health:             scorecard.HealthCounts{Healthy: 2, Degraded: 4},
				SLOs:               6,
				SLOsBreached:       2,
				TotalMonthlyCost:   5520,
				AverageReliability: 82.5,
			},
			order: []string{"y", "z", "w", "x", "a", "b"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := scorecard.Summarize(tt.services)
			require.NoError(t, err)
			var order []string
			for _, c := range got.Services {
				order = append(order, c.Service)
			}
			require.Equal(t, tt.order, order)
			require.InDelta(t, tt.want.AverageReliability, got.AverageReliability, 1e-9)
			require.InDelta(t, tt.want.TotalMonthlyCost, got.TotalMonthlyCost, 1e-9)
			got.Services, got.AverageReliability, got.TotalMonthlyCost = nil, 0, 0
			tt.want.Services, tt.want.AverageReliability, tt.want.TotalMonthlyCost = nil, 0, 0
			require.Equal(t, tt.want, got)
		})
	}
}

func TestSummarizeDoesNotModifyServices(t *testing.T) {
	services := append(fleet(), critical("search"))
	// Out-of-order cost entries would be sorted in place by a careless
	// implementation.
	services[0].Cost.Entries = []scorecard.CostEntry{{Month: "2026-10", Amount: 920}, {Month: "2026-09", Amount: 900}}
	want := append(fleet(), critical("search"))
	want[0].Cost.Entries = []scorecard.CostEntry{{Month: "2026-10", Amount: 920}, {Month: "2026-09", Amount: 900}}

	_, err := scorecard.Summarize(services)
	require.NoError(t, err)
	require.Equal(t, want, services)
}

func TestSummarizeRejectsInvalidFleets(t *testing.T) {
	tests := map[string]struct {
		services []scorecard.Service
		want     string
	}{
		"Duplicate service ids should error.": {
			services: []scorecard.Service{healthy("checkout"), healthy("checkout")},
			want:     `services[1]: duplicate service id "checkout"`,
		},
		"An invalid service should error with its index.": {
			services: []scorecard.Service{healthy("catalog"), with(healthy("checkout"), func(s *scorecard.Service) { s.Reliability.Uptime = 99.95 })},
			want:     `services[1]: service "checkout": reliability.uptime: 99.95 looks like a percentage; use a ratio (0.999 for 99.9%)`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := scorecard.Summarize(tt.services)
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			require.Equal(t, tt.want, slorec.ErrorMessage(err))
		})
	}
}

// TestReportJSON pins the wire names the API serves.
func TestReportJSON(t *testing.T) {
	report, err := scorecard.Summarize([]scorecard.Service{with(healthy("checkout"), breachSLO)})
	require.NoError(t, err)
	b, err := json.Marshal(report)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))

	require.ElementsMatch(t, []string{"total_services", "health", "slos", "slos_breached", "total_monthly_cost", "average_reliability", "services"}, keys(doc))
	require.Equal(t, map[string]any{"healthy": 0.0, "degraded": 1.0, "critical": 0.0}, doc["health"])

	card := doc["services"].([]any)[0].(map[string]any)
	require.ElementsMatch(t, []string{"service", "team", "health", "points", "issues", "slos", "cost", "reliability", "governance"}, keys(card))
	require.Equal(t, "degraded", card["health"])
	require.ElementsMatch(t, []string{"area", "points", "reason"}, keys(card["issues"].([]any)[0].(map[string]any)))
	require.ElementsMatch(t, []string{"name", "target", "current", "window_days", "met", "budget_remaining", "budget_consumed", "budget_minutes", "consumed_minutes", "remaining_minutes"}, keys(card["slos"].([]any)[0].(map[string]any)))
	require.ElementsMatch(t, []string{"latest_month", "latest", "change", "trend", "budget_set", "budget_monthly", "over_budget"}, keys(card["cost"].(map[string]any)))
	require.ElementsMatch(t, []string{"score", "uptime", "mttr", "incidents", "change_failure_rate"}, keys(card["reliability"].(map[string]any)))
	gov := card["governance"].(map[string]any)
	require.ElementsMatch(t, []string{"status", "passed", "checks"}, keys(gov))
	require.ElementsMatch(t, []string{"name", "passed"}, keys(gov["checks"].([]any)[0].(map[string]any)))

	empty, err := scorecard.Summarize(nil)
	require.NoError(t, err)
	b, err = json.Marshal(empty)
	require.NoError(t, err)
	require.Contains(t, string(b), `"services":[]`, "an empty fleet serves an empty list, not null")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
