// Package sim generates synthetic datasets (package dataset) by simulating
// requests through a dependency graph, bucket by bucket, with a seed: the
// same Config yields byte-identical files.
//
// # Model
//
// Traffic enters the graph at services with EntryRequestsPerHour, shaped by
// a diurnal cosine, a weekend factor and per-bucket lognormal noise. Every
// edge (sync or async, hard or soft) carries the caller's requests times its
// call ratio; the members of a redundancy group share the group's calls
// (active-active). Request counts are Poisson draws.
//
// Failures are analytic per bucket, computed dependencies first:
//
//	p_fail(s) = 1 - (1 - f(s)) * prod over hard sync groups g of (1 - r_g * p_fail(g))
//
// where f(s) is the service's intrinsic failure rate raised by its own
// incidents (weighted by how much of the bucket they cover), an ungrouped
// dependency is a group of one, a redundancy group fails only when all its
// members fail (p_fail(g) is the product of theirs), and r_g is the group's
// call ratio (its largest member's). Soft and async dependencies never fail
// the caller. Error counts are Binomial(requests, p_fail) draws.
//
// Latency is Monte Carlo: per bucket, LatencySamples request latencies per
// service, each its own lognormal processing time (fitted to LatencyP50Ms and
// LatencyP99Ms, multiplied during incidents with a LatencyFactor) plus its
// synchronous calls (hard or soft): sequential calls add, the members of a
// parallel group take the max, a call happens with its call ratio, and a
// redundancy group calls one member at random. A callee's latency is drawn
// from the callee's samples of the same bucket. The bucket's p50/p95/p99 are
// the nearest-rank percentiles of the samples.
//
// Cycles: a depth-first search in graph order finds the back edges, which
// are treated as soft and also carry no load and add no latency, so that
// neither the traffic nor the latency recursion loops. They are listed in
// the truth's softened_edges.
//
// Truth: per service, intrinsic and end-to-end availability, the
// request-weighted mean of 1-f(s) and 1-p_fail(s) over all buckets
// (incidents included), and their baselines without incidents.
package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

// z99 is the standard normal quantile of 0.99, used to fit a lognormal to a
// p50 and a p99.
const z99 = 2.3263478740408408

// Config describes one simulation.
type Config struct {
	// Graph is the topology; it is written to the dataset unchanged.
	Graph slorec.Graph
	// Services holds the parameters of each node, keyed by id. Nodes
	// without an entry, and zero fields, take the defaults of their kind
	// (see DefaultParams).
	Services map[string]ServiceParams
	// SLOs are copied to the dataset's slos.json.
	SLOs []slorec.SLO
	// Incidents change intrinsic failure rates and latencies for a while.
	Incidents []Incident
	// Start is the first bucket's start (required, UTC).
	Start time.Time
	// Days is the simulated period; default 30.
	Days int
	// BucketWidth is the metrics granularity; default one hour.
	BucketWidth time.Duration
	// Seed makes the run reproducible.
	Seed int64
	// Traffic shapes the entry traffic over time; the zero value is flat.
	Traffic Traffic
	// LatencySamples is the Monte Carlo sample count per service and
	// bucket; default 400.
	LatencySamples int
}

// ServiceParams are the simulated behaviour of one node.
type ServiceParams struct {
	// IntrinsicAvailability is the fraction of requests the service's own
	// code serves successfully, in (0,1].
	IntrinsicAvailability float64
	// EntryRequestsPerHour is the mean traffic entering at this node from
	// outside the graph (users, cron); zero for internal services.
	EntryRequestsPerHour float64
	// LatencyP50Ms and LatencyP99Ms describe the lognormal processing time
	// of the service itself, without its calls. Equal values make it
	// constant.
	LatencyP50Ms float64
	LatencyP99Ms float64
}

// DefaultParams returns the parameters used for nodes of the given kind
// that Config.Services leaves unset. A missing node (no kind) is treated as
// a service.
func DefaultParams(kind slorec.ServiceKind) ServiceParams {
	switch kind {
	case slorec.KindDatastore:
		return ServiceParams{IntrinsicAvailability: 0.9999, LatencyP50Ms: 2, LatencyP99Ms: 15}
	case slorec.KindExternal:
		return ServiceParams{IntrinsicAvailability: 0.995, LatencyP50Ms: 120, LatencyP99Ms: 600}
	case slorec.KindQueue:
		return ServiceParams{IntrinsicAvailability: 0.9999, LatencyP50Ms: 1, LatencyP99Ms: 5}
	}
	return ServiceParams{IntrinsicAvailability: 0.9995, LatencyP50Ms: 10, LatencyP99Ms: 60}
}

