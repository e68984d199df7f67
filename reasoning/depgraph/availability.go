package depgraph

import (
	"math"
	"slices"

	"github.com/slorec/slorec"
)

// NodeInput is what is known about one service's availability. Every field
// is a ratio in [0,1]; zero Committed and PublishedSLA mean unknown.
type NodeInput struct {
	// Observed is the measured availability over the analysis window,
	// valid when HasObserved is set (a measured 0 is possible).
	Observed    float64 `json:"observed"`
	HasObserved bool    `json:"has_observed"`
	// Committed is the service's current availability SLO, if any.
	Committed float64 `json:"committed,omitempty"`
	// PublishedSLA is a provider's published SLA (e.g. from the corpus).
	// When zero, the service's own PublishedSLA from the catalog is used.
	PublishedSLA float64 `json:"published_sla,omitempty"`
}

// Source says where an availability figure came from.
type Source string

// Sources, from most to least trustworthy.
const (
	// SourceCommitted: the dependency's committed SLO, lower than its ceiling.
	SourceCommitted Source = "committed"
	// SourceCeiling: the ceiling computed from the dependency's observed
	// availability (equal to it when nothing is committed and data are
	// complete).
	SourceCeiling Source = "observed-ceiling"
	// SourceObserved: the measured availability itself, used for a
	// service's own intrinsic availability and for edges inside a cycle.
	SourceObserved Source = "observed"
	// SourcePublishedSLA: a published SLA, used when nothing was measured.
	SourcePublishedSLA Source = "published-sla"
	// SourcePrior: the conservative prior for the kind (see [Prior]).
	SourcePrior Source = "prior"
)

// trust orders sources; a redundancy group reports its least trustworthy
// member's source.
func (s Source) trust() int {
	switch s {
	case SourceCommitted:
		return 0
	case SourceCeiling, SourceObserved:
		return 1
	case SourcePublishedSLA:
		return 2
	}
	return 3
}

// Flag marks something a reader of a result should know because it lowers
// confidence.
type Flag string

// Flags.
const (
	// FlagCycle: the service is on a cycle of hard synchronous edges, so the
	// recursion was broken by using observed availabilities inside it (in
	// availability), or edges back into the cycle were cut (in latency).
	FlagCycle Flag = "cycle"
	// FlagMissing: the service is referenced but declared by no one.
	FlagMissing Flag = "missing"
	// FlagMissingDependency: a direct dependency (any type) is a missing
	// node; for latency, a reachable node is missing.
	FlagMissingDependency Flag = "missing-dependency"
	// FlagNoObserved: the service has no measured availability.
	FlagNoObserved Flag = "no-observed"
	// FlagPriorUsed: the service's own intrinsic availability, or a hard
	// synchronous dependency's availability, is a prior by kind.
	FlagPriorUsed Flag = "prior-used"
	// FlagPublishedSLAUsed: as FlagPriorUsed, for a published SLA.
	FlagPublishedSLAUsed Flag = "published-sla-used"
	// FlagIntrinsicCapped: the service is observed to be more available
	// than its hard dependencies allow, so its intrinsic availability was
	// capped at 1 and its ceiling is below its observed availability. The
	// usual causes: an edge that is not really hard or whose call ratio is
	// overstated, or measurements from different windows.
	FlagIntrinsicCapped Flag = "intrinsic-capped"
	// FlagCommittedAboveCeiling: the committed SLO is above the ceiling, so
	// it cannot be met on the dependencies' current availability.
	FlagCommittedAboveCeiling Flag = "committed-above-ceiling"
	// FlagMissingLatency: a service on the walk has no self latency and
	// counts as zero.
	FlagMissingLatency Flag = "missing-latency"
)

// Exclusion says why a dependency does not cap availability.
type Exclusion string

// Exclusions. An async edge is reported as async even when also soft.
const (
	ExcludedSoft  Exclusion = "soft"
	ExcludedAsync Exclusion = "async"
)

// Prior returns the conservative availability assumed for a service of
// the given kind when nothing was measured and no SLA is published. Each
// is a round figure at or below what such components usually deliver, so
// a ceiling built on priors errs low:
//
//   - datastore 0.9995: the SLA of managed, replicated databases (Amazon
//     RDS Multi-AZ and Google Cloud SQL high-availability instances both
//     publish 99.95% monthly);
//   - queue 0.999: the SLA of managed queues (Amazon SQS publishes 99.9%);
//   - external 0.995: the low end of commercial API SLAs (typically
//     99.5%-99.99%); third parties sit outside our control and
//     observability, so they get the lowest prior;
//   - service (and unknown kinds) 0.999: three nines, the customary first
//     SLO of an internal request-serving service, no better than the
//     queue or datastore it typically sits on.
func Prior(kind slorec.ServiceKind) float64 {
	switch kind {
	case slorec.KindDatastore:
		return 0.9995
	case slorec.KindExternal:
		return 0.995
	case slorec.KindQueue:
		return 0.999
	}
	return 0.999
}

