package scorecard_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/reasoning/scorecard"
)

func TestEvaluateHealth(t *testing.T) {
	tests := map[string]struct {
		svc        scorecard.Service
		wantHealth scorecard.Health
		wantIssues map[scorecard.Area]int // points per area
	}{
		"A service with no issue is healthy.": {
			svc:        healthy("checkout"),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{},
		},
		// Predict 5. SLO breach 2 + reliability 60 (50–69) 1 + governance
		// compliant 0 = 3 points: at least 2 and below 4, degraded.
		"An SLO breach, a reliability score of 60 and full governance make 3 points: degraded.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				breachSLO(s)
				scoreSixty(s)
			}),
			wantHealth: scorecard.Degraded,
			wantIssues: map[scorecard.Area]int{scorecard.AreaSLO: 2, scorecard.AreaReliability: 1},
		},
		"An SLO breach alone makes 2 points: degraded.": {
			svc:        with(healthy("checkout"), breachSLO),
			wantHealth: scorecard.Degraded,
			wantIssues: map[scorecard.Area]int{scorecard.AreaSLO: 2},
		},
		"Several breached SLOs are one 2-point issue.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.SLOs = []scorecard.SLOMeasurement{
					{Name: "availability", Target: 0.999, Current: 0.99},
					{Name: "latency", Target: 0.99, Current: 0.95},
				}
			}),
			wantHealth: scorecard.Degraded,
			wantIssues: map[scorecard.Area]int{scorecard.AreaSLO: 2},
		},
		"A reliability score of 60 alone makes 1 point: healthy.": {
			svc:        with(healthy("checkout"), scoreSixty),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{scorecard.AreaReliability: 1},
		},
		// Uptime 98% (0) + MTTR 300 min (0) + no incidents (20) + CFR 5%
		// (15) = 35, below 50.
		"A reliability score below 50 alone makes 2 points: degraded.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Reliability = scorecard.Reliability{Uptime: 0.98, MTTRMinutes: 300, Incidents30d: 0, ChangeFailureRate: 0.05}
			}),
			wantHealth: scorecard.Degraded,
			wantIssues: map[scorecard.Area]int{scorecard.AreaReliability: 2},
		},
		// 2 + 2 = 4.
		"An SLO breach with a reliability score below 50 makes 4 points: critical.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				breachSLO(s)
				scoreZero(s)
			}),
			wantHealth: scorecard.Critical,
			wantIssues: map[scorecard.Area]int{scorecard.AreaSLO: 2, scorecard.AreaReliability: 2},
		},
		"Partial governance alone makes 1 point: healthy.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Governance.Documentation = false
			}),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{scorecard.AreaGovernance: 1},
		},
		"Non-compliant governance also makes 1 point: healthy.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Governance = scorecard.Governance{}
			}),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{scorecard.AreaGovernance: 1},
		},
		"Being over budget alone makes 1 point: healthy.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Cost.BudgetMonthly = 910
			}),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{scorecard.AreaCost: 1},
		},
		"A spiking cost under budget makes 1 point: healthy.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Cost = scorecard.Cost{BudgetMonthly: 5000, Entries: months(2800, 3500)}
			}),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{scorecard.AreaCost: 1},
		},
		"A spiking cost over budget is still 1 point: healthy.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Cost = scorecard.Cost{BudgetMonthly: 3000, Entries: months(2800, 3500)}
			}),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{scorecard.AreaCost: 1},
		},
		"A spiking cost with no budget set is 1 point, for the spike.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Cost = scorecard.Cost{Entries: months(2800, 3500)}
			}),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{scorecard.AreaCost: 1},
		},
		"Governance and cost problems together make 2 points: degraded.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.Governance.Runbook = false
				s.Cost.BudgetMonthly = 910
			}),
			wantHealth: scorecard.Degraded,
			wantIssues: map[scorecard.Area]int{scorecard.AreaGovernance: 1, scorecard.AreaCost: 1},
		},
		// 2 + 2 + 1 + 1 = 6.
		"Every problem at once makes the worst case of 6 points: critical.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				breachSLO(s)
				scoreZero(s)
				s.Governance = scorecard.Governance{}
				s.Cost = scorecard.Cost{BudgetMonthly: 3000, Entries: months(2800, 3500)}
			}),
			wantHealth: scorecard.Critical,
			wantIssues: map[scorecard.Area]int{scorecard.AreaSLO: 2, scorecard.AreaReliability: 2, scorecard.AreaGovernance: 1, scorecard.AreaCost: 1},
		},
		"A service without SLOs has none breached.": {
			svc: with(healthy("checkout"), func(s *scorecard.Service) {
				s.SLOs = nil
			}),
			wantHealth: scorecard.Healthy,
			wantIssues: map[scorecard.Area]int{},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			card, err := scorecard.Evaluate(tt.svc)
			require.NoError(t, err)
			require.Equal(t, tt.wantHealth, card.Health)
			got := map[scorecard.Area]int{}
			total := 0
			for _, is := range card.Issues {
				_, dup := got[is.Area]
				require.False(t, dup, "one issue per area, got two for %s", is.Area)
				require.NotEmpty(t, is.Reason)
				got[is.Area] = is.Points
				total += is.Points
			}
			require.Equal(t, tt.wantIssues, got)
			require.Equal(t, total, card.Points)
		})
	}
}

func TestEvaluateReasons(t *testing.T) {
	card, err := scorecard.Evaluate(with(healthy("checkout"), func(s *scorecard.Service) {
		s.SLOs[0] = scorecard.SLOMeasurement{Name: "availability", Target: 0.9999, Current: 0.998}
		scoreSixty(s)
		s.Governance.Documentation = false
		s.Governance.IncidentResponse = false
		s.Cost = scorecard.Cost{BudgetMonthly: 3000, Entries: months(2800, 3500)}
	}))
	require.NoError(t, err)
	require.Equal(t, []scorecard.Issue{
		{Area: scorecard.AreaSLO, Points: 2, Reason: "SLO breached: availability at 99.8% against 99.99%"},
		{Area: scorecard.AreaReliability, Points: 1, Reason: "reliability score 60/100 is below 70"},
		{Area: scorecard.AreaGovernance, Points: 1, Reason: "governance partial: 3 of 5 checks pass; failing: documentation, incident_response"},
		{Area: scorecard.AreaCost, Points: 1, Reason: "2026-09 cost 3500.00 exceeds the monthly budget of 3000.00; cost is spiking, +25% month over month"},
	}, card.Issues)
	require.Equal(t, scorecard.Critical, card.Health) // 2+1+1+1 = 5
}