// Incident raises a service's failure rate, and optionally its latency,
// for a while.
type Incident struct {
	ID      string
	Service string
	Start   time.Time
	// Duration is how long the incident lasts.
	Duration time.Duration
	// FailureFraction is the extra fraction of the service's own requests
	// that fail: 1 is a full outage, 0.1 a partial one.
	FailureFraction float64
	// LatencyFactor multiplies the service's own processing time during
	// the incident; 0 means unchanged.
	LatencyFactor float64
	Severity      string
	Title         string
	Summary       string
	// ReportedOn is the service the incident record is filed against, when
	// not Service itself (an external API's outage is usually filed on its
	// caller); the record's root_cause is then Service.
	ReportedOn string
	// Unrecorded incidents happen but are left out of incidents.json, like
	// a degradation nobody noticed.
	Unrecorded bool
}

// End returns when the incident ends.
func (in Incident) End() time.Time { return in.Start.Add(in.Duration) }

// Traffic shapes the entry traffic: the rate at time t is
//
//	EntryRequestsPerHour * (1 + DiurnalAmplitude*cos(2π(hour(t)-PeakHourUTC)/24)) * weekend(t) * noise
//
// where weekend(t) is WeekendFactor on Saturdays and Sundays (1 on other
// days, or when WeekendFactor is 0) and noise is lognormal with sigma Noise
// and mean 1, drawn per bucket and entry service.
type Traffic struct {
	DiurnalAmplitude float64
	PeakHourUTC      float64
	WeekendFactor    float64
	Noise            float64
}

func (t Traffic) factor(at time.Time) float64 {
	h := float64(at.Hour()) + float64(at.Minute())/60 + float64(at.Second())/3600
	f := 1 + t.DiurnalAmplitude*math.Cos(2*math.Pi*(h-t.PeakHourUTC)/24)
	if wd := at.Weekday(); t.WeekendFactor > 0 && (wd == time.Saturday || wd == time.Sunday) {
		f *= t.WeekendFactor
	}
	return f
}

// edge is a dependency edge resolved to node indexes.
type edge struct {
	to       int
	sync     bool
	hard     bool
	ratio    float64
	back     bool // softened to break a cycle
	share    float64
	redGroup string
	parGroup string
}

// callGroup is a set of edges treated as one unit: a single dependency, or
// the members of a redundancy group.
type callGroup struct {
	members []int // node indexes
	ratio   float64
}

type node struct {
	id     string
	params ServiceParams
	edges  []edge
	// failGroups are the hard sync dependency groups.
	failGroups []callGroup
	// seq are sequential sync calls, par the parallel groups, each a list
	// of call groups (a redundancy group picks one member per call).
	seq  []callGroup
	par  [][]callGroup
	mu   float64 // lognormal parameters of the own processing time
	sig  float64
	incs []Incident
}

// Run simulates cfg and returns the dataset. It returns an EINVALID error
// for an invalid configuration.
func Run(cfg Config) (*dataset.Dataset, error) {
	s, err := newSim(cfg)
	if err != nil {
		return nil, err
	}
	return s.run(), nil
}

type sim struct {
	cfg     Config
	nodes   []*node
	byID    map[string]int
	order   []int // callers before callees
	buckets int
	softned []dataset.Edge
}