// Composition is the availability analysis of one service.
type Composition struct {
	ID string `json:"id"`
	// Intrinsic is the availability the service would have with perfect
	// hard dependencies: observed / Π(observed factors of its hard sync
	// groups), capped at 1; or, without measurements, the published SLA or
	// the prior (IntrinsicSource says which).
	Intrinsic       float64 `json:"intrinsic"`
	IntrinsicSource Source  `json:"intrinsic_source"`
	// Ceiling is Intrinsic × Π Factor over Contributions: the best
	// availability the service can deliver given what its hard dependencies
	// deliver (or commit to).
	Ceiling float64 `json:"ceiling"`
	// Effective is what dependents may count on: min(Committed, Ceiling),
	// or Ceiling when nothing is committed. EffectiveSource is
	// SourceCommitted when the commitment is the smaller, otherwise the
	// basis of the ceiling (observed-ceiling, published-sla or prior).
	Effective       float64 `json:"effective"`
	EffectiveSource Source  `json:"effective_source"`
	// Contributions are the hard synchronous dependencies, one per single
	// dependency or redundancy group, in declared order of their first
	// member.
	Contributions []Contribution `json:"contributions,omitempty"`
	// Excluded are the soft and async dependencies: they do not cap
	// availability, but their figures are reported (Factor is what they
	// would cost if they were hard).
	Excluded []Contribution `json:"excluded,omitempty"`
	// Binding points at the contribution with the smallest factor, the
	// tightest constraint on the ceiling; nil without hard dependencies.
	Binding *Contribution `json:"binding,omitempty"`
	// Flags are sorted; they concern this service and its direct
	// dependencies only (a prior deep down the graph is flagged where it is
	// used directly).
	Flags []Flag `json:"flags,omitempty"`
}

// Has reports whether the composition carries flag f.
func (c Composition) Has(f Flag) bool { return slices.Contains(c.Flags, f) }

// Contribution is one hard dependency (or redundancy group) in a ceiling,
// or one excluded dependency.
type Contribution struct {
	// Target is the dependency's id, or the group name for a redundancy
	// group of several members.
	Target string `json:"target"`
	// Group is the declared redundancy group name, if any.
	Group string `json:"group,omitempty"`
	// Members are a redundancy group's members; nil for one dependency.
	Members []Member `json:"members,omitempty"`
	// Kind is the dependency's kind (a group's first member's kind).
	Kind slorec.ServiceKind `json:"kind"`
	// Missing is true when the dependency (or a group member) is a missing
	// node.
	Missing bool `json:"missing,omitempty"`
	// Availability is the dependency's availability as used: for a group,
	// 1 − Π(1 − a_i) over its members.
	Availability float64 `json:"availability"`
	// Source is where Availability came from (a group's least trustworthy
	// member's source).
	Source Source `json:"source"`
	// CallRatio is the share of requests that make the call (a group's
	// largest member ratio).
	CallRatio float64 `json:"call_ratio"`
	// Factor is 1 − CallRatio × (1 − Availability), the dependency's
	// multiplier on the ceiling.
	Factor float64 `json:"factor"`
	// Reason is set on excluded dependencies only.
	Reason Exclusion `json:"reason,omitempty"`
}

// Member is one target of a redundancy group.
type Member struct {
	Target       string             `json:"target"`
	Kind         slorec.ServiceKind `json:"kind"`
	Missing      bool               `json:"missing,omitempty"`
	Availability float64            `json:"availability"`
	Source       Source             `json:"source"`
	CallRatio    float64            `json:"call_ratio"`
}

// flagSet is a bitmask of flags; flagOrder lists them in sorted order.
type flagSet uint16

var flagOrder = [...]Flag{
	FlagCommittedAboveCeiling,
	FlagCycle,
	FlagIntrinsicCapped,
	FlagMissing,
	FlagMissingDependency,
	FlagMissingLatency,
	FlagNoObserved,
	FlagPriorUsed,
	FlagPublishedSLAUsed,
}

func (s *flagSet) add(f Flag) {
	for i, g := range flagOrder {
		if g == f {
			*s |= 1 << i
			return
		}
	}
}

