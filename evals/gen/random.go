package gen

import (
	"fmt"
	"math"
	"slices"

	"github.com/slorec/slorec"
)

// midName names the i-th mid-tier service of a random graph; past the list
// the names repeat with a numeric suffix.
func midName(i int) string {
	names := [...]string{
		"accounts", "auth", "billing", "cart", "catalog", "checkout", "search",
		"inventory", "pricing", "shipping", "notifications", "profile", "reviews",
		"recommendations", "payments", "sessions", "media", "analytics", "ledger",
		"fraud", "tax", "promotions", "wishlist", "loyalty", "returns", "support",
		"reporting", "geo", "routing", "orders",
	}
	name := names[i%len(names)]
	if k := i / len(names); k > 0 {
		name = fmt.Sprintf("%s-%d", name, k+1)
	}
	return name
}

// Random returns a seeded random topology of n nodes (none for n < 1): a
// layered DAG with entry gateways at the top (about one in twenty nodes,
// tier critical), one to four layers of mid-tier services, and datastores,
// caches, queues and externals at the bottom (about three in ten). Every
// service calls about five nodes of lower layers (three to seven, as many
// as exist), so the graph has no cycles, and every node below the top has a
// caller. Edges to services are mostly hard and synchronous, with soft and
// asynchronous ones mixed in; edges to caches are soft, to queues a mix of
// synchronous publishes and asynchronous ones (and one asynchronous
// consumer per queue), to externals hard or soft. Most edges carry a call
// ratio below one, some callers fan out in parallel, and a few depend on
// two datastores or externals as a redundancy group (failover). The same n
// and seed give the same graph.
func Random(n int, seed int64) slorec.Graph {
	if n < 1 {
		return slorec.Graph{}
	}
	r := newRNG(seed, "random graph")

	// Layer sizes.
	nBottom := 0
	if n >= 2 {
		nBottom = max(1, int(math.Round(0.3*float64(n))))
	}
	nEntry := max(1, int(math.Round(float64(n)/20)))
	if nEntry+nBottom > n {
		nBottom = n - nEntry
	}
	nMid := n - nEntry - nBottom
	layers := 0
	if nMid > 0 {
		layers = min(4, max(1, int(math.Round(math.Log2(float64(nMid)/2)))))
		layers = min(layers, nMid)
	}

	// Nodes, top to bottom. layerOf[i] is 0 for entries, 1..layers for
	// mid layers and layers+1 for the bottom.
	var svcs []slorec.Service
	var layerOf []int
	add := func(s slorec.Service, layer int) {
		svcs = append(svcs, s)
		layerOf = append(layerOf, layer)
	}
	for i := range nEntry {
		add(slorec.Service{ID: numbered("gateway", i+1, nEntry), Kind: slorec.KindService, Tier: slorec.TierCritical}, 0)
	}
	for i := range nMid {
		name := midName(i)
		tiers := []slorec.Tier{slorec.TierCritical, slorec.TierHigh, slorec.TierStandard, slorec.TierLow}
		t := tiers[r.pick([]float64{0.15, 0.35, 0.4, 0.1})]
		// Spread the services evenly over the layers.
		layer := 1 + i*layers/nMid
		add(slorec.Service{ID: name, Kind: slorec.KindService, Tier: t}, layer)
	}
	type bottom struct {
		prefix string
		kind   slorec.ServiceKind
	}
	kinds := []bottom{{"db", slorec.KindDatastore}, {"cache", slorec.KindDatastore}, {"queue", slorec.KindQueue}, {"ext", slorec.KindExternal}}
	counts := make([]int, len(kinds))
	plan := make([]int, nBottom)
	for i := range plan {
		if i < len(kinds) && nBottom >= len(kinds) {
			plan[i] = i // one of each first
		} else {
			plan[i] = r.pick([]float64{0.4, 0.2, 0.15, 0.25})
		}
		counts[plan[i]]++
	}
	slices.Sort(plan)
	seen := make([]int, len(kinds))
	for _, k := range plan {
		seen[k]++
		s := slorec.Service{ID: numbered(kinds[k].prefix, seen[k], counts[k]), Kind: kinds[k].kind}
		if s.Kind == slorec.KindExternal {
			s.PublishedSLA = []float64{0, 0.995, 0.999}[r.Intn(3)]
		}
		add(s, layers+1)
	}

	index := map[string]int{}
	for i, s := range svcs {
		index[s.ID] = i
	}
	has := func(from, to int) bool {
		return slices.ContainsFunc(svcs[from].Deps, func(d slorec.Dependency) bool { return d.Target == svcs[to].ID })
	}
	link := func(from, to int) {
		svcs[from].Deps = append(svcs[from].Deps, edgeTo(r, svcs[from], svcs[to], layerOf[from] == 0))
	}

	// Each service calls three to seven nodes of lower layers: mostly the
	// next layer, the rest anywhere below.
	for i := range svcs {
		if layerOf[i] > layers {
			continue
		}
		var below []int
		var w []float64
		for j := range svcs {
			switch d := layerOf[j] - layerOf[i]; {
			case d == 1:
				below, w = append(below, j), append(w, 3)
			case d > 1:
				below, w = append(below, j), append(w, 1)
			}
		}
		for k := min(3+r.Intn(5), len(below)); k > 0; k-- {
			x := r.pick(w)
			link(i, below[x])
			below, w = slices.Delete(below, x, x+1), slices.Delete(w, x, x+1)
		}
	}
	// Every node below the top has a caller: an orphan gets one from the
	// layer right above it (or any layer above, when that is empty).
	called := make([]bool, len(svcs))
	for _, s := range svcs {
		for _, d := range s.Deps {
			called[index[d.Target]] = true
		}
	}
	for j := range svcs {
		if layerOf[j] == 0 || called[j] {
			continue
		}
		var above []int
		for i := range svcs {
			if layerOf[i] == layerOf[j]-1 {
				above = append(above, i)
			}
		}
		if len(above) == 0 {
			for i := range svcs {
				if layerOf[i] < layerOf[j] {
					above = append(above, i)
				}
			}
		}
		link(above[r.Intn(len(above))], j)
	}
	// One asynchronous consumer per queue, a mid-tier service that does not
	// use it yet.
	for j := range svcs {
		if svcs[j].Kind != slorec.KindQueue {
			continue
		}
		var cand []int
		for i := range svcs {
			if layerOf[i] >= 1 && layerOf[i] <= layers && !has(i, j) {
				cand = append(cand, i)
			}
		}
		if len(cand) > 0 {
			c := cand[r.Intn(len(cand))]
			svcs[c].Deps = append(svcs[c].Deps, slorec.Dependency{Target: svcs[j].ID, Type: slorec.Async, Criticality: slorec.Hard, Provenance: slorec.Declared})
		}
	}
	// Redundancy: about one group per 25 nodes, a caller's hard sync edge to
	// a datastore or an external paired with a second node of the same kind
	// and prefix (a replica or a second provider).
	groups := 0
	for tries := 0; groups < n/25 && tries < 20*n; tries++ {
		i := r.Intn(len(svcs))
		if layerOf[i] > layers || len(svcs[i].Deps) == 0 {
			continue
		}
		d := &svcs[i].Deps[r.Intn(len(svcs[i].Deps))]
		t := svcs[index[d.Target]]
		if d.RedundancyGroup != "" || d.Type != slorec.Sync || d.Criticality != slorec.Hard ||
			(t.Kind != slorec.KindDatastore && t.Kind != slorec.KindExternal) || isCache(t.ID) {
			continue
		}
		var twins []int
		for j := range svcs {
			if j != index[t.ID] && svcs[j].Kind == t.Kind && isCache(svcs[j].ID) == isCache(t.ID) && !has(i, j) {
				twins = append(twins, j)
			}
		}
		if len(twins) == 0 {
			continue
		}
		groups++
		name := fmt.Sprintf("failover-%d", groups)
		d.RedundancyGroup, d.CallRatio, d.ParallelGroup = name, 0, ""
		twin := twins[r.Intn(len(twins))]
		svcs[i].Deps = append(svcs[i].Deps, slorec.Dependency{Target: svcs[twin].ID, Type: slorec.Sync, Criticality: slorec.Hard, RedundancyGroup: name, Provenance: slorec.Declared})
	}
	// Some callers fan out: two or three of their sync calls in parallel.
	for i := range svcs {
		var syncs []int
		for k, d := range svcs[i].Deps {
			if d.Type == slorec.Sync && d.RedundancyGroup == "" {
				syncs = append(syncs, k)
			}
		}
		if len(syncs) < 3 || !r.chance(0.3) {
			continue
		}
		for _, k := range syncs[:2+r.Intn(2)] {
			svcs[i].Deps[k].ParallelGroup = "fanout"
		}
	}
	// Deps in graph order, for stable files.
	for i := range svcs {
		slices.SortStableFunc(svcs[i].Deps, func(a, b slorec.Dependency) int { return index[a.Target] - index[b.Target] })
	}
	g := slorec.Graph{Services: svcs}
	deriveTiers(&g)
	return g
}

