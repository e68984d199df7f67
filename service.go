package slorec

import "fmt"

// ServiceKind says what a node of the dependency graph is. The kind decides
// the conservative availability prior used when nothing better is known.
type ServiceKind string

// Service kinds.
const (
	KindService   ServiceKind = "service"
	KindDatastore ServiceKind = "datastore"
	KindExternal  ServiceKind = "external"
	KindQueue     ServiceKind = "queue"
)

// Valid reports whether k is one of the known kinds.
func (k ServiceKind) Valid() bool {
	switch k {
	case KindService, KindDatastore, KindExternal, KindQueue:
		return true
	}
	return false
}

// Tier is the business criticality of a service.
type Tier string

// Tiers, from most to least critical.
const (
	TierCritical Tier = "critical"
	TierHigh     Tier = "high"
	TierStandard Tier = "standard"
	TierLow      Tier = "low"
)

// Valid reports whether t is one of the known tiers.
func (t Tier) Valid() bool {
	switch t {
	case TierCritical, TierHigh, TierStandard, TierLow:
		return true
	}
	return false
}

// Weight is the tier's weight in blast-radius sums: a critical dependent
// counts four times a low one.
func (t Tier) Weight() float64 {
	switch t {
	case TierCritical:
		return 4
	case TierHigh:
		return 3
	case TierStandard:
		return 2
	case TierLow:
		return 1
	}
	return 2
}

// DependencyType says whether the caller waits for the callee.
type DependencyType string

// Dependency types.
const (
	Sync  DependencyType = "sync"
	Async DependencyType = "async"
)

// Criticality says whether the caller fails when the callee fails.
type Criticality string

// Criticalities. A soft dependency has a fallback (cache, default, degraded
// mode), so its failures do not fail the caller.
const (
	Hard Criticality = "hard"
	Soft Criticality = "soft"
)

// Provenance says where a dependency edge came from.
type Provenance string

// Provenances. Declared edges come from a catalog (topology file, Backstage);
// observed edges come from traces or metrics.
const (
	Declared Provenance = "declared"
	Observed Provenance = "observed"
)

// Dependency is a directed edge from the owning service to Target.
type Dependency struct {
	Target      string         `json:"target"`
	Type        DependencyType `json:"type"`
	Criticality Criticality    `json:"criticality"`
	// RedundancyGroup names a set of interchangeable targets: the caller
	// succeeds when any member of the group succeeds.
	RedundancyGroup string `json:"redundancy_group,omitempty"`
	// ParallelGroup names calls the caller makes concurrently; their
	// latencies compose by max instead of sum.
	ParallelGroup string `json:"parallel_group,omitempty"`
	// CallRatio is the fraction of the caller's requests that call Target,
	// in (0,1]; zero means every request does (1). A dependency used by 5%
	// of requests can fail only those 5%.
	CallRatio  float64    `json:"call_ratio,omitempty"`
	Provenance Provenance `json:"provenance,omitempty"`
}

// Ratio returns the effective call ratio: CallRatio, or 1 when unset.
func (d Dependency) Ratio() float64 {
	if d.CallRatio == 0 {
		return 1
	}
	return d.CallRatio
}

// Service is a node of the dependency graph: a microservice, datastore,
// queue or external API.
type Service struct {
	ID    string      `json:"id"`
	Name  string      `json:"name,omitempty"`
	Kind  ServiceKind `json:"kind"`
	Tier  Tier        `json:"tier"`
	Owner string      `json:"owner,omitempty"`
	// PublishedSLA is the availability a provider commits to (a ratio),
	// used for external dependencies without metrics. Zero means unknown.
	PublishedSLA float64      `json:"published_sla,omitempty"`
	Deps         []Dependency `json:"deps,omitempty"`
	// Version is the catalog version in which the service last changed.
	Version int `json:"version,omitempty"`
}

// Validate checks the service on its own (not against a graph) and returns
// the first problem found.
func (s *Service) Validate() error {
	if s.ID == "" {
		return Errorf(EINVALID, "service id is required")
	}
	if !s.Kind.Valid() {
		return Errorf(EINVALID, "service %q: unknown kind %q (want service, datastore, external or queue)", s.ID, s.Kind)
	}
	if !s.Tier.Valid() {
		return Errorf(EINVALID, "service %q: unknown tier %q (want critical, high, standard or low)", s.ID, s.Tier)
	}
	if s.PublishedSLA < 0 || s.PublishedSLA > 1 {
		return Errorf(EINVALID, "service %q: published_sla %v is not a ratio in [0,1]", s.ID, s.PublishedSLA)
	}
	seen := make(map[string]bool, len(s.Deps))
	for i, d := range s.Deps {
		if err := d.validate(s.ID); err != nil {
			return Errorf(EINVALID, "service %q: deps[%d]: %s", s.ID, i, ErrorMessage(err))
		}
		if seen[d.Target] {
			return Errorf(EINVALID, "service %q: deps[%d]: duplicate dependency on %q", s.ID, i, d.Target)
		}
		seen[d.Target] = true
	}
	return nil
}

func (d Dependency) validate(from string) error {
	if d.Target == "" {
		return Errorf(EINVALID, "target is required")
	}
	if d.Target == from {
		return Errorf(EINVALID, "self-dependency on %q", from)
	}
	if d.Type != Sync && d.Type != Async {
		return Errorf(EINVALID, "unknown type %q (want sync or async)", d.Type)
	}
	if d.Criticality != Hard && d.Criticality != Soft {
		return Errorf(EINVALID, "unknown criticality %q (want hard or soft)", d.Criticality)
	}
	if d.CallRatio < 0 || d.CallRatio > 1 {
		return Errorf(EINVALID, "call_ratio %v is not in (0,1]", d.CallRatio)
	}
	switch d.Provenance {
	case "", Declared, Observed:
	default:
		return Errorf(EINVALID, "unknown provenance %q (want declared or observed)", d.Provenance)
	}
	return nil
}

// Graph is a snapshot of the service catalog.
type Graph struct {
	Services []Service `json:"services"`
}

// Validate checks every service and that ids are unique. References to
// services that are not in the graph are allowed: they are missing nodes,
// which the engine flags rather than rejects.
func (g *Graph) Validate() error {
	seen := make(map[string]bool, len(g.Services))
	for i := range g.Services {
		s := &g.Services[i]
		if err := s.Validate(); err != nil {
			return Errorf(EINVALID, "services[%d]: %s", i, ErrorMessage(err))
		}
		if seen[s.ID] {
			return Errorf(EINVALID, "services[%d]: duplicate service id %q", i, s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}

// String returns a short human form of the edge.
func (d Dependency) String() string {
	return fmt.Sprintf("%s(%s,%s)", d.Target, d.Type, d.Criticality)
}
