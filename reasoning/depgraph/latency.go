package depgraph

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/slorec/slorec"
)

// Percentiles are latency percentiles in milliseconds.
type Percentiles struct {
	P50Ms float64 `json:"p50_ms"`
	P95Ms float64 `json:"p95_ms"`
	P99Ms float64 `json:"p99_ms"`
}

// SelfFloor is the smallest share of its observed latency a service is
// assumed to spend itself (parsing, serialization, its own work, network
// to its callees). SelfLatency never goes below it, because subtracting
// percentiles overstates what dependencies take (see SelfLatency).
const SelfFloor = 0.1

// DefaultSamples is the number of Monte Carlo samples when MCOptions
// leaves Samples at zero: enough for a stable p99 (20 samples beyond it).
const DefaultSamples = 2000

// z-scores of the standard normal at 0.95 and 0.99, for the lognormal fit.
const (
	z95 = 1.6448536269514722
	z99 = 2.3263478740408408
)

// pcgStream is the fixed second word of the PCG state: any constant works;
// MCOptions.Seed picks the sequence.
const pcgStream = 0x9e3779b97f4a7c15

// SelfLatency estimates the latency id spends itself, from its observed
// (end-to-end, server-side) percentiles minus what its synchronous
// dependencies take. For each percentile q:
//
//	deps_q = Σ_sequential r_d · obs_q(d) + Σ_parallel groups max_{d∈g} r_d · obs_q(d)
//	self_q = max(obs_q(id) − deps_q, SelfFloor · obs_q(id))
//
// with r_d the call ratio. Hard and soft sync dependencies count (the
// caller waits either way); async ones and self-dependencies do not, nor
// do dependencies without observed percentiles (which makes self larger,
// the conservative side for a latency bound). The results are then made
// non-decreasing (p50 ≤ p95 ≤ p99).
//
// This is an approximation: percentiles do not subtract. Taking obs_q(d)
// from obs_q(id) assumes the caller's slow requests are slow exactly when
// its dependencies are (comonotonic), and weighting by r_d spreads a
// partial call over all requests; both tend to overstate the dependencies'
// share, hence the floor. It returns false when id is unknown or has no
// observed percentiles.
func (g *Graph) SelfLatency(id string, observed map[string]Percentiles) (Percentiles, bool) {
	u, ok := g.lookup(id)
	if !ok {
		return Percentiles{}, false
	}
	obs, ok := observed[id]
	if !ok {
		return Percentiles{}, false
	}
	return g.selfLatency(u, sanitizeP(obs), observed), true
}

// SelfLatencies applies SelfLatency to every node with observed
// percentiles.
func (g *Graph) SelfLatencies(observed map[string]Percentiles) map[string]Percentiles {
	out := make(map[string]Percentiles, len(observed))
	for id, obs := range observed {
		if u, ok := g.lookup(id); ok {
			out[id] = g.selfLatency(u, sanitizeP(obs), observed)
		}
	}
	return out
}

func (g *Graph) selfLatency(u int32, obs Percentiles, observed map[string]Percentiles) Percentiles {
	var seq [3]float64
	groups := map[string][3]float64{}
	for _, e := range g.out(u) {
		if !e.sync || e.to == u {
			continue
		}
		p, ok := observed[g.ids[e.to]]
		if !ok {
			continue
		}
		p = sanitizeP(p)
		w := [3]float64{e.ratio * p.P50Ms, e.ratio * p.P95Ms, e.ratio * p.P99Ms}
		name := e.parallel
		if name == "" {
			for i := range seq {
				seq[i] += w[i]
			}
			continue
		}
		m := groups[name]
		for i := range m {
			m[i] = max(m[i], w[i])
		}
		groups[name] = m
	}
	for _, m := range groups {
		for i := range seq {
			seq[i] += m[i]
		}
	}
	o := [3]float64{obs.P50Ms, obs.P95Ms, obs.P99Ms}
	var s [3]float64
	for i := range s {
		s[i] = max(o[i]-seq[i], SelfFloor*o[i])
	}
	s[1] = max(s[1], s[0])
	s[2] = max(s[2], s[1])
	return Percentiles{P50Ms: s[0], P95Ms: s[1], P99Ms: s[2]}
}