func newSim(cfg Config) (*sim, error) {
	if err := cfg.Graph.Validate(); err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "sim: graph: %s", slorec.ErrorMessage(err))
	}
	if cfg.Start.IsZero() {
		return nil, slorec.Errorf(slorec.EINVALID, "sim: start is required")
	}
	cfg.Start = cfg.Start.UTC()
	if cfg.Days == 0 {
		cfg.Days = 30
	}
	if cfg.BucketWidth == 0 {
		cfg.BucketWidth = time.Hour
	}
	if cfg.LatencySamples == 0 {
		cfg.LatencySamples = 400
	}
	switch {
	case cfg.Days < 0 || cfg.Days > 3660:
		return nil, slorec.Errorf(slorec.EINVALID, "sim: days %d is not in [1,3660]", cfg.Days)
	case cfg.BucketWidth < time.Second || (24*time.Hour)%cfg.BucketWidth != 0:
		return nil, slorec.Errorf(slorec.EINVALID, "sim: bucket width %s does not divide a day", cfg.BucketWidth)
	case cfg.LatencySamples < 10 || cfg.LatencySamples > 100000:
		return nil, slorec.Errorf(slorec.EINVALID, "sim: latency samples %d is not in [10,100000]", cfg.LatencySamples)
	case !(cfg.Traffic.DiurnalAmplitude >= 0 && cfg.Traffic.DiurnalAmplitude < 1):
		return nil, slorec.Errorf(slorec.EINVALID, "sim: diurnal amplitude %v is not in [0,1)", cfg.Traffic.DiurnalAmplitude)
	case !(cfg.Traffic.WeekendFactor >= 0) || !(cfg.Traffic.Noise >= 0 && cfg.Traffic.Noise < 2):
		return nil, slorec.Errorf(slorec.EINVALID, "sim: weekend factor and noise must be non-negative (noise below 2)")
	}

	s := &sim{cfg: cfg, byID: map[string]int{}}
	s.buckets = int(time.Duration(cfg.Days) * 24 * time.Hour / cfg.BucketWidth)
	kinds := map[string]slorec.ServiceKind{}
	addNode := func(id string) {
		if _, ok := s.byID[id]; !ok {
			s.byID[id] = len(s.nodes)
			s.nodes = append(s.nodes, &node{id: id})
		}
	}
	for _, svc := range cfg.Graph.Services {
		addNode(svc.ID)
		kinds[svc.ID] = svc.Kind
	}
	var missing []string
	for _, svc := range cfg.Graph.Services {
		for _, d := range svc.Deps {
			if _, ok := s.byID[d.Target]; !ok && !slices.Contains(missing, d.Target) {
				missing = append(missing, d.Target)
			}
		}
	}
	slices.Sort(missing)
	for _, id := range missing {
		addNode(id)
	}
	for id := range cfg.Services {
		if _, ok := s.byID[id]; !ok {
			return nil, slorec.Errorf(slorec.EINVALID, "sim: parameters for %q, which is not in the graph", id)
		}
	}
	entry := false
	for _, n := range s.nodes {
		p, err := params(DefaultParams(kinds[n.id]), cfg.Services[n.id])
		if err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "sim: service %q: %v", n.id, err)
		}
		n.params = p
		n.mu = math.Log(p.LatencyP50Ms)
		n.sig = (math.Log(p.LatencyP99Ms) - math.Log(p.LatencyP50Ms)) / z99
		entry = entry || p.EntryRequestsPerHour > 0
	}
	if !entry {
		return nil, slorec.Errorf(slorec.EINVALID, "sim: no entry traffic: set EntryRequestsPerHour on at least one service")
	}
	for i, in := range cfg.Incidents {
		idx, ok := s.byID[in.Service]
		switch {
		case !ok:
			return nil, slorec.Errorf(slorec.EINVALID, "sim: incidents[%d]: unknown service %q", i, in.Service)
		case in.Duration <= 0:
			return nil, slorec.Errorf(slorec.EINVALID, "sim: incidents[%d]: duration must be positive", i)
		case !(in.FailureFraction >= 0 && in.FailureFraction <= 1):
			return nil, slorec.Errorf(slorec.EINVALID, "sim: incidents[%d]: failure fraction %v is not in [0,1]", i, in.FailureFraction)
		case !(in.LatencyFactor >= 0):
			return nil, slorec.Errorf(slorec.EINVALID, "sim: incidents[%d]: latency factor %v is negative", i, in.LatencyFactor)
		case !in.Unrecorded && (in.ID == "" || in.Title == ""):
			return nil, slorec.Errorf(slorec.EINVALID, "sim: incidents[%d]: a recorded incident needs an id and a title", i)
		}
		if in.ReportedOn != "" {
			if _, ok := s.byID[in.ReportedOn]; !ok {
				return nil, slorec.Errorf(slorec.EINVALID, "sim: incidents[%d]: unknown service %q", i, in.ReportedOn)
			}
		}
		in.Start = in.Start.UTC()
		s.nodes[idx].incs = append(s.nodes[idx].incs, in)
	}

	for _, svc := range cfg.Graph.Services {
		n := s.nodes[s.byID[svc.ID]]
		for _, d := range svc.Deps {
			n.edges = append(n.edges, edge{
				to: s.byID[d.Target], sync: d.Type == slorec.Sync, hard: d.Criticality == slorec.Hard,
				ratio: d.Ratio(), redGroup: d.RedundancyGroup, parGroup: d.ParallelGroup,
			})
		}
	}
	s.breakCycles()
	for _, n := range s.nodes {
		n.group()
	}
	return s, nil
}