// numbered returns prefix-i, zero-padded to the width of total.
func numbered(prefix string, i, total int) string {
	return fmt.Sprintf("%s-%0*d", prefix, len(fmt.Sprint(total)), i)
}

// edgeTo draws a random edge's type, criticality and call ratio from the
// target's kind.
func edgeTo(r *rng, from, to slorec.Service, fromEntry bool) slorec.Dependency {
	d := slorec.Dependency{Target: to.ID, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Declared}
	switch {
	case to.Kind == slorec.KindService:
		switch r.pick([]float64{0.65, 0.2, 0.15}) {
		case 1:
			d.Criticality = slorec.Soft
		case 2:
			d.Type = slorec.Async
		}
	case to.Kind == slorec.KindDatastore && isCache(to.ID):
		d.Criticality = slorec.Soft
	case to.Kind == slorec.KindDatastore:
		if r.chance(0.1) {
			d.Criticality = slorec.Soft
		}
	case to.Kind == slorec.KindQueue:
		if r.chance(0.5) {
			d.Type = slorec.Async
		}
	case to.Kind == slorec.KindExternal:
		if r.chance(0.4) {
			d.Criticality = slorec.Soft
		}
	}
	// An entry point routes each request to a few backends; deeper calls
	// more often happen on every request.
	pAll := 0.4
	if fromEntry {
		pAll = 0.15
	}
	if !r.chance(pAll) {
		d.CallRatio = roundSig(r.logUniform(0.02, 0.9), 2)
	}
	return d
}