// sanitizeP replaces negative and NaN percentiles by zero.
func sanitizeP(p Percentiles) Percentiles {
	fix := func(x float64) float64 {
		if !(x > 0) || math.IsInf(x, 1) {
			return 0
		}
		return x
	}
	return Percentiles{P50Ms: fix(p.P50Ms), P95Ms: fix(p.P95Ms), P99Ms: fix(p.P99Ms)}
}

// MCOptions configures the Monte Carlo estimate of CriticalPath.
type MCOptions struct {
	// Samples is the number of simulated requests: 0 means DefaultSamples,
	// a negative value skips the simulation.
	Samples int
	// Seed selects the random sequence (PCG); equal seeds give equal
	// results, and zero is a seed like any other.
	Seed uint64
}

// PathResult is the latency analysis of one entry point.
type PathResult struct {
	Entry string `json:"entry"`
	// Path is the critical path: from the entry, at each service the call
	// with the largest bound (for a parallel group, its slowest member),
	// down to a service without synchronous dependencies. It is the chain
	// to shorten first.
	Path []string `json:"path"`
	// Steps detail Path: each service's own p99 and the bound of the
	// subtree it roots.
	Steps []Step `json:"steps"`
	// BoundMs is the conservative bound on end-to-end p99: self p99s added
	// over sequential calls, the largest taken over each parallel group,
	// every call counted whatever its call ratio. It errs high in
	// practice (p99s rarely coincide) but is not a theorem: quantiles are
	// not subadditive in general, and k parallel calls exceed their
	// members' p99 more often than 1% of the time.
	BoundMs float64 `json:"bound_ms"`
	// Estimate is the Monte Carlo estimate of end-to-end percentiles, zero
	// when the simulation was skipped.
	Estimate Percentiles `json:"estimate"`
	// Samples and Seed are those used.
	Samples int    `json:"samples"`
	Seed    uint64 `json:"seed"`
	// Reached is the number of services reachable from the entry over
	// synchronous edges, the entry included.
	Reached int `json:"reached"`
	// CutEdges are the edges dropped to break cycles: each closes a cycle
	// back to a service still being walked.
	CutEdges []Edge `json:"cut_edges,omitempty"`
	// NoLatency lists reached services without self latency, counted as
	// zero, in ascending order.
	NoLatency []string `json:"no_latency,omitempty"`
	// Flags: cycle, missing-latency, missing-dependency.
	Flags []Flag `json:"flags,omitempty"`
}

// Step is one service on a critical path.
type Step struct {
	ID        string  `json:"id"`
	SelfP99Ms float64 `json:"self_p99_ms"`
	// BoundMs is the conservative bound of the subtree rooted here.
	BoundMs float64 `json:"bound_ms"`
}

// Edge is a directed dependency edge.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// call is one synchronous call in the walk: the callee's position in
// post-order, the call ratio, and the parallel group (-1: sequential).
type call struct {
	pos   int32
	group int32
	ratio float64
}

// walkNode is one reached service: its latency model and its calls in
// declared order.
type walkNode struct {
	u        int32
	bound    float64 // conservative bound of the subtree
	selfP99  float64
	mu       float64 // lognormal parameters of self latency, when sigma > 0
	sigma    float64
	constant float64 // self latency when sigma == 0
	calls    []call
	groups   int
}

