package scorecard

// Reliability is a service's operational record over the last 30 days.
type Reliability struct {
	// Uptime is the fraction of the period the service was up (0.9995).
	Uptime float64 `json:"uptime"`
	// MTTRMinutes is the mean time to restore service after an incident.
	MTTRMinutes float64 `json:"mttr_minutes"`
	// Incidents30d counts incidents in the last 30 days.
	Incidents30d int `json:"incidents_30d"`
	// ChangeFailureRate is the fraction of deployments that caused a
	// failure in production (0.05).
	ChangeFailureRate float64 `json:"change_failure_rate"`
}

// ReliabilityScore is a 0–100 reliability score with the points each
// dimension earned.
type ReliabilityScore struct {
	// Score is the sum of the four dimensions' points.
	Score             int `json:"score"`
	Uptime            int `json:"uptime"`
	MTTR              int `json:"mttr"`
	Incidents         int `json:"incidents"`
	ChangeFailureRate int `json:"change_failure_rate"`
}

// ScoreReliability scores r out of 100: uptime 40, MTTR 25, incidents 20,
// change failure rate 15. Each dimension earns the points of the first tier
// it reaches; bounds are inclusive, and values within 1e-9 of a bound count
// as on it, so an uptime computed as 0.7+0.2+0.099 still reaches 99.9%.
//
//	Uptime (40)     MTTR (25)        Incidents, 30d (20)  Change failure rate (15)
//	>= 99.99%  40   <= 5 min    25   0     20             <= 5%   15
//	>= 99.9%   35   <= 15 min   20   1     15             <= 10%  12
//	>= 99.5%   25   <= 30 min   15   2     10             <= 15%   8
//	>= 99%     15   <= 60 min   10   3–5    5             <= 30%   4
//	below       0   <= 240 min   5   more   0             above    0
//	                longer       0
//
// The uptime tiers are the usual "nines", whose 30-day downtime allowances
// are about 4 min, 43 min, 3.6 h and 7.2 h. The MTTR tiers step from
// paging-speed recovery to DORA's one-hour restore line (elite teams restore
// in under an hour) and a four-hour ceiling. The change failure rate tiers
// follow the DORA 2023 State of DevOps performance clusters (elite 5%, high
// 10%, medium 15%), with 30% as the upper edge of the 16–30% band of earlier
// reports.
//
// A service at 99.95% uptime with an 8-minute MTTR, one incident and a 5%
// change failure rate scores 35 + 20 + 15 + 15 = 85.
func ScoreReliability(r Reliability) ReliabilityScore {
	s := ReliabilityScore{
		Uptime:            uptimePoints(r.Uptime),
		MTTR:              mttrPoints(r.MTTRMinutes),
		Incidents:         incidentPoints(r.Incidents30d),
		ChangeFailureRate: changeFailurePoints(r.ChangeFailureRate),
	}
	s.Score = s.Uptime + s.MTTR + s.Incidents + s.ChangeFailureRate
	return s
}

func uptimePoints(uptime float64) int {
	switch {
	case uptime >= 0.9999-eps:
		return 40
	case uptime >= 0.999-eps:
		return 35
	case uptime >= 0.995-eps:
		return 25
	case uptime >= 0.99-eps:
		return 15
	}
	return 0
}

func mttrPoints(minutes float64) int {
	switch {
	case minutes <= 5+eps:
		return 25
	case minutes <= 15+eps:
		return 20
	case minutes <= 30+eps:
		return 15
	case minutes <= 60+eps:
		return 10
	case minutes <= 240+eps:
		return 5
	}
	return 0
}

func incidentPoints(n int) int {
	switch {
	case n <= 0:
		return 20
	case n == 1:
		return 15
	case n == 2:
		return 10
	case n <= 5:
		return 5
	}
	return 0
}

func changeFailurePoints(rate float64) int {
	switch {
	case rate <= 0.05+eps:
		return 15
	case rate <= 0.10+eps:
		return 12
	case rate <= 0.15+eps:
		return 8
	case rate <= 0.30+eps:
		return 4
	}
	return 0
}
