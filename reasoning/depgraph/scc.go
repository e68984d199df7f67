package depgraph

import (
	"container/heap"
	"slices"
)

// scc is a decomposition of a graph into strongly connected components,
// numbered in a topological order of the condensation: a component comes
// after every component it depends on, and among the components whose
// dependencies are all placed, the one holding the smallest id goes first.
type scc struct {
	comp    []int32   // node -> component
	members [][]int32 // component -> nodes, ascending (so ascending id)
	deps    [][]int32 // component -> components it depends on, ascending
	cyclic  []bool    // more than one node, or a self-loop
}

// decompose runs Tarjan's algorithm without recursion (an explicit call
// stack, so graphs of any depth are safe), then orders the components.
func decompose(adj csr) scc {
	n := int32(len(adj.off) - 1)
	const unvisited = -1
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = unvisited
	}
	type frame struct{ v, next int32 }
	var (
		calls   []frame
		stack   []int32
		counter int32
		comp    = make([]int32, n)
		members [][]int32
		flat    = make([]int32, 0, n) // members are windows of one array
	)
	visit := func(v int32) {
		index[v], low[v] = counter, counter
		counter++
		stack = append(stack, v)
		onStack[v] = true
		calls = append(calls, frame{v: v, next: adj.off[v]})
	}
	for s := range n {
		if index[s] != unvisited {
			continue
		}
		visit(s)
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			v := f.v
			if f.next < adj.off[v+1] {
				w := adj.to[f.next]
				f.next++
				if index[w] == unvisited {
					visit(w)
				} else if onStack[w] {
					low[v] = min(low[v], index[w])
				}
				continue
			}
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			c := int32(len(members))
			i := len(stack) - 1
			for stack[i] != v {
				i--
			}
			start := len(flat)
			flat = append(flat, stack[i:]...)
			m := flat[start:len(flat):len(flat)]
			stack = stack[:i]
			for _, w := range m {
				onStack[w] = false
				comp[w] = c
			}
			slices.Sort(m)
			members = append(members, m)
		}
	}
	return order(adj, comp, members)
}

// order renumbers Tarjan's components (which come out dependencies first,
// but in an order that depends on the traversal) into the canonical
// topological order: Kahn's algorithm over the condensation, breaking ties
// by the smallest member id.
func order(adj csr, comp []int32, members [][]int32) scc {
	nc := len(members)
	// deps[c] and dependents[c] are windows of flat arrays.
	deps := make([][]int32, nc)
	cyclic := make([]bool, nc)
	flatDeps := make([]int32, 0, len(adj.to))
	waiting := make([]int, nc)
	nDependents := make([]int32, nc+1)
	for c, m := range members {
		cyclic[c] = len(m) > 1
		start := len(flatDeps)
		for _, u := range m {
			for _, v := range adj.of(u) {
				switch cv := comp[v]; {
				case cv != int32(c):
					flatDeps = append(flatDeps, cv)
				case v == u:
					cyclic[c] = true
				}
			}
		}
		ds := flatDeps[start:]
		slices.Sort(ds)
		ds = slices.Compact(ds)
		flatDeps = flatDeps[:start+len(ds)]
		deps[c] = flatDeps[start:len(flatDeps):len(flatDeps)]
		waiting[c] = len(ds)
		for _, d := range ds {
			nDependents[d+1]++
		}
	}
	for c := range nc {
		nDependents[c+1] += nDependents[c]
	}
	dependents := csr{off: nDependents, to: make([]int32, nDependents[nc])}
	next := slices.Clone(nDependents[:nc])
	for c, ds := range deps {
		for _, d := range ds {
			dependents.to[next[d]] = int32(c)
			next[d]++
		}
	}
	ready := &compHeap{first: make([]int32, nc)}
	for c, m := range members {
		ready.first[c] = m[0]
		if waiting[c] == 0 {
			ready.items = append(ready.items, int32(c))
		}
	}
	heap.Init(ready)
	rank := make([]int32, nc) // old component -> new number
	placed := int32(0)
	for ready.Len() > 0 {
		c := heap.Pop(ready).(int32)
		rank[c] = placed
		placed++
		for _, d := range dependents.of(c) {
			if waiting[d]--; waiting[d] == 0 {
				heap.Push(ready, d)
			}
		}
	}

	out := scc{
		comp:    comp,
		members: make([][]int32, nc),
		deps:    make([][]int32, nc),
		cyclic:  make([]bool, nc),
	}
	for u, c := range comp {
		out.comp[u] = rank[c]
	}
	for c := range nc {
		r := rank[c]
		out.members[r] = members[c]
		out.cyclic[r] = cyclic[c]
		ds := deps[c]
		for i, d := range ds {
			ds[i] = rank[d]
		}
		slices.Sort(ds)
		out.deps[r] = ds
	}
	return out
}