// CriticalPath analyses the latency of requests entering at entry, given
// each service's self latency (see SelfLatencies). It walks synchronous
// edges (hard and soft add latency; async do not): sequential calls add,
// calls sharing a ParallelGroup take the max.
//
// Cycles: the walk is a depth-first search in declared dependency order,
// and an edge back to a service still being walked is cut (listed in
// CutEdges, flagged cycle). What remains is a DAG, so the walk ends.
//
// Monte Carlo: each service's self latency is lognormal with μ = ln p50
// and σ = (ln p99 − ln p50) / z₀.₉₉ (from p95 when p99 is absent; a service
// without a usable p50 is a constant at its largest percentile). A call
// with ratio r happens with probability r. A service reached along several
// paths is drawn once per simulated request, so its calls are fully
// correlated, which errs high for sums. Percentiles are nearest-rank over
// the samples.
//
// It returns an ENOTFOUND error when entry is not in the graph.
func (g *Graph) CriticalPath(entry string, self map[string]Percentiles, opt MCOptions) (PathResult, error) {
	src, ok := g.lookup(entry)
	if !ok {
		return PathResult{}, slorec.Errorf(slorec.ENOTFOUND, "service %q is not in the dependency graph", entry)
	}
	res := PathResult{Entry: entry, Seed: opt.Seed}
	var flags flagSet

	post, cut := g.walk(src)
	for _, c := range cut {
		res.CutEdges = append(res.CutEdges, Edge{From: g.ids[c.from], To: g.ids[g.edges[c.edge].to]})
		flags.add(FlagCycle)
	}
	isCut := make(map[int32]bool, len(cut))
	for _, c := range cut {
		isCut[c.edge] = true
	}
	pos := make([]int32, len(g.ids)) // post-order position by node; dense, as walks reach most of the graph
	for i, u := range post {
		pos[u] = int32(i)
	}
	nodes := make([]walkNode, len(post))
	// Every node's calls live in one buffer, sized for all reached edges.
	edges := 0
	for _, u := range post {
		edges += int(g.edgeOff[u+1] - g.edgeOff[u])
	}
	calls := make([]call, 0, edges)
	maxGroups := 0
	var names []string
	var groupMax []float64
	for i, u := range post {
		w := &nodes[i]
		w.u = u
		if g.missing[u] {
			flags.add(FlagMissingDependency)
		}
		p, ok := self[g.ids[u]]
		if !ok {
			res.NoLatency = append(res.NoLatency, g.ids[u])
			flags.add(FlagMissingLatency)
		}
		w.fit(sanitizeP(p))
		names = names[:0]
		start := len(calls)
		for k, e := range g.out(u) {
			if !e.sync || (len(cut) > 0 && isCut[g.edgeOff[u]+int32(k)]) {
				continue
			}
			c := call{pos: pos[e.to], group: -1, ratio: e.ratio}
			if name := e.parallel; name != "" {
				j := slices.Index(names, name)
				if j < 0 {
					j = len(names)
					names = append(names, name)
				}
				c.group = int32(j)
			}
			calls = append(calls, c)
		}
		w.calls = calls[start:len(calls):len(calls)]
		w.groups = len(names)
		maxGroups = max(maxGroups, w.groups)
		groupMax = slices.Grow(groupMax[:0], w.groups)[:w.groups]
		clear(groupMax)
		w.bound = w.selfP99
		for _, c := range w.calls {
			if c.group < 0 {
				w.bound += nodes[c.pos].bound
			} else {
				groupMax[c.group] = max(groupMax[c.group], nodes[c.pos].bound)
			}
		}
		for _, m := range groupMax {
			w.bound += m
		}
	}
	slices.Sort(res.NoLatency)
	res.Reached = len(post)
	top := int32(len(post) - 1) // the entry finishes last
	res.BoundMs = nodes[top].bound
	for at := top; at >= 0; at = nodes[at].next(nodes) {
		w := &nodes[at]
		res.Path = append(res.Path, g.ids[w.u])
		res.Steps = append(res.Steps, Step{ID: g.ids[w.u], SelfP99Ms: w.selfP99, BoundMs: w.bound})
	}

	res.Samples = opt.Samples
	if res.Samples == 0 {
		res.Samples = DefaultSamples
	}
	if res.Samples > 0 {
		res.Estimate = simulate(nodes, maxGroups, res.Samples, opt.Seed)
	} else {
		res.Samples = 0
	}
	res.Flags = flags.list()
	return res, nil
}

