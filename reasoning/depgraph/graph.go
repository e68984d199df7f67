package depgraph

import (
	"math"
	"slices"

	"github.com/slorec/slorec"
)

// Graph is an immutable index over a service dependency graph: ids mapped
// to dense integers in ascending id order, forward and reverse adjacency,
// and the strongly connected components of the whole graph and of its hard
// synchronous part. A Graph is safe for concurrent use.
type Graph struct {
	ids     []string
	index   map[string]int32
	svcs    []slorec.Service // declared services (deps deduplicated) or synthesized missing ones
	missing []bool

	// edges[edgeOff[u]:edgeOff[u+1]] are u's dependencies in declared order.
	edges   []edge
	edgeOff []int32

	allIn  csr // reverse adjacency over every edge
	hardIn csr // reverse adjacency over hard synchronous edges

	all  scc // components over every edge
	hard scc // components over hard synchronous edges

	missingIDs []string
	duplicates []string
}

// edge is a dependency with the interpretation the algorithms need.
type edge struct {
	to    int32
	sync  bool    // Type is not async: an unknown type counts as sync
	hard  bool    // Criticality is not soft: an unknown criticality counts as hard
	ratio float64 // call ratio clamped into (0,1]
	// redundancy and parallel are the declared group names.
	redundancy string
	parallel   string
}

// csr is a compressed adjacency: node u's neighbours are to[off[u]:off[u+1]].
type csr struct {
	off []int32
	to  []int32
}

func (c csr) of(u int32) []int32 { return c.to[c.off[u]:c.off[u+1]] }

// New builds the index of services. It never fails and never panics on
// partial data:
//
//   - a dependency target that no service declares becomes a missing node
//     (kind service, tier standard, no dependencies), listed by Missing;
//   - when two services share an id, the first one wins and the id is
//     listed by Duplicates;
//   - services with an empty id and dependencies with an empty target are
//     ignored, since nothing can refer to them;
//   - a second dependency on the same target from the same service is
//     ignored (the first one wins);
//   - an unknown dependency type counts as sync and an unknown criticality
//     as hard, the conservative readings; a call ratio outside (0,1] counts
//     as 1 (see [slorec.Dependency.Ratio]).
//
// New copies what it keeps, so later changes to services do not affect the
// graph.
func New(services []slorec.Service) *Graph {
	first := make(map[string]int, len(services)) // id -> position of its first declaration
	var dups []string
	for i := range services {
		id := services[i].ID
		if id == "" {
			continue
		}
		if _, ok := first[id]; ok {
			dups = append(dups, id)
			continue
		}
		first[id] = i
	}

	ids := make([]string, 0, len(first))
	for i := range services {
		if id := services[i].ID; id != "" && first[id] == i {
			ids = append(ids, id)
		}
	}
	missingSet := make(map[string]bool)
	for i := range services {
		if id := services[i].ID; id == "" || first[id] != i {
			continue
		}
		for _, d := range services[i].Deps {
			if _, ok := first[d.Target]; !ok && d.Target != "" && !missingSet[d.Target] {
				missingSet[d.Target] = true
				ids = append(ids, d.Target)
			}
		}
	}
	slices.Sort(ids)

	n := len(ids)
	g := &Graph{
		ids:     ids,
		index:   make(map[string]int32, n),
		svcs:    make([]slorec.Service, n),
		missing: make([]bool, n),
		edgeOff: make([]int32, n+1),
	}
	for i, id := range ids {
		g.index[id] = int32(i)
	}

	nEdges := 0
	for i := range services {
		nEdges += len(services[i].Deps)
	}
	// Every service's kept dependencies are a window of one array, as are
	// its edges; mark[v] == u+1 when u already depends on v.
	deps := make([]slorec.Dependency, 0, nEdges)
	g.edges = make([]edge, 0, nEdges)
	mark := make([]int32, n)
	for u, id := range ids {
		pos, declared := first[id]
		if !declared {
			g.missing[u] = true
			g.svcs[u] = slorec.Service{ID: id, Kind: slorec.KindService, Tier: slorec.TierStandard}
			g.edgeOff[u+1] = int32(len(g.edges))
			continue
		}
		s := services[pos]
		start := len(deps)
		for _, d := range s.Deps {
			if d.Target == "" {
				continue
			}
			v := g.index[d.Target]
			if mark[v] == int32(u)+1 {
				continue
			}
			mark[v] = int32(u) + 1
			deps = append(deps, d)
			g.edges = append(g.edges, edge{
				to:         v,
				sync:       d.Type != slorec.Async,
				hard:       d.Criticality != slorec.Soft,
				ratio:      callRatio(d.CallRatio),
				redundancy: d.RedundancyGroup,
				parallel:   d.ParallelGroup,
			})
		}
		s.Deps = deps[start:len(deps):len(deps)]
		g.svcs[u] = s
		g.edgeOff[u+1] = int32(len(g.edges))
	}

	for id := range missingSet {
		g.missingIDs = append(g.missingIDs, id)
	}
	slices.Sort(g.missingIDs)
	slices.Sort(dups)
	g.duplicates = slices.Compact(dups)

	allOut := g.adjacency(func(edge) bool { return true })
	hardOut := g.adjacency(func(e edge) bool { return e.sync && e.hard })
	g.allIn = reverse(allOut)
	g.hardIn = reverse(hardOut)
	g.all = decompose(allOut)
	g.hard = decompose(hardOut)
	return g
}