// params fills the zero fields of p from def and checks the result.
func params(def, p ServiceParams) (ServiceParams, error) {
	if p.IntrinsicAvailability == 0 {
		p.IntrinsicAvailability = def.IntrinsicAvailability
	}
	if p.LatencyP50Ms == 0 {
		p.LatencyP50Ms = def.LatencyP50Ms
	}
	if p.LatencyP99Ms == 0 {
		p.LatencyP99Ms = max(def.LatencyP99Ms, p.LatencyP50Ms)
	}
	switch {
	case !(p.IntrinsicAvailability > 0 && p.IntrinsicAvailability <= 1):
		return p, fmt.Errorf("intrinsic availability %v is not in (0,1]", p.IntrinsicAvailability)
	case !(p.EntryRequestsPerHour >= 0) || math.IsInf(p.EntryRequestsPerHour, 0):
		return p, fmt.Errorf("entry requests per hour %v is not a non-negative number", p.EntryRequestsPerHour)
	case !(p.LatencyP50Ms > 0) || !(p.LatencyP99Ms >= p.LatencyP50Ms) || math.IsInf(p.LatencyP99Ms, 0):
		return p, fmt.Errorf("latency p50 %v and p99 %v must be positive with p99 >= p50", p.LatencyP50Ms, p.LatencyP99Ms)
	}
	return p, nil
}

// breakCycles marks the back edges of a depth-first search (nodes and edges
// in graph order) and records the callers-first order of the remaining DAG
// (reverse postorder).
func (s *sim) breakCycles() {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(s.nodes))
	post := make([]int, 0, len(s.nodes))
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		n := s.nodes[i]
		for k := range n.edges {
			e := &n.edges[k]
			switch color[e.to] {
			case white:
				visit(e.to)
			case grey:
				e.back = true
				s.softned = append(s.softned, dataset.Edge{From: n.id, To: s.nodes[e.to].id})
			}
		}
		color[i] = black
		post = append(post, i)
	}
	for i := range s.nodes {
		if color[i] == white {
			visit(i)
		}
	}
	slices.Reverse(post)
	s.order = post
}

// group derives the failure and latency call groups of a node from its
// non-back edges.
func (n *node) group() {
	// Redundancy groups share the group's calls among members.
	size := map[string]int{}
	for _, e := range n.edges {
		if !e.back && e.redGroup != "" {
			size[e.redGroup]++
		}
	}
	for k := range n.edges {
		e := &n.edges[k]
		e.share = 1
		if e.redGroup != "" && size[e.redGroup] > 0 {
			e.share = 1 / float64(size[e.redGroup])
		}
	}
	// collect builds call groups from the edges that pass keep, merging
	// redundancy group members; it returns them in first-edge order.
	collect := func(keep func(edge) bool) ([]callGroup, []string) {
		var groups []callGroup
		var par []string
		at := map[string]int{}
		for _, e := range n.edges {
			if e.back || !keep(e) {
				continue
			}
			if e.redGroup != "" {
				if i, ok := at[e.redGroup]; ok {
					groups[i].members = append(groups[i].members, e.to)
					groups[i].ratio = max(groups[i].ratio, e.ratio)
					continue
				}
				at[e.redGroup] = len(groups)
			}
			groups = append(groups, callGroup{members: []int{e.to}, ratio: e.ratio})
			par = append(par, e.parGroup)
		}
		return groups, par
	}
	n.failGroups, _ = collect(func(e edge) bool { return e.sync && e.hard })
	calls, par := collect(func(e edge) bool { return e.sync })
	parAt := map[string]int{}
	for i, g := range calls {
		if par[i] == "" {
			n.seq = append(n.seq, g)
			continue
		}
		j, ok := parAt[par[i]]
		if !ok {
			j = len(n.par)
			parAt[par[i]] = j
			n.par = append(n.par, nil)
		}
		n.par[j] = append(n.par[j], g)
	}
}