// cutEdge is an edge dropped to break a cycle: its source and its global
// edge index.
type cutEdge struct{ from, edge int32 }

// walk runs an iterative depth-first search from src over sync edges in
// declared order. It returns the reached nodes in post-order (every node
// after all nodes it calls, src last) and the edges cut because they lead
// back to a node on the current walk. Removing the back edges of a
// depth-first search leaves a DAG, and the post-order is a topological
// order of it.
func (g *Graph) walk(src int32) (post []int32, cut []cutEdge) {
	const (
		white = iota
		gray
		black
	)
	state := make([]uint8, len(g.ids))
	type frame struct{ u, next int32 }
	stack := []frame{{u: src, next: g.edgeOff[src]}}
	state[src] = gray
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next == g.edgeOff[f.u+1] {
			state[f.u] = black
			post = append(post, f.u)
			stack = stack[:len(stack)-1]
			continue
		}
		ge := f.next
		f.next++
		e := g.edges[ge]
		if !e.sync {
			continue
		}
		switch state[e.to] {
		case white:
			state[e.to] = gray
			stack = append(stack, frame{u: e.to, next: g.edgeOff[e.to]})
		case gray:
			cut = append(cut, cutEdge{from: f.u, edge: ge})
		}
	}
	return post, cut
}

// fit sets the self-latency model from percentiles.
func (w *walkNode) fit(p Percentiles) {
	w.selfP99 = max(p.P50Ms, p.P95Ms, p.P99Ms)
	switch {
	case p.P50Ms > 0 && p.P99Ms > p.P50Ms:
		w.mu, w.sigma = math.Log(p.P50Ms), (math.Log(p.P99Ms)-math.Log(p.P50Ms))/z99
	case p.P50Ms > 0 && p.P99Ms == 0 && p.P95Ms > p.P50Ms:
		w.mu, w.sigma = math.Log(p.P50Ms), (math.Log(p.P95Ms)-math.Log(p.P50Ms))/z95
	default:
		w.constant = w.selfP99
	}
}

// next returns the post-order position of the callee with the largest
// bound (ties: the first declared), or -1 when w calls nothing. A parallel
// group contributes its largest member, so the largest callee overall is
// the heaviest contribution.
func (w *walkNode) next(nodes []walkNode) int32 {
	best, at := -1.0, int32(-1)
	for _, c := range w.calls {
		if b := nodes[c.pos].bound; b > best {
			best, at = b, c.pos
		}
	}
	return at
}

// simulate draws samples end-to-end latencies of the entry (the last node)
// and returns their nearest-rank percentiles.
func simulate(nodes []walkNode, maxGroups, samples int, seed uint64) Percentiles {
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	t := make([]float64, len(nodes))
	groupMax := make([]float64, maxGroups)
	out := make([]float64, samples)
	for k := range out {
		for i := range nodes {
			w := &nodes[i]
			x := w.constant
			if w.sigma > 0 {
				x = math.Exp(w.mu + w.sigma*rng.NormFloat64())
			}
			gm := groupMax[:w.groups]
			clear(gm)
			for _, c := range w.calls {
				if c.ratio < 1 && rng.Float64() >= c.ratio {
					continue // this request does not make the call
				}
				if c.group < 0 {
					x += t[c.pos]
				} else {
					gm[c.group] = max(gm[c.group], t[c.pos])
				}
			}
			for _, m := range gm {
				x += m
			}
			t[i] = x
		}
		out[k] = t[len(t)-1]
	}
	slices.Sort(out)
	return Percentiles{P50Ms: rank(out, 0.50), P95Ms: rank(out, 0.95), P99Ms: rank(out, 0.99)}
}

// rank returns the nearest-rank q-quantile of sorted xs.
func rank(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
