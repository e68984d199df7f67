package depgraph

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/slorec/slorec"
)

// NineViolation is a hard dependency that breaks the rule of the extra
// nine for a target.
type NineViolation struct {
	// Dependency is the contribution's Target: a dependency id or a
	// redundancy group name (then Members lists the group).
	Dependency string             `json:"dependency"`
	Members    []string           `json:"members,omitempty"`
	Kind       slorec.ServiceKind `json:"kind"`
	Source     Source             `json:"source"`
	// Availability and CallRatio are the contribution's.
	Availability float64 `json:"availability"`
	CallRatio    float64 `json:"call_ratio"`
	// Unavailability is CallRatio × (1 − Availability), the share of the
	// dependent's requests the dependency fails.
	Unavailability float64 `json:"unavailability"`
	// Budget is (1 − target) / 10, the most the rule allows.
	Budget float64 `json:"budget"`
	// Excess is Unavailability / Budget: how many times over budget.
	Excess float64 `json:"excess"`
	// RequiredAvailability is the availability the dependency (or group)
	// needs at its call ratio to satisfy the rule: 1 − Budget / CallRatio.
	RequiredAvailability float64 `json:"required_availability"`
	// Mitigations are suggestions, most fitting for the kind first.
	Mitigations []Mitigation `json:"mitigations"`
}

// MitigationKind names a way to fix a violation of the rule of the extra
// nine.
type MitigationKind string

// Mitigation kinds.
const (
	// MitigateMeasure: the dependency's availability is a prior; measure
	// it or find its published SLA before spending effort.
	MitigateMeasure MitigationKind = "measure"
	// MitigateRedundancy: a second provider, a replica with failover, or
	// another member of a redundancy group.
	MitigateRedundancy MitigationKind = "add-redundancy"
	// MitigateFallback: make the dependency soft with a fallback or cache.
	MitigateFallback MitigationKind = "soft-fallback"
	// MitigateAsync: make the call asynchronous through a queue.
	MitigateAsync MitigationKind = "async-queue"
	// MitigateNegotiate: obtain a higher SLA or SLO from the dependency's
	// provider or owners.
	MitigateNegotiate MitigationKind = "negotiate-sla"
	// MitigateRelaxTarget: lower the dependent's own target.
	MitigateRelaxTarget MitigationKind = "relax-target"
)

// Mitigation is one suggested fix, with its numbers in Text.
type Mitigation struct {
	Kind MitigationKind `json:"kind"`
	Text string         `json:"text"`
}

// ExtraNine checks the rule of the extra nine for a dependent with the
// given availability target: each hard dependency should be about ten
// times less unavailable than the target allows ("The Calculus of Service
// Availability", Treynor, Dahlin, Rau and Beyer, ACM Queue 15(2), 2017),
// i.e. r × (1 − a) ≤ (1 − target) / 10 with r its call ratio. Only
// comp.Contributions are checked (excluded soft and async dependencies
// cannot fail the dependent). Violations come worst first, equal ones by
// name.
// A target outside (0,1] or NaN yields none.
func ExtraNine(target float64, comp Composition) []NineViolation {
	if !(target > 0 && target <= 1) {
		return nil
	}
	budget := (1 - target) / 10
	var out []NineViolation
	for _, c := range comp.Contributions {
		u := c.CallRatio * (1 - c.Availability)
		// The slack keeps a dependency exactly at the budget (0.9999 under
		// a 0.999 target) from failing on rounding.
		if u <= budget+1e-12 {
			continue
		}
		v := NineViolation{
			Dependency:           c.Target,
			Kind:                 c.Kind,
			Source:               c.Source,
			Availability:         c.Availability,
			CallRatio:            c.CallRatio,
			Unavailability:       u,
			Budget:               budget,
			Excess:               math.Inf(1),
			RequiredAvailability: 1 - budget/c.CallRatio,
		}
		if budget > 0 {
			v.Excess = u / budget
		}
		for _, m := range c.Members {
			v.Members = append(v.Members, m.Target)
		}
		v.Mitigations = mitigations(target, c, v)
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b NineViolation) int {
		// Rounded to 1e-12 so that rounding noise does not decide the order
		// of equal figures (0.0001 from 1 − 0.9999 and from 0.01²).
		if c := cmp.Compare(math.Round(b.Unavailability*1e12), math.Round(a.Unavailability*1e12)); c != 0 {
			return c
		}
		return strings.Compare(a.Dependency, b.Dependency)
	})
	return out
}