// callRatio clamps a declared call ratio into (0,1]: zero means every
// request makes the call, and an invalid value (negative, above one, NaN)
// is read as the conservative 1.
func callRatio(r float64) float64 {
	if r > 0 && r <= 1 {
		return r
	}
	return 1
}

// adjacency returns the forward adjacency over the edges keep accepts.
func (g *Graph) adjacency(keep func(edge) bool) csr {
	n := len(g.ids)
	c := csr{off: make([]int32, n+1), to: make([]int32, 0, len(g.edges))}
	for u := range n {
		for _, e := range g.out(int32(u)) {
			if keep(e) {
				c.to = append(c.to, e.to)
			}
		}
		c.off[u+1] = int32(len(c.to))
	}
	return c
}

// reverse returns the transpose of c. Each node's predecessors come out in
// ascending order because sources are visited in ascending order.
func reverse(c csr) csr {
	n := len(c.off) - 1
	r := csr{off: make([]int32, n+1), to: make([]int32, len(c.to))}
	for _, v := range c.to {
		r.off[v+1]++
	}
	for v := range n {
		r.off[v+1] += r.off[v]
	}
	next := slices.Clone(r.off[:n])
	for u := range n {
		for _, v := range c.of(int32(u)) {
			r.to[next[v]] = int32(u)
			next[v]++
		}
	}
	return r
}

func (g *Graph) out(u int32) []edge { return g.edges[g.edgeOff[u]:g.edgeOff[u+1]] }

func (g *Graph) lookup(id string) (int32, bool) {
	u, ok := g.index[id]
	return u, ok
}

// kindOf returns the kind used for priors and mitigations: the declared
// kind, or service when it is unknown.
func (g *Graph) kindOf(u int32) slorec.ServiceKind {
	if k := g.svcs[u].Kind; k.Valid() {
		return k
	}
	return slorec.KindService
}

// Len returns the number of nodes, missing ones included.
func (g *Graph) Len() int { return len(g.ids) }

// IDs returns every node id, missing ones included, in ascending order.
func (g *Graph) IDs() []string { return slices.Clone(g.ids) }

// Has reports whether id is a node of the graph, declared or missing.
func (g *Graph) Has(id string) bool {
	_, ok := g.index[id]
	return ok
}

// Node returns the service with the given id and whether the graph has
// it. A missing node comes back synthesized (kind service, tier standard,
// no dependencies); use IsMissing to tell. The result is a copy.
func (g *Graph) Node(id string) (slorec.Service, bool) {
	u, ok := g.lookup(id)
	if !ok {
		return slorec.Service{}, false
	}
	s := g.svcs[u]
	s.Deps = slices.Clone(s.Deps)
	return s, true
}

// IsMissing reports whether id is referenced as a dependency but declared
// by no service.
func (g *Graph) IsMissing(id string) bool {
	u, ok := g.lookup(id)
	return ok && g.missing[u]
}

// Missing returns the ids of missing nodes (referenced, undeclared) in
// ascending order.
func (g *Graph) Missing() []string { return slices.Clone(g.missingIDs) }

// Duplicates returns the ids declared more than once, in ascending order.
// Only the first declaration of each is in the graph.
func (g *Graph) Duplicates() []string { return slices.Clone(g.duplicates) }

// Deps returns the dependencies of id in declared order, without ignored
// edges (empty or repeated targets), or nil when id is unknown.
func (g *Graph) Deps(id string) []slorec.Dependency {
	u, ok := g.lookup(id)
	if !ok || len(g.svcs[u].Deps) == 0 {
		return nil
	}
	return slices.Clone(g.svcs[u].Deps)
}

// Dependents returns the ids of the services that depend directly on id,
// over any kind of edge, in ascending order.
func (g *Graph) Dependents(id string) []string {
	u, ok := g.lookup(id)
	if !ok {
		return nil
	}
	return g.names(g.allIn.of(u))
}

// FanIn returns the number of services that depend directly on id.
func (g *Graph) FanIn(id string) int {
	u, ok := g.lookup(id)
	if !ok {
		return 0
	}
	return len(g.allIn.of(u))
}

// FanOut returns the number of distinct direct dependencies of id.
func (g *Graph) FanOut(id string) int {
	u, ok := g.lookup(id)
	if !ok {
		return 0
	}
	return int(g.edgeOff[u+1] - g.edgeOff[u])
}

func (g *Graph) names(us []int32) []string {
	if len(us) == 0 {
		return nil
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = g.ids[u]
	}
	return out
}

// clamp01 clamps x into [0,1]; NaN becomes 0.
func clamp01(x float64) float64 {
	if math.IsNaN(x) || x < 0 {
		return 0
	}
	return min(x, 1)
}
