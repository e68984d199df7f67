package recommend

import (
	"cmp"
	"context"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
	"github.com/slorec/slorec/reasoning/stats"
)

// Input is everything a recommendation run reads.
type Input struct {
	Services []slorec.Service
	// Metrics holds each service's buckets, keyed by service id, in any
	// order. Services without an entry have no metrics.
	Metrics map[string][]slorec.MetricBucket
	// SLOs are the current SLOs. For a service and SLI the highest
	// Version wins, then the later one in the slice.
	SLOs []slorec.SLO
}

// Analysis is the engine's working for one service: what the statistics,
// the graph and the composition said, before it became a recommendation.
// The demo and the API show it; the recommendation's facts cite it.
type Analysis struct {
	Service slorec.Service `json:"service"`
	// Missing is true for a dependency no one declares.
	Missing      bool                     `json:"missing,omitempty"`
	Availability stats.AvailabilityResult `json:"availability"`
	Latency      stats.LatencyResult      `json:"latency"`
	// Observed are the request-weighted mean hourly percentiles over the
	// history; zero when there is no latency data.
	Observed depgraph.Percentiles `json:"observed_latency"`
	// Composition is the availability composition with the current SLOs
	// as commitments.
	Composition depgraph.Composition `json:"composition"`
	// Promise is the ceiling with every hard dependency held to its
	// recommended target; Bound = min(Composition.Ceiling, Promise).
	Promise float64 `json:"promise"`
	Bound   float64 `json:"bound"`
	// FloorMs is the dependency latency floor at the latency objective's
	// percentile, FloorDep the dependency that sets it.
	FloorMs  float64 `json:"floor_ms,omitempty"`
	FloorDep string  `json:"floor_dep,omitempty"`
	// Path is the critical-path analysis, when it ran for this service.
	Path *depgraph.PathResult `json:"path,omitempty"`
	// Confidence combines data quality with the graph's reasons.
	Confidence stats.Confidence `json:"confidence"`
	// Target is the recommended availability target.
	Target float64 `json:"target"`
	// Current are the current SLOs by SLI.
	Current map[slorec.SLIKind]slorec.SLO `json:"current,omitempty"`
	// FanIn and FanOut count direct dependents and dependencies.
	FanIn  int `json:"fan_in"`
	FanOut int `json:"fan_out"`

	buckets  []slorec.MetricBucket
	selfHash [32]byte
	choice   availabilityChoice
}

// Result is the outcome of a fleet run.
type Result struct {
	// Recommendations are one per declared service, by service id.
	Recommendations []slorec.Recommendation `json:"recommendations"`
	// Analyses are keyed by service id; missing nodes are included.
	Analyses map[string]*Analysis `json:"analyses"`
	Fleet    Fleet                `json:"fleet"`
	// Graph is the indexed graph, for further questions (blast radius,
	// impact analysis).
	Graph *depgraph.Graph `json:"-"`
}

// Fleet summarizes a run.
type Fleet struct {
	Services    int        `json:"services"`
	Missing     []string   `json:"missing,omitempty"`
	Cycles      [][]string `json:"cycles,omitempty"`
	NeedsReview []string   `json:"needs_review,omitempty"`
	// Infeasible lists the current SLOs (service:sli) the dependencies
	// make infeasible.
	Infeasible []string `json:"infeasible,omitempty"`
	// Inconsistent lists services whose recommended target exceeds the
	// ceiling recomputed with every recommendation adopted. The engine
	// is built so that it stays empty; a non-empty list is a bug.
	Inconsistent []string `json:"inconsistent,omitempty"`
}

// Recommend runs the engine over the whole fleet.
func Recommend(ctx context.Context, in Input, opt Options) (*Result, error) {
	return run(ctx, in, opt, "")
}

// RecommendService runs the engine for the fleet but returns only one
// service's recommendation, always with its critical-path analysis. It
// returns an ENOTFOUND error when id is not a declared service.
func RecommendService(ctx context.Context, in Input, id string, opt Options) (*Result, error) {
	return run(ctx, in, opt, id)
}