// mitigations picks suggestions for one violation by the dependency's
// kind. Each kind leads with what is usually cheapest and most effective
// for it: a second provider for a third-party API, failover for a
// datastore, a local outbox for a queue, a fallback for an internal call.
func mitigations(target float64, c Contribution, v NineViolation) []Mitigation {
	a, r := c.Availability, c.CallRatio
	twice := 1 - (1-a)*(1-a)
	req := pct(v.RequiredAvailability)
	var out []Mitigation
	add := func(k MitigationKind, format string, args ...any) {
		out = append(out, Mitigation{Kind: k, Text: fmt.Sprintf(format, args...)})
	}
	if c.Source == SourcePrior {
		add(MitigateMeasure, "%s's %s is a prior for its kind, not a measurement: measure it or find its published SLA before acting", c.Target, pct(a))
	}
	fallback := func(what string) {
		add(MitigateFallback, "make %s soft with %s, so its failures degrade requests instead of failing them; it then no longer caps the ceiling (today a factor of %s)", c.Target, what, ratio(c.Factor))
	}
	async := func(what string) {
		add(MitigateAsync, "move the call to %s behind a queue %s, so requests no longer wait for it", c.Target, what)
	}
	negotiate := func(who string) {
		if c.Source == SourceCommitted {
			add(MitigateNegotiate, "%s commits to %s; ask %s to commit to at least %s", c.Target, pct(a), who, req)
			return
		}
		add(MitigateNegotiate, "ask %s for at least %s (today %s)", who, req, pct(a))
	}

	switch {
	case len(c.Members) > 0:
		add(MitigateRedundancy, "add another independent member to redundancy group %s (%d members, together %s) or raise its weakest member", c.Target, len(c.Members), pct(a))
		fallback("a cached or default answer")
		negotiate("the members' owners")
	case c.Kind == slorec.KindExternal:
		add(MitigateRedundancy, "add a second provider in a redundancy group with %s: two independent providers at %s give %s", c.Target, pct(a), pct(twice))
		async("(outbox, retried later) where the operation can complete later")
		fallback("a cache or a degraded mode")
		negotiate("the provider")
	case c.Kind == slorec.KindDatastore:
		add(MitigateRedundancy, "run %s with a replica and automatic failover across zones: two independent replicas at %s give %s", c.Target, pct(a), pct(twice))
		fallback("a read cache or read replica")
		async("for writes (buffered, applied later)")
		negotiate("the datastore's owners")
	case c.Kind == slorec.KindQueue:
		fallback("a local outbox that retries publishing")
		add(MitigateRedundancy, "run %s clustered across zones: two independent brokers at %s give %s", c.Target, pct(a), pct(twice))
		negotiate("the queue's owners")
	default:
		fallback("a fallback (cached or default response, degraded mode)")
		async("where the caller does not need the answer")
		negotiate("the owning team")
		add(MitigateRedundancy, "deploy %s redundantly (replicas in several zones behind a load balancer) so failures are independent", c.Target)
	}
	if relaxed := 1 - 10*r*(1-a); relaxed > 0 && relaxed < target {
		add(MitigateRelaxTarget, "relax the target from %s to %s, the highest %s allows by the rule of the extra nine", pct(target), pct(relaxed), c.Target)
	}
	return out
}

// pct formats a ratio as a percentage for prose: 0.99995 -> "99.995%".
func pct(x float64) string {
	return fmt.Sprintf("%s%%", ratio(x*100))
}

// ratio formats x with up to six significant digits.
func ratio(x float64) string { return fmt.Sprintf("%.6g", x) }
