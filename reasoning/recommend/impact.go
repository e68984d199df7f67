package recommend

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// Change is a proposed availability SLO: Service commits to Target.
type Change struct {
	Service string  `json:"service"`
	Target  float64 `json:"target"`
}

// Impact statuses of a committed SLO after a change.
const (
	BecomesInfeasible = "becomes-infeasible"
	StillInfeasible   = "still-infeasible"
	LosesHeadroom     = "loses-headroom"
	GainsHeadroom     = "gains-headroom"
	BecomesFeasible   = "becomes-feasible"
)

// AppliedChange is a change as the engine read it.
type AppliedChange struct {
	Service string `json:"service"`
	// Before is the committed target before the change, 0 when none.
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	// Ceiling is the service's own ceiling; a target above it is itself
	// infeasible (Feasible false).
	Ceiling  float64 `json:"ceiling"`
	Feasible bool    `json:"feasible"`
	// EffectiveBefore and EffectiveAfter are what dependents count on:
	// min(commitment, ceiling).
	EffectiveBefore float64 `json:"effective_before"`
	EffectiveAfter  float64 `json:"effective_after"`
}

// Effect is what a change does to one transitive dependent.
type Effect struct {
	Service string `json:"service"`
	// Distance is the number of edges to the nearest changed service.
	Distance      int     `json:"distance"`
	CeilingBefore float64 `json:"ceiling_before"`
	CeilingAfter  float64 `json:"ceiling_after"`
	// Target is the dependent's committed availability SLO, 0 when none;
	// Status and the headrooms (ceiling − target) are set only then.
	Target         float64 `json:"target,omitempty"`
	Status         string  `json:"status,omitempty"`
	HeadroomBefore float64 `json:"headroom_before,omitempty"`
	HeadroomAfter  float64 `json:"headroom_after,omitempty"`
}

// ImpactReport answers "what if these SLOs change".
type ImpactReport struct {
	Changes []AppliedChange `json:"changes"`
	// Affected are the transitive dependents whose ceiling moved, nearest
	// first; those with a committed SLO carry its status.
	Affected []Effect `json:"affected"`
	// Checked is the number of transitive dependents examined.
	Checked int `json:"checked"`
	// Infeasible lists the services whose committed SLO becomes
	// infeasible, for a quick verdict.
	Infeasible []string `json:"infeasible,omitempty"`
}

// Impact applies changes to the current availability SLOs, recomputes the
// ceiling of every transitive dependent, and lists every committed SLO that
// becomes infeasible, loses or gains headroom, with before and after
// numbers. A change that commits a service to its current target changes
// nothing and reports nothing.
func Impact(in Input, changes []Change) (*ImpactReport, error) {
	if len(changes) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "impact: no change given")
	}
	g := depgraph.New(in.Services)
	current, err := currentSLOs(in.SLOs)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, c := range changes {
		switch {
		case !g.Has(c.Service) || g.IsMissing(c.Service):
			return nil, slorec.Errorf(slorec.ENOTFOUND, "change %d: service %q is not in the catalog", i+1, c.Service)
		case !(c.Target > 0 && c.Target < 1):
			return nil, slorec.Errorf(slorec.EINVALID, "change %d: target %v for %s is not a ratio in (0,1)", i+1, c.Target, c.Service)
		case seen[c.Service]:
			return nil, slorec.Errorf(slorec.EINVALID, "change %d: %s is changed twice", i+1, c.Service)
		}
		seen[c.Service] = true
	}

	before := make(map[string]depgraph.NodeInput, g.Len())
	for _, id := range g.IDs() {
		ni := observedInput(in.Metrics[id])
		if s, ok := current[id][slorec.Availability]; ok {
			ni.Committed = s.Target
		}
		before[id] = ni
	}
	after := make(map[string]depgraph.NodeInput, len(before))
	for id, ni := range before {
		after[id] = ni
	}
	for _, c := range changes {
		ni := after[c.Service]
		ni.Committed = c.Target
		after[c.Service] = ni
	}
	cb, ca := g.Availability(before), g.Availability(after)

	rep := &ImpactReport{}
	dist := map[string]int{}
	for _, c := range changes {
		b, a := cb[c.Service], ca[c.Service]
		rep.Changes = append(rep.Changes, AppliedChange{
			Service: c.Service, Before: before[c.Service].Committed, After: c.Target,
			Ceiling: round6(a.Ceiling), Feasible: c.Target <= a.Ceiling+1e-12,
			EffectiveBefore: round6(b.Effective), EffectiveAfter: round6(a.Effective),
		})
		br, err := g.BlastRadius(c.Service, nil)
		if err != nil {
			return nil, err
		}
		for _, af := range br.Affected {
			if d, ok := dist[af.ID]; !ok || af.Distance < d {
				dist[af.ID] = af.Distance
			}
		}
	}
	rep.Checked = len(dist)
	for id, d := range dist {
		if seen[id] {
			continue // a changed service is reported as a change
		}
		b, a := cb[id].Ceiling, ca[id].Ceiling
		if math.Abs(a-b) <= 1e-12 {
			continue
		}
		e := Effect{Service: id, Distance: d, CeilingBefore: round6(b), CeilingAfter: round6(a)}
		if s, ok := current[id][slorec.Availability]; ok {
			e.Target = s.Target
			e.HeadroomBefore, e.HeadroomAfter = round6(b-s.Target), round6(a-s.Target)
			e.Status = status(s.Target, b, a)
			if e.Status == BecomesInfeasible {
				rep.Infeasible = append(rep.Infeasible, id)
			}
		}
		rep.Affected = append(rep.Affected, e)
	}
	slices.SortFunc(rep.Affected, func(x, y Effect) int {
		return cmp.Or(cmp.Compare(x.Distance, y.Distance), cmp.Compare(x.Service, y.Service))
	})
	slices.Sort(rep.Infeasible)
	return rep, nil
}

func status(target, before, after float64) string {
	okBefore, okAfter := target <= before+1e-12, target <= after+1e-12
	switch {
	case okBefore && !okAfter:
		return BecomesInfeasible
	case !okBefore && !okAfter:
		return StillInfeasible
	case !okBefore && okAfter:
		return BecomesFeasible
	case after < before:
		return LosesHeadroom
	}
	return GainsHeadroom
}

// observedInput is a node's measured availability over all its buckets,
// the same figure stats.Availability reports as Observed.
func observedInput(buckets []slorec.MetricBucket) depgraph.NodeInput {
	var req, errs int64
	for i := range buckets {
		req += buckets[i].Requests
		errs += buckets[i].Errors
	}
	if req == 0 {
		return depgraph.NodeInput{}
	}
	return depgraph.NodeInput{Observed: float64(req-errs) / float64(req), HasObserved: true}
}

// String renders a change the way the CLI takes it.
func (c Change) String() string { return fmt.Sprintf("%s:availability=%v", c.Service, c.Target) }