func run(ctx context.Context, in Input, opt Options, only string) (*Result, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	g := depgraph.New(in.Services)
	if only != "" && (!g.Has(only) || g.IsMissing(only)) {
		return nil, slorec.Errorf(slorec.ENOTFOUND, "service %q is not in the catalog", only)
	}
	current, err := currentSLOs(in.SLOs)
	if err != nil {
		return nil, err
	}
	ids := g.IDs()
	analyses, err := analyseAll(ctx, g, ids, in.Metrics, current, opt)
	if err != nil {
		return nil, err
	}

	// Availability composition with the current SLOs as commitments.
	inputs := make(map[string]depgraph.NodeInput, len(ids))
	for _, id := range ids {
		a := analyses[id]
		ni := depgraph.NodeInput{Observed: a.Availability.Observed, HasObserved: a.Availability.HasData}
		if s, ok := a.Current[slorec.Availability]; ok {
			ni.Committed = s.Target
		}
		inputs[id] = ni
	}
	comps := g.Availability(inputs)

	// Latency: observed percentiles feed the floors and critical paths.
	observed := make(map[string]depgraph.Percentiles, len(ids))
	for _, id := range ids {
		if p := analyses[id].Observed; p.P99Ms > 0 || p.P95Ms > 0 || p.P50Ms > 0 {
			observed[id] = p
		}
	}
	var self map[string]depgraph.Percentiles
	if opt.Paths != PathsNone || only != "" {
		self = g.SelfLatencies(observed)
	}

	paths := criticalPaths(g, ids, self, only, opt)

	// Recommendations in dependency order, so each dependency's target is
	// known when its dependents need it for their promise.
	cycleOf := make(map[string][]string)
	for _, c := range g.Cycles() {
		for _, m := range c {
			cycleOf[m] = c
		}
	}
	targets := make(map[string]float64, len(ids))
	// The input hashes read only the self hashes and the graph: they are
	// computed while the targets are decided.
	hashesDone := make(chan map[string]string, 1)
	go func() { hashesDone <- inputHashes(g, analyses) }()
	res := &Result{Analyses: analyses, Graph: g}
	order := g.TopoOrder()
	for _, id := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a := analyses[id]
		a.Composition = comps[id]
		a.FanIn, a.FanOut = g.FanIn(id), g.FanOut(id)
		a.Promise = promise(a.Composition, targets)
		a.Bound = min(a.Composition.Ceiling, a.Promise)
		a.FloorMs, a.FloorDep = latencyFloor(g, id, latencyPercentile(a), observed)
		a.Path = paths[id]
		a.Confidence = confidence(a, cycleOf[id])
		a.choice = chooseAvailability(a, opt)
		a.Target = a.choice.target
		targets[id] = heldTo(a)
	}
	// With every target decided, the write-ups (facts, candidates,
	// mitigations) are independent of each other, and the consistency
	// check (ceilings with every target adopted) runs alongside them.
	afterDone := make(chan map[string]depgraph.Composition, 1)
	go func() { afterDone <- adoptedCeilings(g, targets, inputs) }()
	hashes := <-hashesDone
	var declared []*Analysis
	for _, id := range order {
		if a := analyses[id]; !a.Missing {
			declared = append(declared, a)
		}
	}
	res.Recommendations = make([]slorec.Recommendation, len(declared))
	parallel(len(declared), opt.Workers, func(i int) {
		res.Recommendations[i] = build(declared[i], opt)
		res.Recommendations[i].InputHash = hashes[declared[i].Service.ID]
	})
	slices.SortFunc(res.Recommendations, func(x, y slorec.Recommendation) int { return cmp.Compare(x.Service, y.Service) })
	res.Fleet = fleetSummary(g, res, targets, <-afterDone)
	if only != "" {
		i := slices.IndexFunc(res.Recommendations, func(r slorec.Recommendation) bool { return r.Service == only })
		res.Recommendations = res.Recommendations[i : i+1]
	}
	return res, nil
}

