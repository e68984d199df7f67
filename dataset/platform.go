package dataset

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// Platform is the operational data of platform.json: what the platform
// scorecard needs and metrics cannot give (cost, deployments, governance,
// teams). Services is keyed by service id; a declared service may have no
// entry, in which case the scorecard knows only what the topology says.
type Platform struct {
	// Currency is the ISO 4217 code of every amount in the file ("USD");
	// empty when not given.
	Currency string                     `json:"currency,omitempty"`
	Services map[string]PlatformService `json:"services"`
}

// PlatformService is the operational data of one service.
type PlatformService struct {
	// Team owns the service; empty means the topology's owner.
	Team string `json:"team,omitempty"`
	Cost Cost   `json:"cost,omitzero"`
	// ChangeFailureRate is the fraction of deployments that caused a
	// failure in production (0.08), a ratio in [0,1]; nil when unknown.
	ChangeFailureRate *float64 `json:"change_failure_rate,omitempty"`
	// Deployments30d counts deployments in the last 30 days.
	Deployments30d int `json:"deployments_30d,omitempty"`
	// Governance is nil when the file says nothing about governance.
	Governance *Governance `json:"governance,omitempty"`
}

// Cost is a service's monthly budget and cost history.
type Cost struct {
	// BudgetMonthly is the monthly budget; zero means no budget is set.
	BudgetMonthly float64     `json:"budget_monthly,omitempty"`
	Entries       []CostEntry `json:"entries,omitempty"`
}

// CostEntry is one calendar month's cost of a service.
type CostEntry struct {
	// Month is in YYYY-MM form ("2026-10").
	Month  string  `json:"month"`
	Amount float64 `json:"amount"`
}

// Governance records which operational policies a service satisfies.
type Governance struct {
	Runbook          bool `json:"runbook"`
	Monitoring       bool `json:"monitoring"`
	Owner            bool `json:"owner"`
	Documentation    bool `json:"documentation"`
	IncidentResponse bool `json:"incident_response"`
}

// monthLayout is the time layout of CostEntry.Month.
const monthLayout = "2006-01"

// checkPlatform checks platform.json against the known nodes; nodes nil
// skips the reference check (the topology could not be read). Services are
// checked in id order, so problems come in a stable order.
func checkPlatform(pl *Platform, nodes map[string]bool, add report) {
	if pl.Currency != "" && !isCurrencyCode(pl.Currency) {
		add("currency", "currency", "%q is not an ISO 4217 code (three capital letters, such as USD)", pl.Currency)
	}
	ids := make([]string, 0, len(pl.Services))
	for id := range pl.Services {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := pl.Services[id]
		p := "services[" + strconv.Quote(id) + "]"
		if nodes != nil && !nodes[id] {
			add(p, "services", "unknown service %q (not in topology.json)", id)
		}
		if !nonNegative(s.Cost.BudgetMonthly) {
			add(p+".cost.budget_monthly", "budget_monthly", "%v is not a non-negative number", s.Cost.BudgetMonthly)
		}
		months := make(map[string]int, len(s.Cost.Entries))
		for i, e := range s.Cost.Entries {
			ep := p + ".cost.entries[" + strconv.Itoa(i) + "]"
			if t, err := time.Parse(monthLayout, e.Month); err != nil || t.Format(monthLayout) != e.Month {
				add(ep+".month", "month", "%q is not a month in YYYY-MM form", e.Month)
			} else if first, dup := months[e.Month]; dup {
				add(ep+".month", "month", "duplicate month %s (first at entries[%d])", e.Month, first)
			} else {
				months[e.Month] = i
			}
			if !nonNegative(e.Amount) {
				add(ep+".amount", "amount", "%v is not a non-negative number", e.Amount)
			}
		}
		if r := s.ChangeFailureRate; r != nil && !(*r >= 0 && *r <= 1) {
			if *r > 1 && *r <= 100 {
				add(p+".change_failure_rate", "change_failure_rate", "%v looks like a percentage; it is a ratio (0.05 for 5%%)", *r)
			} else {
				add(p+".change_failure_rate", "change_failure_rate", "%v is not a ratio in [0,1]", *r)
			}
		}
		if s.Deployments30d < 0 {
			add(p+".deployments_30d", "deployments_30d", "%d is negative", s.Deployments30d)
		}
	}
}

// nonNegative reports whether v is a finite number >= 0; NaN is not.
func nonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// PlatformEntry returns the platform.json entry of a service and whether
// there is one; false when d has no platform data.
func (d *Dataset) PlatformEntry(service string) (PlatformService, bool) {
	if d.Platform == nil {
		return PlatformService{}, false
	}
	s, ok := d.Platform.Services[service]
	return s, ok
}
