package scorecard_test

import "github.com/slorec/slorec/reasoning/scorecard"

// healthy returns a fresh service that raises no issue: its SLO is met,
// its reliability scores 100, it passes every governance check, and its
// cost is stable and under budget.
func healthy(id string) scorecard.Service {
	return scorecard.Service{
		ID:   id,
		Team: "payments",
		SLOs: []scorecard.SLOMeasurement{
			{Name: "availability", Target: 0.999, Current: 0.9995, WindowDays: 30},
		},
		Cost: scorecard.Cost{
			BudgetMonthly: 1000,
			Entries: []scorecard.CostEntry{
				{Month: "2026-09", Amount: 900},
				{Month: "2026-10", Amount: 920},
			},
		},
		Reliability: scorecard.Reliability{Uptime: 0.9999, MTTRMinutes: 5, Incidents30d: 0, ChangeFailureRate: 0.05},
		Governance:  scorecard.Governance{Runbook: true, Monitoring: true, Owner: true, Documentation: true, IncidentResponse: true},
	}
}

// with returns s after applying change; s is a fresh fixture, so changes to
// its slices touch nothing else.
func with(s scorecard.Service, change func(*scorecard.Service)) scorecard.Service {
	change(&s)
	return s
}

// breachSLO makes the service's SLO miss its target: 99.8% against 99.9%.
func breachSLO(s *scorecard.Service) { s.SLOs[0].Current = 0.998 }

// scoreSixty gives the service a reliability score of 60:
// uptime 99.5% (25) + MTTR 15 min (20) + 1 incident (15) + CFR 40% (0).
func scoreSixty(s *scorecard.Service) {
	s.Reliability = scorecard.Reliability{Uptime: 0.995, MTTRMinutes: 15, Incidents30d: 1, ChangeFailureRate: 0.40}
}

// scoreZero gives the service a reliability score of 0: every dimension
// is below its last tier.
func scoreZero(s *scorecard.Service) {
	s.Reliability = scorecard.Reliability{Uptime: 0.98, MTTRMinutes: 300, Incidents30d: 6, ChangeFailureRate: 0.5}
}
