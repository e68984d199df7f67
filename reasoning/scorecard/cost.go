package scorecard

import (
	"cmp"
	"slices"
)

// Trend classifies the month-over-month change of a service's cost.
type Trend string

// Trends. The thresholds apply to the change from the second-latest month to
// the latest, as a fraction of the second-latest.
const (
	TrendStable     Trend = "stable"     // within ±5%
	TrendIncreasing Trend = "increasing" // more than +5%, up to +20%
	TrendSpiking    Trend = "spiking"    // more than +20%
	TrendDecreasing Trend = "decreasing" // a drop of more than 5%
)

// Trend thresholds, as fractions of the previous month's cost.
const (
	spikeChange = 0.20
	changeBand  = 0.05
)

// CostEntry is one month's cost of a service.
type CostEntry struct {
	// Month is the calendar month in YYYY-MM form ("2026-10"), so that
	// text order is time order.
	Month string `json:"month"`
	// Amount is in the fleet's reporting currency; all amounts in a
	// report must share one currency.
	Amount float64 `json:"amount"`
}

// Cost is a service's monthly cost history and budget.
type Cost struct {
	// BudgetMonthly is the monthly budget; zero means no budget is set,
	// not a budget of zero.
	BudgetMonthly float64     `json:"budget_monthly"`
	Entries       []CostEntry `json:"entries"`
}

// CostStatus is the verdict on a service's cost.
type CostStatus struct {
	// LatestMonth and Latest are the most recent entry; both are zero
	// when there are no entries.
	LatestMonth string  `json:"latest_month,omitempty"`
	Latest      float64 `json:"latest"`
	// Change is the fractional change from the previous month to the
	// latest (0.25 for +25%). It is 0 when there are fewer than two
	// entries or the previous month cost nothing, as no ratio exists.
	Change float64 `json:"change"`
	Trend  Trend   `json:"trend"`
	// BudgetSet is false when BudgetMonthly is zero, in which case the
	// service is never over budget.
	BudgetSet     bool    `json:"budget_set"`
	BudgetMonthly float64 `json:"budget_monthly"`
	OverBudget    bool    `json:"over_budget"`
}

// EvaluateCost returns the latest cost, its trend and whether it is over
// budget. Entries are taken in month order, whatever their order in c.
//
// The trend compares the two latest months: a change above +20% is
// spiking, above +5% increasing, below −5% decreasing, anything else
// stable. Fewer than two months, or a previous month that cost nothing,
// gives stable. From $2,800 to $3,500 is +25%: spiking.
//
// The service is over budget only when a budget is set (BudgetMonthly > 0)
// and the latest month exceeds it.
func EvaluateCost(c Cost) CostStatus {
	entries := slices.SortedStableFunc(slices.Values(c.Entries), func(a, b CostEntry) int {
		return cmp.Compare(a.Month, b.Month)
	})
	s := CostStatus{
		Trend:         TrendStable,
		BudgetSet:     c.BudgetMonthly > 0,
		BudgetMonthly: c.BudgetMonthly,
	}
	n := len(entries)
	if n == 0 {
		return s
	}
	s.LatestMonth, s.Latest = entries[n-1].Month, entries[n-1].Amount
	s.OverBudget = s.BudgetSet && s.Latest > s.BudgetMonthly+eps
	if n < 2 || entries[n-2].Amount == 0 {
		return s
	}
	prev := entries[n-2].Amount
	s.Change = (s.Latest - prev) / prev
	switch {
	case s.Change > spikeChange+eps:
		s.Trend = TrendSpiking
	case s.Change > changeBand+eps:
		s.Trend = TrendIncreasing
	case s.Change < -changeBand-eps:
		s.Trend = TrendDecreasing
	}
	return s
}
