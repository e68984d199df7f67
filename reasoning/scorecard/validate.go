package scorecard

import (
	"fmt"
	"math"
	"time"

	"github.com/slorec/slorec"
)

// Validate checks the service's inputs and returns the first problem found
// as a slorec.EINVALID error naming the field. It catches percentages given
// where ratios belong (99.9 for 0.999), which would otherwise score
// silently wrong.
func (s *Service) Validate() error {
	if s.ID == "" {
		return slorec.Errorf(slorec.EINVALID, "id: required")
	}
	if err := s.validate(); err != nil {
		return slorec.Errorf(slorec.EINVALID, "service %q: %s", s.ID, err.Error())
	}
	return nil
}

// validate returns the first problem, without the service prefix.
func (s *Service) validate() error {
	names := make(map[string]bool, len(s.SLOs))
	for i, m := range s.SLOs {
		switch {
		case m.Name == "":
			return fmt.Errorf("slos[%d].name: required", i)
		case names[m.Name]:
			return fmt.Errorf("slos[%d].name: duplicate SLO %q", i, m.Name)
		case !(m.Target > 0 && m.Target <= 1):
			return fmt.Errorf("slos[%d].target: %s", i, notRatio(m.Target, "(0,1]"))
		case !(m.Current >= 0 && m.Current <= 1):
			return fmt.Errorf("slos[%d].current: %s", i, notRatio(m.Current, "[0,1]"))
		case m.WindowDays < 0 || m.WindowDays > 366:
			return fmt.Errorf("slos[%d].window_days: %d is not in [1,366] (or 0 for the default)", i, m.WindowDays)
		}
		names[m.Name] = true
	}

	if !nonNegative(s.Cost.BudgetMonthly) {
		return fmt.Errorf("cost.budget_monthly: %v is not a non-negative number", s.Cost.BudgetMonthly)
	}
	months := make(map[string]bool, len(s.Cost.Entries))
	for i, e := range s.Cost.Entries {
		if t, err := time.Parse(monthLayout, e.Month); err != nil || t.Format(monthLayout) != e.Month {
			return fmt.Errorf("cost.entries[%d].month: %q is not a month in YYYY-MM form", i, e.Month)
		}
		if months[e.Month] {
			return fmt.Errorf("cost.entries[%d].month: duplicate month %s", i, e.Month)
		}
		months[e.Month] = true
		if !nonNegative(e.Amount) {
			return fmt.Errorf("cost.entries[%d].amount: %v is not a non-negative number", i, e.Amount)
		}
	}

	r := s.Reliability
	switch {
	case !(r.Uptime >= 0 && r.Uptime <= 1):
		return fmt.Errorf("reliability.uptime: %s", notRatio(r.Uptime, "[0,1]"))
	case !nonNegative(r.MTTRMinutes):
		return fmt.Errorf("reliability.mttr_minutes: %v is not a non-negative number", r.MTTRMinutes)
	case r.Incidents30d < 0:
		return fmt.Errorf("reliability.incidents_30d: %d is negative", r.Incidents30d)
	case !(r.ChangeFailureRate >= 0 && r.ChangeFailureRate <= 1):
		return fmt.Errorf("reliability.change_failure_rate: %s", notRatio(r.ChangeFailureRate, "[0,1]"))
	}
	return nil
}

// monthLayout is the time layout of CostEntry.Month.
const monthLayout = "2006-01"

// notRatio describes a value outside its ratio interval, pointing out the
// likely percentage mix-up.
func notRatio(v float64, interval string) string {
	if v > 1 && v <= 100 {
		return fmt.Sprintf("%v looks like a percentage; use a ratio (0.999 for 99.9%%)", v)
	}
	return fmt.Sprintf("%v is not a ratio in %s", v, interval)
}

func nonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }
