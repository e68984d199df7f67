package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

// Format says which shape a topology file has.
type Format string

// Topology file formats.
const (
	// FormatDataset is topology.json of the dataset format (DESIGN.md
	// section 7): dependencies are objects with a target, a type and a
	// criticality, and every service has a tier.
	FormatDataset Format = "dataset"
	// FormatSource is a source-topology.json derived from a real system's
	// manifests and code: {"system", "services":[{"id","kind","deps":["id",...],
	// "evidence"}]}. Dependencies are plain ids: their type and criticality,
	// and the services' tiers, are assumptions.
	FormatSource Format = "source"
)

// UnknownTargets says what a conversion does with a dependency on an id the
// topology does not declare.
type UnknownTargets string

// Policies for unknown dependency targets.
const (
	// KeepMissing leaves the edge pointing at an undeclared id: a missing
	// node, which package dataset accepts and the engine flags. It is the
	// default.
	KeepMissing UnknownTargets = ""
	// AddExternal declares every unknown target as an external node, with
	// the highest tier among its callers.
	AddExternal UnknownTargets = "external"
)

// Assumptions turn a topology file into a dataset graph: what the source
// does not say (kinds where its vocabulary differs, tiers, edge types,
// criticality, call ratios, redundancy) is stated here, one table per
// dataset, and mirrored in the dataset's README.
//
// Every rule must name a service or edge of the source: a stale rule is an
// error, not a silent no-op. Zero fields of a rule keep what the source
// says.
type Assumptions struct {
	// System is the source's "system" field (e.g. "sock-shop"); LoadTopology
	// uses it to pick the built-in assumptions for a source file.
	System string
	// Services holds per-service rules, in the order the README lists them.
	Services []ServiceRule
	// Edges holds per-edge rules.
	Edges []EdgeRule
	// Drop removes source nodes, and every edge to them.
	Drop []DropRule
	// Unknown is the policy for dependency targets the source does not
	// declare.
	Unknown UnknownTargets
	// Heuristics fills edges of a source-format file that have no rule from
	// their target (see DefaultAssumptions) instead of making them
	// synchronous and hard.
	Heuristics bool
}

// ServiceRule states the assumptions about one service.
type ServiceRule struct {
	ID string
	// Kind replaces the source's kind; empty keeps it.
	Kind slorec.ServiceKind
	// Tier is the business criticality; empty keeps the source's tier (a
	// dataset-format file) or derives one (see DefaultAssumptions).
	Tier slorec.Tier
	// PublishedSLA is a provider's committed availability, for externals.
	PublishedSLA float64
	// Why justifies the rule in a sentence; the README shows it.
	Why string
}

// EdgeRule states the assumptions about one dependency edge, From -> To.
type EdgeRule struct {
	From, To string
	// Type and Criticality replace the source's (or the default sync and
	// hard) when set.
	Type        slorec.DependencyType
	Criticality slorec.Criticality
	// CallRatio is the fraction of From's requests that call To, in (0,1];
	// zero keeps the source's (1 for a source-format file).
	CallRatio float64
	// RedundancyGroup and ParallelGroup set the edge's groups (see
	// slorec.Dependency).
	RedundancyGroup string
	ParallelGroup   string
	Why             string
}

// DropRule removes a source node.
type DropRule struct {
	ID  string
	Why string
}

// DefaultAssumptions are used for a source topology that no built-in
// dataset covers. With them, services keep their source kind; an edge to a
// queue is asynchronous, an edge to a datastore whose id contains "cache" or
// "memcached" is synchronous and soft (a cache in front of a store), and
// every other edge is synchronous and hard. Tiers are derived: services
// nobody calls (entry points) are critical, services an entry point calls
// are high, other services standard; datastores, queues and externals take
// the highest tier among their callers. Unknown targets stay missing nodes.
func DefaultAssumptions() Assumptions { return Assumptions{Heuristics: true} }

// sourceDoc is the source-topology.json shape; fields other than these
// (sources, derivation, evidence, image) are informational.
type sourceDoc struct {
	System   string `json:"system"`
	Services []struct {
		ID   string             `json:"id"`
		Kind slorec.ServiceKind `json:"kind"`
		Deps []string           `json:"deps"`
	} `json:"services"`
}

// probe is decoded first to tell the two shapes apart.
type probe struct {
	System   *string `json:"system"`
	Services []struct {
		Tier *string           `json:"tier"`
		Deps []json.RawMessage `json:"deps"`
	} `json:"services"`
}

// DetectFormat tells a dataset-format topology.json from a
// source-topology.json by the shape of its dependencies (objects or plain
// ids) and, when no service has any, by the presence of tiers or of a
// "system" field. It returns an EINVALID error for anything else.
func DetectFormat(data []byte) (Format, error) {
	var p probe
	if err := json.Unmarshal(data, &p); err != nil {
		return "", slorec.Errorf(slorec.EINVALID, "topology: not JSON of either shape: %v", err)
	}
	if p.Services == nil {
		return "", slorec.Errorf(slorec.EINVALID, "topology: no \"services\" array; want a dataset topology.json "+
			"({\"services\":[{\"id\",\"kind\",\"tier\",\"deps\":[{\"target\",\"type\",\"criticality\"}]}]}) "+
			"or a source-topology.json ({\"services\":[{\"id\",\"kind\",\"deps\":[\"id\",...]}]})")
	}
	var objects, ids, tiers int
	for _, s := range p.Services {
		if s.Tier != nil {
			tiers++
		}
		for _, d := range s.Deps {
			switch t := bytes.TrimSpace(d); {
			case len(t) > 0 && t[0] == '{':
				objects++
			case len(t) > 0 && t[0] == '"':
				ids++
			default:
				return "", slorec.Errorf(slorec.EINVALID, "topology: a dependency is %s; want an object (dataset format) or an id string (source format)", t)
			}
		}
	}
	switch {
	case objects > 0 && ids > 0:
		return "", slorec.Errorf(slorec.EINVALID, "topology: dependencies mix objects (%d) and plain ids (%d); use one shape", objects, ids)
	case objects > 0:
		return FormatDataset, nil
	case ids > 0:
		return FormatSource, nil
	case tiers > 0:
		return FormatDataset, nil
	case p.System != nil:
		return FormatSource, nil
	}
	return "", slorec.Errorf(slorec.EINVALID, "topology: no dependencies, tiers or \"system\" field: cannot tell a dataset topology.json from a source-topology.json")
}

// FromSourceTopology reads a topology file of either format and applies a.
// The result passes the graph validation of package dataset; an invalid
// file or a rule that names no service or edge of the file returns an
// EINVALID error, a missing file ENOTFOUND.
func FromSourceTopology(path string, a Assumptions) (slorec.Graph, error) {
	data, err := readTopologyFile(path)
	if err != nil {
		return slorec.Graph{}, err
	}
	g, err := Convert(data, a)
	if err != nil {
		return slorec.Graph{}, slorec.Errorf(slorec.ErrorCode(err), "%s: %s", path, slorec.ErrorMessage(err))
	}
	return g, nil
}

// LoadTopology reads a topology file for `slorec eval gen --topology`: a
// dataset-format file is returned as it is (after validation); a source
// file is converted with the assumptions of the built-in dataset whose
// System matches its "system" field, or with DefaultAssumptions.
func LoadTopology(path string) (slorec.Graph, error) {
	data, err := readTopologyFile(path)
	if err != nil {
		return slorec.Graph{}, err
	}
	a := DefaultAssumptions()
	var doc struct {
		System string `json:"system"`
	}
	if f, err := DetectFormat(data); err == nil && f == FormatSource && json.Unmarshal(data, &doc) == nil {
		if b, ok := AssumptionsFor(doc.System); ok {
			a = b
		}
	}
	g, err := Convert(data, a)
	if err != nil {
		return slorec.Graph{}, slorec.Errorf(slorec.ErrorCode(err), "%s: %s", path, slorec.ErrorMessage(err))
	}
	return g, nil
}

func readTopologyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, slorec.Errorf(slorec.ENOTFOUND, "topology %s: no such file", path)
	case err != nil:
		return nil, fmt.Errorf("read topology: %w", err)
	}
	return data, nil
}

// node is a service of either format before the assumptions.
type node struct {
	id   string
	kind slorec.ServiceKind
	tier slorec.Tier
	sla  float64
	name string
	own  string
	ver  int
	deps []slorec.Dependency // Type and Criticality empty for a source file
}

// Convert turns topology data of either format into a graph with a. It
// returns the errors FromSourceTopology does.
func Convert(data []byte, a Assumptions) (slorec.Graph, error) {
	format, err := DetectFormat(data)
	if err != nil {
		return slorec.Graph{}, err
	}
	var nodes []node
	switch format {
	case FormatDataset:
		g, _, err := dataset.ReadTopology(bytes.NewReader(data))
		if err != nil {
			return slorec.Graph{}, err
		}
		for _, s := range g.Services {
			nodes = append(nodes, node{id: s.ID, kind: s.Kind, tier: s.Tier, sla: s.PublishedSLA,
				name: s.Name, own: s.Owner, ver: s.Version, deps: s.Deps})
		}
	case FormatSource:
		var doc sourceDoc
		if err := json.Unmarshal(data, &doc); err != nil {
			return slorec.Graph{}, slorec.Errorf(slorec.EINVALID, "source topology: %v", err)
		}
		if len(doc.Services) == 0 {
			return slorec.Graph{}, slorec.Errorf(slorec.EINVALID, "source topology: no services")
		}
		for _, s := range doc.Services {
			n := node{id: s.ID, kind: s.Kind}
			for _, d := range s.Deps {
				n.deps = append(n.deps, slorec.Dependency{Target: d})
			}
			nodes = append(nodes, n)
		}
	}
	return apply(nodes, a)
}

type edgeKey struct{ from, to string }

// apply checks the rules against the nodes and builds the graph.
func apply(nodes []node, a Assumptions) (slorec.Graph, error) {
	var problems []string
	bad := func(f string, args ...any) { problems = append(problems, fmt.Sprintf(f, args...)) }

	declared := map[string]bool{}
	for _, n := range nodes {
		if declared[n.id] {
			bad("service %q is declared twice", n.id)
		}
		declared[n.id] = true
	}
	edges := map[edgeKey]bool{}
	for _, n := range nodes {
		for _, d := range n.deps {
			edges[edgeKey{n.id, d.Target}] = true
		}
	}
	dropped := map[string]bool{}
	for _, r := range a.Drop {
		switch {
		case !declared[r.ID]:
			bad("drop rule for %q, which the topology does not declare", r.ID)
		case dropped[r.ID]:
			bad("two drop rules for %q", r.ID)
		}
		dropped[r.ID] = true
	}
	svcRules := map[string]ServiceRule{}
	for _, r := range a.Services {
		switch {
		case !declared[r.ID]:
			bad("service rule for %q, which the topology does not declare", r.ID)
		case dropped[r.ID]:
			bad("service rule for %q, which a drop rule removes", r.ID)
		case r.Kind != "" && !r.Kind.Valid():
			bad("service rule for %q: unknown kind %q", r.ID, r.Kind)
		case r.Tier != "" && !r.Tier.Valid():
			bad("service rule for %q: unknown tier %q", r.ID, r.Tier)
		}
		if _, dup := svcRules[r.ID]; dup {
			bad("two service rules for %q", r.ID)
		}
		svcRules[r.ID] = r
	}
	edgeRules := map[edgeKey]EdgeRule{}
	for _, r := range a.Edges {
		k := edgeKey{r.From, r.To}
		switch {
		case !edges[k]:
			bad("edge rule for %s -> %s, which the topology does not have", r.From, r.To)
		case dropped[r.From] || dropped[r.To]:
			bad("edge rule for %s -> %s, which a drop rule removes", r.From, r.To)
		case r.Type != "" && r.Type != slorec.Sync && r.Type != slorec.Async:
			bad("edge rule for %s -> %s: unknown type %q", r.From, r.To, r.Type)
		case r.Criticality != "" && r.Criticality != slorec.Hard && r.Criticality != slorec.Soft:
			bad("edge rule for %s -> %s: unknown criticality %q", r.From, r.To, r.Criticality)
		case !(r.CallRatio >= 0 && r.CallRatio <= 1):
			bad("edge rule for %s -> %s: call ratio %v is not in (0,1]", r.From, r.To, r.CallRatio)
		}
		if _, dup := edgeRules[k]; dup {
			bad("two edge rules for %s -> %s", r.From, r.To)
		}
		edgeRules[k] = r
	}
	switch a.Unknown {
	case KeepMissing, AddExternal:
	default:
		bad("unknown-target policy %q (want %q or %q)", a.Unknown, KeepMissing, AddExternal)
	}
	if len(problems) > 0 {
		return slorec.Graph{}, slorec.Errorf(slorec.EINVALID, "assumptions: %s", strings.Join(problems, "; "))
	}

	kinds := map[string]slorec.ServiceKind{}
	var g slorec.Graph
	var unknown []string
	for _, n := range nodes {
		if dropped[n.id] {
			continue
		}
		r := svcRules[n.id]
		s := slorec.Service{ID: n.id, Name: n.name, Kind: n.kind, Tier: n.tier, Owner: n.own,
			PublishedSLA: n.sla, Version: n.ver}
		if r.Kind != "" {
			s.Kind = r.Kind
		}
		if r.Tier != "" {
			s.Tier = r.Tier
		}
		if r.PublishedSLA != 0 {
			s.PublishedSLA = r.PublishedSLA
		}
		kinds[s.ID] = s.Kind
		g.Services = append(g.Services, s)
	}
	at := make(map[string]int, len(nodes))
	for i, n := range nodes {
		at[n.id] = i
	}
	for i := range g.Services {
		s := &g.Services[i]
		for _, d := range nodes[at[s.ID]].deps {
			if dropped[d.Target] {
				continue
			}
			if !declared[d.Target] && !slices.Contains(unknown, d.Target) {
				unknown = append(unknown, d.Target)
			}
			if d.Type == "" || d.Criticality == "" {
				typ, crit := slorec.Sync, slorec.Hard
				if a.Heuristics {
					typ, crit = heuristicEdge(d.Target, kinds[d.Target])
				}
				if d.Type == "" {
					d.Type = typ
				}
				if d.Criticality == "" {
					d.Criticality = crit
				}
				d.Provenance = slorec.Declared
			}
			if r, ok := edgeRules[edgeKey{s.ID, d.Target}]; ok {
				if r.Type != "" {
					d.Type = r.Type
				}
				if r.Criticality != "" {
					d.Criticality = r.Criticality
				}
				if r.CallRatio != 0 {
					d.CallRatio = r.CallRatio
				}
				if r.RedundancyGroup != "" {
					d.RedundancyGroup = r.RedundancyGroup
				}
				if r.ParallelGroup != "" {
					d.ParallelGroup = r.ParallelGroup
				}
			}
			s.Deps = append(s.Deps, d)
		}
	}
	if a.Unknown == AddExternal {
		slices.Sort(unknown)
		for _, id := range unknown {
			g.Services = append(g.Services, slorec.Service{ID: id, Kind: slorec.KindExternal})
		}
	}
	deriveTiers(&g)

	if err := validateGraph(g); err != nil {
		return slorec.Graph{}, err
	}
	return g, nil
}

// heuristicEdge is DefaultAssumptions' rule for an edge without one.
func heuristicEdge(target string, kind slorec.ServiceKind) (slorec.DependencyType, slorec.Criticality) {
	switch {
	case kind == slorec.KindQueue:
		return slorec.Async, slorec.Hard
	case kind == slorec.KindDatastore && isCache(target):
		return slorec.Sync, slorec.Soft
	}
	return slorec.Sync, slorec.Hard
}

// isCache reports whether an id names a cache.
func isCache(id string) bool {
	return strings.Contains(id, "cache") || strings.Contains(id, "memcached")
}

// callers returns, per id, the services that depend on it, in graph order.
func callers(g slorec.Graph) map[string][]string {
	out := map[string][]string{}
	for _, s := range g.Services {
		for _, d := range s.Deps {
			out[d.Target] = append(out[d.Target], s.ID)
		}
	}
	return out
}

// deriveTiers fills empty tiers as DefaultAssumptions describes.
func deriveTiers(g *slorec.Graph) {
	by := callers(*g)
	tier := map[string]slorec.Tier{}
	for _, s := range g.Services {
		tier[s.ID] = s.Tier
	}
	for i := range g.Services {
		s := &g.Services[i]
		if s.Tier != "" || s.Kind != slorec.KindService {
			continue
		}
		s.Tier = slorec.TierStandard
		if len(by[s.ID]) == 0 {
			s.Tier = slorec.TierCritical
		}
		for _, c := range by[s.ID] {
			if len(by[c]) == 0 {
				s.Tier = slorec.TierHigh
			}
		}
		tier[s.ID] = s.Tier
	}
	// Datastores, queues and externals take their callers' highest tier;
	// a caller may itself be one whose tier is not known yet, so repeat
	// until nothing changes.
	for changed := true; changed; {
		changed = false
		for i := range g.Services {
			s := &g.Services[i]
			if s.Tier != "" {
				continue
			}
			var best slorec.Tier
			for _, c := range by[s.ID] {
				if t := tier[c]; t != "" && (best == "" || t.Weight() > best.Weight()) {
					best = t
				}
			}
			if best != "" {
				s.Tier, tier[s.ID], changed = best, best, true
			}
		}
	}
	for i := range g.Services {
		if g.Services[i].Tier == "" {
			g.Services[i].Tier = slorec.TierStandard
		}
	}
}