func (s flagSet) list() []Flag {
	if s == 0 {
		return nil
	}
	var out []Flag
	for i, f := range flagOrder {
		if s&(1<<i) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// node is the sanitized input of one service during composition.
type node struct {
	observed  float64
	hasObs    bool
	committed float64 // 0: none
	fallback  float64 // published SLA, else prior
	fbSource  Source  // SourcePublishedSLA or SourcePrior

	effective float64
	effSource Source
}

// part is a contribution being built, with the products it needs.
type part struct {
	c          Contribution
	unavail    float64 // Π(1 − a_i) over members, availabilities as used
	obsUnavail float64 // the same with observed availabilities
}

// Availability composes availability ceilings for every node of the graph
// (missing ones included); the result is keyed by id. Inputs for ids not in
// the graph are ignored; values outside [0,1] are clamped, a NaN observed
// value counts as no measurement.
//
// Nodes are processed in topological order of the hard synchronous edges,
// dependencies first, so each dependency's Effective is known before its
// dependents need it. For a service s:
//
//	factor(g)    = 1 − r_g · (1 − a_g)        r_g: largest call ratio in g
//	a_g          = 1 − Π_{d∈g} (1 − a_d)      a single dependency is a group of one
//	Intrinsic(s) = min(1, Observed(s) / Π_g factor_observed(g))
//	Ceiling(s)   = Intrinsic(s) · Π_g factor(g)
//	Effective(s) = min(Committed(s), Ceiling(s))
//
// over the hard synchronous groups g of s. In factor_observed each a_d is
// d's observed availability (its Effective when d has none); in factor it
// is d's Effective. Without a measurement of s, Intrinsic(s) is its
// published SLA, else the prior for its kind (flagged), and its hard
// dependencies still multiply on top, which errs low.
//
// Inside a cycle of hard synchronous edges, an edge to another member uses
// that member's observed availability (or its SLA or prior), lowered to
// its commitment, instead of its ceiling, which breaks the recursion; each
// member is flagged FlagCycle.
//
// A dependency reached along several paths (a diamond) is counted once per
// path, as if its failures were independent on each; they are not, so
// ceilings deep in a diamond-rich graph err low.
//
// With no commitments and complete measurements, Ceiling(s) = Observed(s)
// for every s whose intrinsic is not capped: the composition only
// redistributes what was measured between a service and its dependencies,
// and commitments then show what a dependent can count on.
func (g *Graph) Availability(inputs map[string]NodeInput) map[string]Composition {
	n := len(g.ids)
	nodes := make([]node, n)
	for u := range n {
		nodes[u] = g.sanitize(int32(u), inputs[g.ids[u]])
	}
	comps := make([]Composition, n)
	var parts []part
	for c, members := range g.hard.members {
		cyclic := g.hard.cyclic[c]
		for _, u := range members {
			parts = g.compose(u, int32(c), cyclic, nodes, &comps[u], parts[:0])
		}
	}
	// Excluded edges may point anywhere in the order; every Effective is
	// known now.
	out := make(map[string]Composition, n)
	for u := range n {
		comp := &comps[u]
		for _, e := range g.out(int32(u)) {
			if e.sync && e.hard {
				continue
			}
			v := e.to
			a := nodes[v].effective
			reason := ExcludedSoft
			if !e.sync {
				reason = ExcludedAsync
			}
			comp.Excluded = append(comp.Excluded, Contribution{
				Target:       g.ids[v],
				Group:        e.redundancy,
				Kind:         g.kindOf(v),
				Missing:      g.missing[v],
				Availability: a,
				Source:       nodes[v].effSource,
				CallRatio:    e.ratio,
				Factor:       1 - e.ratio*(1-a),
				Reason:       reason,
			})
		}
		out[g.ids[u]] = *comp
	}
	return out
}

// sanitize turns an input into a node, resolving the fallback figure.
func (g *Graph) sanitize(u int32, in NodeInput) node {
	nd := node{hasObs: in.HasObserved && !math.IsNaN(in.Observed)}
	if nd.hasObs {
		nd.observed = clamp01(in.Observed)
	}
	if in.Committed > 0 {
		nd.committed = min(in.Committed, 1)
	}
	sla := in.PublishedSLA
	if !(sla > 0) {
		sla = g.svcs[u].PublishedSLA
	}
	if sla > 0 {
		nd.fallback, nd.fbSource = min(sla, 1), SourcePublishedSLA
	} else {
		nd.fallback, nd.fbSource = Prior(g.kindOf(u)), SourcePrior
	}
	return nd
}

// compose fills comp for node u of hard component c and sets u's effective
// availability. parts is scratch space, returned for reuse.
func (g *Graph) compose(u, c int32, cyclic bool, nodes []node, comp *Composition, parts []part) []part {
	self := &nodes[u]
	var flags flagSet
	if g.missing[u] {
		flags.add(FlagMissing)
	}
	if cyclic {
		flags.add(FlagCycle)
	}

	for _, e := range g.out(u) {
		v := e.to
		if g.missing[v] {
			flags.add(FlagMissingDependency)
		}
		if !e.sync || !e.hard {
			continue
		}
		dep := &nodes[v]
		a, src := dep.effective, dep.effSource
		if g.hard.comp[v] == c { // inside the cycle: no ceiling yet
			a, src = dep.fallback, dep.fbSource
			if dep.hasObs {
				a, src = dep.observed, SourceObserved
			}
			if dep.committed > 0 && dep.committed < a {
				a, src = dep.committed, SourceCommitted
			}
		}
		ao := a
		if dep.hasObs {
			ao = dep.observed
		}
		switch src {
		case SourcePrior:
			flags.add(FlagPriorUsed)
		case SourcePublishedSLA:
			flags.add(FlagPublishedSLAUsed)
		}
		if name := e.redundancy; name != "" {
			k := slices.IndexFunc(parts, func(p part) bool { return p.c.Group == name })
			if k >= 0 {
				p := &parts[k]
				if p.c.Members == nil {
					p.c.Members = []Member{{
						Target: p.c.Target, Kind: p.c.Kind, Missing: p.c.Missing,
						Availability: p.c.Availability, Source: p.c.Source, CallRatio: p.c.CallRatio,
					}}
					p.c.Target = name
				}
				p.c.Members = append(p.c.Members, Member{
					Target: g.ids[v], Kind: g.kindOf(v), Missing: g.missing[v],
					Availability: a, Source: src, CallRatio: e.ratio,
				})
				p.unavail *= 1 - a
				p.obsUnavail *= 1 - ao
				p.c.CallRatio = max(p.c.CallRatio, e.ratio)
				p.c.Missing = p.c.Missing || g.missing[v]
				if src.trust() > p.c.Source.trust() {
					p.c.Source = src
				}
				continue
			}
		}
		parts = append(parts, part{
			c: Contribution{
				Target: g.ids[v], Group: e.redundancy, Kind: g.kindOf(v), Missing: g.missing[v],
				Availability: a, Source: src, CallRatio: e.ratio,
			},
			unavail:    1 - a,
			obsUnavail: 1 - ao,
		})
	}

	denom, product := 1.0, 1.0
	if len(parts) > 0 {
		comp.Contributions = make([]Contribution, len(parts))
	}
	binding := -1
	for i := range parts {
		p := &parts[i]
		if p.c.Members != nil {
			p.c.Availability = 1 - p.unavail
		}
		p.c.Factor = 1 - p.c.CallRatio*p.unavail
		denom *= 1 - p.c.CallRatio*p.obsUnavail
		product *= p.c.Factor
		comp.Contributions[i] = p.c
		if binding < 0 || p.c.Factor < comp.Contributions[binding].Factor {
			binding = i
		}
	}
	if binding >= 0 {
		comp.Binding = &comp.Contributions[binding]
	}

	comp.ID = g.ids[u]
	switch {
	case self.hasObs:
		comp.IntrinsicSource = SourceObserved
		intrinsic := 1.0
		if denom > 0 {
			intrinsic = self.observed / denom
		}
		// A relative slack keeps rounding noise from raising the flag.
		if intrinsic > 1+1e-12 || (denom <= 0 && self.observed > 0) {
			flags.add(FlagIntrinsicCapped)
		}
		comp.Intrinsic = min(intrinsic, 1)
	default:
		flags.add(FlagNoObserved)
		comp.Intrinsic, comp.IntrinsicSource = self.fallback, self.fbSource
		if self.fbSource == SourcePrior {
			flags.add(FlagPriorUsed)
		} else {
			flags.add(FlagPublishedSLAUsed)
		}
	}
	comp.Ceiling = comp.Intrinsic * product

	comp.Effective, comp.EffectiveSource = comp.Ceiling, comp.IntrinsicSource
	if self.hasObs {
		comp.EffectiveSource = SourceCeiling
	}
	if self.committed > 0 {
		if self.committed <= comp.Ceiling {
			comp.Effective, comp.EffectiveSource = self.committed, SourceCommitted
		} else {
			flags.add(FlagCommittedAboveCeiling)
		}
	}
	self.effective, self.effSource = comp.Effective, comp.EffectiveSource
	comp.Flags = flags.list()
	return parts
}
