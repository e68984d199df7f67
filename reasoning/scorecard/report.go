package scorecard

import (
	"cmp"
	"slices"

	"github.com/slorec/slorec"
)

// HealthCounts counts services by health.
type HealthCounts struct {
	Healthy  int `json:"healthy"`
	Degraded int `json:"degraded"`
	Critical int `json:"critical"`
}

// Report is the scorecard of a fleet.
type Report struct {
	TotalServices int          `json:"total_services"`
	Health        HealthCounts `json:"health"`
	// SLOs counts the SLOs of all services; SLOsBreached those not met.
	SLOs         int `json:"slos"`
	SLOsBreached int `json:"slos_breached"`
	// TotalMonthlyCost sums each service's latest monthly cost. Services
	// report their own latest month, which is the same month when the
	// fleet's cost data is current.
	TotalMonthlyCost float64 `json:"total_monthly_cost"`
	// AverageReliability is the mean reliability score, 0 for an empty
	// fleet.
	AverageReliability float64 `json:"average_reliability"`
	// Services holds one card per service, worst first: by health, then
	// issue points, then reliability score ascending, then id.
	Services []Card `json:"services"`
}

// Summarize validates every service and returns the fleet's report. An
// empty fleet gives a report of zeros with no services. Service ids must be
// unique. The services are only read, never modified.
func Summarize(services []Service) (Report, error) {
	seen := make(map[string]bool, len(services))
	for i := range services {
		s := &services[i]
		if err := s.Validate(); err != nil {
			return Report{}, slorec.Errorf(slorec.EINVALID, "services[%d]: %s", i, slorec.ErrorMessage(err))
		}
		if seen[s.ID] {
			return Report{}, slorec.Errorf(slorec.EINVALID, "services[%d]: duplicate service id %q", i, s.ID)
		}
		seen[s.ID] = true
	}

	r := Report{TotalServices: len(services), Services: make([]Card, 0, len(services))}
	reliability := 0
	for i := range services {
		c := evaluate(&services[i])
		r.Services = append(r.Services, c)
		switch c.Health {
		case Healthy:
			r.Health.Healthy++
		case Degraded:
			r.Health.Degraded++
		case Critical:
			r.Health.Critical++
		}
		r.SLOs += len(c.SLOs)
		for _, st := range c.SLOs {
			if !st.Met {
				r.SLOsBreached++
			}
		}
		r.TotalMonthlyCost += c.Cost.Latest
		reliability += c.Reliability.Score
	}
	if len(services) > 0 {
		r.AverageReliability = float64(reliability) / float64(len(services))
	}
	slices.SortStableFunc(r.Services, worstFirst)
	return r, nil
}

func worstFirst(a, b Card) int {
	return cmp.Or(
		cmp.Compare(b.Health.severity(), a.Health.severity()),
		cmp.Compare(b.Points, a.Points),
		cmp.Compare(a.Reliability.Score, b.Reliability.Score),
		cmp.Compare(a.Service, b.Service),
	)
}