// parallel calls fn(0), …, fn(n−1) on up to workers goroutines (all CPUs
// when workers <= 0) and returns when every call has.
func parallel(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// criticalPaths analyses the paths of the services opt asks for,
// concurrently: each walk reads only the immutable graph and self.
func criticalPaths(g *depgraph.Graph, ids []string, self map[string]depgraph.Percentiles, only string, opt Options) map[string]*depgraph.PathResult {
	var want []string
	for _, id := range ids {
		if !g.IsMissing(id) && wantPath(opt.Paths, only, id, g.FanIn(id)) {
			want = append(want, id)
		}
	}
	samples := opt.MCSamples
	if only == "" && samples == 0 {
		samples = -1 // fleet runs: the bound only, see Options.MCSamples
	}
	results := make([]*depgraph.PathResult, len(want))
	parallel(len(want), opt.Workers, func(i int) {
		if p, err := g.CriticalPath(want[i], self, depgraph.MCOptions{Samples: samples, Seed: opt.Seed}); err == nil {
			results[i] = &p
		}
	})
	out := make(map[string]*depgraph.PathResult, len(want))
	for i, id := range want {
		out[id] = results[i]
	}
	return out
}

func wantPath(mode PathMode, only, id string, fanIn int) bool {
	switch {
	case only != "":
		return id == only
	case mode == PathsAll:
		return true
	case mode == PathsEntries:
		return fanIn == 0
	}
	return false
}

// currentSLOs indexes the current SLOs by service and SLI.
func currentSLOs(slos []slorec.SLO) (map[string]map[slorec.SLIKind]slorec.SLO, error) {
	out := make(map[string]map[slorec.SLIKind]slorec.SLO)
	for i := range slos {
		s := slos[i]
		if err := s.Validate(); err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d] (%s): %s", i, s.Service, slorec.ErrorMessage(err))
		}
		m := out[s.Service]
		if m == nil {
			m = make(map[slorec.SLIKind]slorec.SLO)
			out[s.Service] = m
		}
		if old, ok := m[s.SLI]; ok && old.Version > s.Version {
			continue
		}
		m[s.SLI] = s
	}
	return out, nil
}

// analyseAll runs the statistics of every node concurrently.
func analyseAll(ctx context.Context, g *depgraph.Graph, ids []string, metrics map[string][]slorec.MetricBucket, current map[string]map[slorec.SLIKind]slorec.SLO, opt Options) (map[string]*Analysis, error) {
	out := make(map[string]*Analysis, len(ids))
	list := make([]*Analysis, len(ids))
	for i, id := range ids {
		svc, _ := g.Node(id)
		list[i] = &Analysis{Service: svc, Missing: g.IsMissing(id), Current: current[id]}
		out[id] = list[i]
	}
	// One error per service, so the error reported (the first in id
	// order) does not depend on scheduling.
	errs := make([]error, len(ids))
	so := opt.statsOptions()
	parallel(len(ids), opt.Workers, func(i int) {
		if ctx.Err() != nil {
			return
		}
		a := list[i]
		errs[i] = analyse(a, metrics[ids[i]], so)
		a.selfHash = selfHash(opt, a.Service, a.Current, a.buckets)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "metrics of %s: %s", ids[i], slorec.ErrorMessage(err))
		}
	}
	return out, nil
}

func analyse(a *Analysis, buckets []slorec.MetricBucket, so stats.Options) error {
	a.buckets = buckets
	var err error
	if a.Availability, a.Latency, err = stats.Analyze(buckets, so); err != nil {
		return err
	}
	a.Observed = meanPercentiles(buckets)
	return nil
}

// meanPercentiles is the request-weighted mean of the buckets' percentiles,
// each over the buckets that carry it.
func meanPercentiles(buckets []slorec.MetricBucket) depgraph.Percentiles {
	var sum, w [3]float64
	for i := range buckets {
		b := &buckets[i]
		r := float64(b.Requests)
		if r <= 0 {
			continue
		}
		for j, v := range [3]float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
			if v > 0 {
				sum[j] += r * v
				w[j] += r
			}
		}
	}
	var p [3]float64
	for j := range p {
		if w[j] > 0 {
			p[j] = sum[j] / w[j]
		}
	}
	return depgraph.Percentiles{P50Ms: p[0], P95Ms: p[1], P99Ms: p[2]}
}

// promise recomputes a ceiling with every hard dependency held to the
// smaller of its availability in comp and its recommended target, when it
// has one yet (a dependency on the same cycle may not).
func promise(comp depgraph.Composition, targets map[string]float64) float64 {
	p := comp.Intrinsic
	for _, c := range comp.Contributions {
		a := c.Availability
		if len(c.Members) > 0 {
			down := 1.0
			for _, m := range c.Members {
				down *= 1 - held(m.Target, m.Availability, targets)
			}
			a = min(a, 1-down)
		} else {
			a = held(c.Target, a, targets)
		}
		p *= 1 - c.CallRatio*(1-a)
	}
	return min(p, comp.Ceiling)
}