// intrinsicFail returns the node's own failure rate in [from, from+w) and
// the fraction of the bucket its latency-changing incidents cover (with
// the factor of the last one).
func (n *node) intrinsicFail(from time.Time, w time.Duration, withIncidents bool) (fail, slowFrac, slowFactor float64) {
	ok := n.params.IntrinsicAvailability
	if !withIncidents {
		return 1 - ok, 0, 1
	}
	slowFactor = 1
	to := from.Add(w)
	for _, in := range n.incs {
		lo, hi := maxTime(from, in.Start), minTime(to, in.End())
		if !hi.After(lo) {
			continue
		}
		cover := float64(hi.Sub(lo)) / float64(w)
		ok *= 1 - in.FailureFraction*cover
		if in.LatencyFactor > 0 && in.LatencyFactor != 1 {
			slowFrac = min(1, slowFrac+cover)
			slowFactor = in.LatencyFactor
		}
	}
	return 1 - ok, slowFrac, slowFactor
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// failProbs computes p_fail for every node, dependencies first, from the
// intrinsic failure rates.
func (s *sim) failProbs(intrinsic, out []float64) {
	for k := len(s.order) - 1; k >= 0; k-- {
		i := s.order[k]
		ok := 1 - intrinsic[i]
		for _, g := range s.nodes[i].failGroups {
			pg := 1.0
			for _, m := range g.members {
				pg *= out[m]
			}
			ok *= 1 - g.ratio*pg
		}
		out[i] = 1 - ok
	}
}

type acc struct {
	requests      int64
	okIntrinsic   float64
	okEndToEnd    float64
	baseIntrinsic float64
	baseEndToEnd  float64
}

func (s *sim) run() *dataset.Dataset {
	cfg := s.cfg
	r := newRNG(cfg.Seed)
	n := len(s.nodes)
	K := cfg.LatencySamples

	// Metrics rows are emitted per bucket in service id order, which is
	// the order Write uses, so the result needs no sorting.
	byName := make([]int, n)
	for i := range byName {
		byName[i] = i
	}
	slices.SortFunc(byName, func(a, b int) int { return cmp.Compare(s.nodes[a].id, s.nodes[b].id) })

	baseIntr := make([]float64, n)
	baseFail := make([]float64, n)
	for i, nd := range s.nodes {
		baseIntr[i], _, _ = nd.intrinsicFail(cfg.Start, cfg.BucketWidth, false)
	}
	s.failProbs(baseIntr, baseFail)

	var (
		intr     = make([]float64, n)
		fail     = make([]float64, n)
		slowFrac = make([]float64, n)
		slowFac  = make([]float64, n)
		lambda   = make([]float64, n)
		reqs     = make([]int64, n)
		lat      = make([][]float64, n)
		sorted   = make([]float64, K)
		accs     = make([]acc, n)
		metrics  = make([]slorec.MetricBucket, 0, s.buckets*n)
		hours    = cfg.BucketWidth.Hours()
	)
	for i := range lat {
		lat[i] = make([]float64, K)
	}
	for b := range s.buckets {
		start := cfg.Start.Add(time.Duration(b) * cfg.BucketWidth)
		shape := cfg.Traffic.factor(start.Add(cfg.BucketWidth / 2))

		// Traffic, callers first.
		clear(lambda)
		for _, i := range s.order {
			nd := s.nodes[i]
			if rate := nd.params.EntryRequestsPerHour; rate > 0 {
				noise := 1.0
				if sg := cfg.Traffic.Noise; sg > 0 {
					noise = math.Exp(sg*r.normal() - sg*sg/2)
				}
				lambda[i] += rate * hours * shape * noise
			}
			reqs[i] = r.poisson(lambda[i])
			for _, e := range nd.edges {
				if !e.back {
					lambda[e.to] += float64(reqs[i]) * e.ratio * e.share
				}
			}
		}

		// Failures, dependencies first.
		for i, nd := range s.nodes {
			intr[i], slowFrac[i], slowFac[i] = nd.intrinsicFail(start, cfg.BucketWidth, true)
		}
		s.failProbs(intr, fail)

		// Latency, dependencies first.
		for k := len(s.order) - 1; k >= 0; k-- {
			i := s.order[k]
			nd := s.nodes[i]
			call := func(g callGroup) float64 {
				if g.ratio < 1 && r.Float64() >= g.ratio {
					return 0
				}
				m := g.members[0]
				if len(g.members) > 1 {
					m = g.members[r.Intn(len(g.members))]
				}
				return lat[m][r.Intn(K)]
			}
			for j := range K {
				v := math.Exp(nd.mu + nd.sig*r.normal())
				if slowFrac[i] > 0 && r.Float64() < slowFrac[i] {
					v *= slowFac[i]
				}
				for _, g := range nd.seq {
					v += call(g)
				}
				for _, pg := range nd.par {
					var m float64
					for _, g := range pg {
						m = max(m, call(g))
					}
					v += m
				}
				lat[i][j] = v
			}
		}

		// Errors and the rows, in id order.
		for _, i := range byName {
			errs := r.binomial(reqs[i], fail[i])
			row := slorec.MetricBucket{Service: s.nodes[i].id, Start: start, Requests: reqs[i], Errors: errs}
			if reqs[i] > 0 {
				copy(sorted, lat[i])
				slices.Sort(sorted)
				row.LatencyP50Ms = roundLatency(percentile(sorted, 0.50))
				row.LatencyP95Ms = roundLatency(percentile(sorted, 0.95))
				row.LatencyP99Ms = roundLatency(percentile(sorted, 0.99))
			}
			metrics = append(metrics, row)
			a := &accs[i]
			w := float64(reqs[i])
			a.requests += reqs[i]
			a.okIntrinsic += w * (1 - intr[i])
			a.okEndToEnd += w * (1 - fail[i])
			a.baseIntrinsic += w * (1 - baseIntr[i])
			a.baseEndToEnd += w * (1 - baseFail[i])
		}
	}

	truth := &dataset.Truth{
		Generator:     "slorec evals/sim",
		Seed:          cfg.Seed,
		Start:         cfg.Start,
		End:           cfg.Start.Add(time.Duration(s.buckets) * cfg.BucketWidth),
		SoftenedEdges: s.softned,
		Services:      make(map[string]dataset.TruthService, n),
	}
	for i, nd := range s.nodes {
		a := accs[i]
		ts := dataset.TruthService{
			IntrinsicAvailability:         round9(1 - baseIntr[i]),
			EndToEndAvailability:          round9(1 - baseFail[i]),
			BaselineIntrinsicAvailability: round9(1 - baseIntr[i]),
			BaselineEndToEndAvailability:  round9(1 - baseFail[i]),
			Requests:                      a.requests,
		}
		if a.requests > 0 {
			w := float64(a.requests)
			ts.IntrinsicAvailability = round9(a.okIntrinsic / w)
			ts.EndToEndAvailability = round9(a.okEndToEnd / w)
		}
		truth.Services[nd.id] = ts
	}

	var incidents []slorec.Incident
	for _, in := range cfg.Incidents {
		if in.Unrecorded {
			continue
		}
		rec := slorec.Incident{
			ID: in.ID, Service: in.Service, Start: in.Start.UTC(), End: in.End().UTC(),
			Severity: in.Severity, Title: in.Title, Summary: in.Summary,
		}
		if in.ReportedOn != "" && in.ReportedOn != in.Service {
			rec.Service, rec.RootCause = in.ReportedOn, in.Service
		}
		incidents = append(incidents, rec)
	}

	return &dataset.Dataset{
		Graph:     cfg.Graph,
		Metrics:   metrics,
		SLOs:      cfg.SLOs,
		Incidents: incidents,
		Truth:     truth,
	}
}

// percentile returns the nearest-rank q-quantile of sorted samples.
func percentile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// roundLatency rounds to the 0.1 ms the file keeps, and never to 0, which
// would read as "no data".
func roundLatency(v float64) float64 { return max(math.Round(v*10)/10, 0.1) }

// round9 keeps truth.json readable: nine decimals resolve a thousandth of a
// nine at 99.9999%.
func round9(v float64) float64 { return math.Round(v*1e9) / 1e9 }
