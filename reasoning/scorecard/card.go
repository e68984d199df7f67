package scorecard

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Health is the overall state of a service, from its issue points.
type Health string

// Health states; see the package documentation for the points.
const (
	Healthy  Health = "healthy"  // 0–1 points
	Degraded Health = "degraded" // 2–3 points
	Critical Health = "critical" // 4 or more points
)

// severity orders health states from best (0) to worst.
func (h Health) severity() int {
	switch h {
	case Critical:
		return 2
	case Degraded:
		return 1
	}
	return 0
}

// Area names the axis an issue comes from.
type Area string

// Areas.
const (
	AreaSLO         Area = "slo"
	AreaReliability Area = "reliability"
	AreaGovernance  Area = "governance"
	AreaCost        Area = "cost"
)

// Issue is one reason a service is less than healthy.
type Issue struct {
	Area   Area   `json:"area"`
	Points int    `json:"points"`
	Reason string `json:"reason"`
}

// Service is everything the scorecard knows about one service.
type Service struct {
	ID          string           `json:"id"`
	Team        string           `json:"team,omitempty"`
	SLOs        []SLOMeasurement `json:"slos"`
	Cost        Cost             `json:"cost"`
	Reliability Reliability      `json:"reliability"`
	Governance  Governance       `json:"governance"`
}

// Card is the scorecard of one service: its health, the issues behind it,
// and the verdict of each axis.
type Card struct {
	Service string `json:"service"`
	Team    string `json:"team,omitempty"`
	Health  Health `json:"health"`
	// Points is the sum of the issues' points.
	Points      int              `json:"points"`
	Issues      []Issue          `json:"issues"`
	SLOs        []SLOStatus      `json:"slos"`
	Cost        CostStatus       `json:"cost"`
	Reliability ReliabilityScore `json:"reliability"`
	Governance  GovernanceResult `json:"governance"`
}

// Issue points and health thresholds; the package documentation has the
// table and the reasoning.
const (
	sloBreachPoints  = 2
	unreliablePoints = 2 // score below unreliableScore
	shakyPoints      = 1 // score below shakyScore
	governancePoints = 1
	costPoints       = 1
	unreliableScore  = 50
	shakyScore       = 70
	criticalPoints   = 4
	degradedPoints   = 2
	maxScore         = 100
)

// Evaluate validates s and returns its scorecard. A service with a breached
// SLO (2 points) and a reliability score of 60 (1 point) that passes every
// governance check and keeps its cost in hand has 3 points: degraded.
// A service without SLOs has none breached.
func Evaluate(s Service) (Card, error) {
	if err := s.Validate(); err != nil {
		return Card{}, err
	}
	return evaluate(&s), nil
}

// evaluate assumes s is valid and reads it without modifying it.
func evaluate(s *Service) Card {
	c := Card{
		Service:     s.ID,
		Team:        s.Team,
		Issues:      []Issue{},
		SLOs:        make([]SLOStatus, 0, len(s.SLOs)),
		Cost:        EvaluateCost(s.Cost),
		Reliability: ScoreReliability(s.Reliability),
		Governance:  CheckGovernance(s.ID, s.Governance),
	}
	var breached []string
	for _, m := range s.SLOs {
		st := EvaluateSLO(m)
		c.SLOs = append(c.SLOs, st)
		if !st.Met {
			breached = append(breached, fmt.Sprintf("%s at %s against %s", st.Name, pct(st.Current), pct(st.Target)))
		}
	}
	if len(breached) > 0 {
		c.add(AreaSLO, sloBreachPoints, "SLO breached: "+strings.Join(breached, "; "))
	}

	switch score := c.Reliability.Score; {
	case score < unreliableScore:
		c.add(AreaReliability, unreliablePoints, fmt.Sprintf("reliability score %d/%d is below %d", score, maxScore, unreliableScore))
	case score < shakyScore:
		c.add(AreaReliability, shakyPoints, fmt.Sprintf("reliability score %d/%d is below %d", score, maxScore, shakyScore))
	}

	if g := c.Governance; g.Status != Compliant {
		var failed []string
		for _, ch := range g.Checks {
			if !ch.Passed {
				failed = append(failed, ch.Name)
			}
		}
		c.add(AreaGovernance, governancePoints, fmt.Sprintf("governance %s: %d of %d checks pass; failing: %s",
			g.Status, g.Passed, len(g.Checks), strings.Join(failed, ", ")))
	}

	var cost []string
	if c.Cost.OverBudget {
		cost = append(cost, fmt.Sprintf("%s cost %.2f exceeds the monthly budget of %.2f", c.Cost.LatestMonth, c.Cost.Latest, c.Cost.BudgetMonthly))
	}
	if c.Cost.Trend == TrendSpiking {
		cost = append(cost, fmt.Sprintf("cost is spiking, %s month over month", signedPct(c.Cost.Change)))
	}
	if len(cost) > 0 {
		c.add(AreaCost, costPoints, strings.Join(cost, "; "))
	}

	switch {
	case c.Points >= criticalPoints:
		c.Health = Critical
	case c.Points >= degradedPoints:
		c.Health = Degraded
	default:
		c.Health = Healthy
	}
	return c
}

func (c *Card) add(a Area, points int, reason string) {
	c.Issues = append(c.Issues, Issue{Area: a, Points: points, Reason: reason})
	c.Points += points
}

// pct formats a ratio as a percentage for prose, to at most three decimals:
// 0.9999 is "99.99%".
func pct(ratio float64) string {
	return strconv.FormatFloat(math.Round(ratio*1e5)/1e3, 'f', -1, 64) + "%"
}

// signedPct is pct with an explicit sign: "+25%".
func signedPct(ratio float64) string {
	if ratio >= 0 {
		return "+" + pct(ratio)
	}
	return pct(ratio)
}