// compHeap is a min-heap of component numbers keyed by their smallest member.
type compHeap struct {
	items []int32
	first []int32
}

func (h *compHeap) Len() int           { return len(h.items) }
func (h *compHeap) Less(i, j int) bool { return h.first[h.items[i]] < h.first[h.items[j]] }
func (h *compHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *compHeap) Push(x any)         { h.items = append(h.items, x.(int32)) }
func (h *compHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// Component is a strongly connected component of the graph: a set of
// services that all reach each other. Cycles collapse into one component.
type Component struct {
	// Members are the component's ids in ascending order.
	Members []string `json:"members"`
	// Deps are the indexes (into the slice Condensation returns) of the
	// components this one depends on, ascending. Each is smaller than the
	// component's own index.
	Deps []int `json:"deps,omitempty"`
	// Cyclic is true when the members form a cycle: more than one member,
	// or a service that depends on itself.
	Cyclic bool `json:"cyclic,omitempty"`
}

// Condensation returns the DAG of strongly connected components over every
// edge (sync and async, hard and soft), in topological order: each
// component comes after the components it depends on, ties broken by the
// smallest member id.
func (g *Graph) Condensation() []Component {
	out := make([]Component, len(g.all.members))
	for c, m := range g.all.members {
		deps := make([]int, len(g.all.deps[c]))
		for i, d := range g.all.deps[c] {
			deps[i] = int(d)
		}
		if len(deps) == 0 {
			deps = nil
		}
		out[c] = Component{Members: g.names(m), Deps: deps, Cyclic: g.all.cyclic[c]}
	}
	return out
}

// ComponentOf returns the index of id's component in Condensation, or -1
// when id is unknown.
func (g *Graph) ComponentOf(id string) int {
	u, ok := g.lookup(id)
	if !ok {
		return -1
	}
	return int(g.all.comp[u])
}

// SCCs returns the strongly connected components over every edge, in the
// order of Condensation, each with its ids ascending. A service on no
// cycle is a component of its own.
func (g *Graph) SCCs() [][]string {
	out := make([][]string, len(g.all.members))
	for c, m := range g.all.members {
		out[c] = g.names(m)
	}
	return out
}

// Cycles returns the cyclic components (more than one service, or a
// service that depends on itself) in the order of Condensation. Cycles
// through async or soft edges count: they matter to the structure even
// when they do not cap availability.
func (g *Graph) Cycles() [][]string {
	var out [][]string
	for c, m := range g.all.members {
		if g.all.cyclic[c] {
			out = append(out, g.names(m))
		}
	}
	return out
}

// TopoOrder returns every id with dependencies before dependents: the
// components of Condensation in order, each expanded in ascending id
// order. Members of a cycle have no order among themselves and come out
// adjacent, by id.
func (g *Graph) TopoOrder() []string {
	out := make([]string, 0, len(g.ids))
	for _, m := range g.all.members {
		for _, u := range m {
			out = append(out, g.ids[u])
		}
	}
	return out
}