// heldTo is the availability a service's dependents may be held to once
// the recommendations are adopted: its recommended target, except for an
// external dependency, which no SLO of ours binds: it is held to what it
// delivers (its bound: the ceiling, lowered by its own dependencies'
// promises), capped by its published SLA.
func heldTo(a *Analysis) float64 {
	if a.Service.Kind != slorec.KindExternal {
		return a.Target
	}
	e := a.Bound
	if sla := a.Service.PublishedSLA; sla > 0 {
		e = min(e, sla)
	}
	return e
}

func held(id string, a float64, targets map[string]float64) float64 {
	if t, ok := targets[id]; ok && t > 0 {
		return min(a, t)
	}
	return a
}

// latencyPercentile is the percentile the latency objective is set on.
func latencyPercentile(a *Analysis) float64 {
	if s, ok := a.Current[slorec.Latency]; ok && s.Percentile > 0 {
		return s.Percentile
	}
	if a.Latency.Percentile > 0 {
		return a.Latency.Percentile
	}
	return 95
}

// latencyFloor returns the sound lower bound on id's p-quantile set by its
// synchronous dependencies (see the package documentation) and the
// dependency that sets it.
func latencyFloor(g *depgraph.Graph, id string, p float64, observed map[string]depgraph.Percentiles) (float64, string) {
	var floor float64
	var by string
	tail := 1 - p/100
	for _, d := range g.Deps(id) {
		if d.Type == slorec.Async || d.Target == id {
			continue
		}
		r := d.Ratio()
		if r <= tail {
			continue // the dependency's calls fit inside the tail
		}
		level := 1 - tail/r
		obs, ok := observed[d.Target]
		if !ok {
			continue
		}
		var q float64
		switch {
		case level >= 0.99 && obs.P99Ms > 0:
			q = obs.P99Ms
		case level >= 0.95 && obs.P95Ms > 0:
			q = obs.P95Ms
		case level >= 0.5:
			q = obs.P50Ms
		}
		if q > floor {
			floor, by = q, d.Target
		}
	}
	return floor, by
}

// adoptedCeilings recomputes every composition with each service committed
// to the target its dependents are held to.
func adoptedCeilings(g *depgraph.Graph, targets map[string]float64, inputs map[string]depgraph.NodeInput) map[string]depgraph.Composition {
	adopted := make(map[string]depgraph.NodeInput, len(inputs))
	for id, ni := range inputs {
		ni.Committed = targets[id]
		adopted[id] = ni
	}
	return g.Availability(adopted)
}

// fleetSummary re-checks consistency with every recommendation adopted
// (after, from adoptedCeilings).
func fleetSummary(g *depgraph.Graph, res *Result, targets map[string]float64, after map[string]depgraph.Composition) Fleet {
	f := Fleet{Services: len(res.Recommendations), Missing: g.Missing(), Cycles: g.Cycles()}
	for _, rec := range res.Recommendations {
		if rec.NeedsReview {
			f.NeedsReview = append(f.NeedsReview, rec.Service)
		}
		for _, o := range rec.Objectives {
			if o.Current != nil && !o.Current.Feasible {
				f.Infeasible = append(f.Infeasible, rec.Service+":"+string(o.SLI))
			}
		}
		ceiling := after[rec.Service].Ceiling + 1e-12
		if res.Analyses[rec.Service].Target > ceiling || targets[rec.Service] > ceiling {
			f.Inconsistent = append(f.Inconsistent, rec.Service)
		}
	}
	return f
}

// ceilingTarget is the target of the "ceiling" tier, taken when no
// measured tier fits the bound: the bound with its error budget rounded up
// to two significant digits (97.758% has a 2.242% budget, rounded to 2.3%:
// 97.7%), capped at the ladder's top rung. It never exceeds v and, unlike
// snapping to the ladder, keeps all but a sliver of what the dependencies
// allow: snapping 97.758% down to 95% would more than double the budget.
// Under 0.0001% it is 0: no positive target fits. The bool says whether v
// is on the ladder (at least its lowest rung).
func ceilingTarget(v float64) (float64, bool) {
	top, bottom := stats.DefaultLadder[len(stats.DefaultLadder)-1], stats.DefaultLadder[0]
	if v >= top {
		return top, true
	}
	t := 1 - stats.CeilSignificant(1-v, 2)
	if t < 1e-6 {
		return 0, false
	}
	return math.Round(t*1e9) / 1e9, v >= bottom-1e-12
}

// snapDown snaps v down the ladder; false when v is below its lowest rung.
func snapDown(v float64) (float64, bool) {
	return stats.SnapDown(v, stats.DefaultLadder)
}
