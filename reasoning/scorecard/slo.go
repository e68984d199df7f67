package scorecard

import (
	"math"

	"github.com/slorec/slorec"
)

// minutesPerDay converts a window in days to minutes of error budget.
const minutesPerDay = 24 * 60

// SLOMeasurement is an SLO together with the value its indicator reached
// over the window. Target and Current are ratios (0.999 for 99.9%).
type SLOMeasurement struct {
	// Name identifies the SLO within its service, such as "availability"
	// or "checkout-latency".
	Name    string  `json:"name"`
	Target  float64 `json:"target"`
	Current float64 `json:"current"`
	// WindowDays is the SLO window; zero means slorec.DefaultWindowDays.
	WindowDays int `json:"window_days,omitempty"`
}

// SLOStatus is the error-budget account of one SLO.
//
// The error budget is 1−Target, the share of the window allowed to be bad;
// the service has spent 1−Current of it. The minute figures apply those
// shares to the whole window, so they read as "bad minutes" for time-based
// SLIs and as their equivalent for request-based ones.
type SLOStatus struct {
	Name       string  `json:"name"`
	Target     float64 `json:"target"`
	Current    float64 `json:"current"`
	WindowDays int     `json:"window_days"`
	// Met reports whether Current reaches Target.
	Met bool `json:"met"`
	// BudgetRemaining is the fraction of the error budget left, in [0,1].
	BudgetRemaining float64 `json:"budget_remaining"`
	// BudgetConsumed is the fraction of the error budget spent. It exceeds
	// 1 when the SLO is breached: 20 means twenty budgets' worth.
	BudgetConsumed   float64 `json:"budget_consumed"`
	BudgetMinutes    float64 `json:"budget_minutes"`
	ConsumedMinutes  float64 `json:"consumed_minutes"`
	RemainingMinutes float64 `json:"remaining_minutes"`
}

// EvaluateSLO returns the error-budget account of m:
//
//	budget_remaining = max(0, (1−target) − (1−current)) / (1−target)
//	budget_consumed  = (1−current) / (1−target)
//	met              = current >= target
//
// Met tolerates a current within 1e-9 below the target, so a value that
// equals the target in decimal but was computed with rounding error meets
// it.
//
// A target of 1 or more leaves no budget: BudgetRemaining is 0 and
// BudgetConsumed is 0 while Current is perfect and 1 otherwise (the finite
// stand-in for "all of nothing", since JSON has no infinity).
//
// For a 99.9% target at 99.95% half the budget is left (0.5); for a 99.99%
// target at 99.8% none is left and the SLO is breached, having spent 20
// budgets.
func EvaluateSLO(m SLOMeasurement) SLOStatus {
	days := m.WindowDays
	if days == 0 {
		days = slorec.DefaultWindowDays
	}
	windowMinutes := float64(days * minutesPerDay)
	budget := 1 - m.Target
	bad := math.Max(0, 1-m.Current)
	s := SLOStatus{
		Name:            m.Name,
		Target:          m.Target,
		Current:         m.Current,
		WindowDays:      days,
		Met:             m.Current >= m.Target-eps,
		ConsumedMinutes: bad * windowMinutes,
	}
	if budget <= 0 {
		if bad > 0 {
			s.BudgetConsumed = 1
		}
		return s
	}
	s.BudgetMinutes = budget * windowMinutes
	s.BudgetConsumed = bad / budget
	s.BudgetRemaining = math.Max(0, budget-bad) / budget
	s.RemainingMinutes = math.Max(0, s.BudgetMinutes-s.ConsumedMinutes)
	return s
}
