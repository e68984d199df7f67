package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/sim"
)

// DefaultDays is the simulated period when Options.Days is zero.
const DefaultDays = 45

// DefaultEnd returns when generated metrics end unless Options.Start says
// otherwise. It is fixed, so that committed datasets never change, and in
// the past, so that dataset.Load accepts them.
func DefaultEnd() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

// Options configures Config.
type Options struct {
	// Days is the simulated period; default DefaultDays.
	Days int
	// Seed drives every draw: parameters, traffic shape, incidents, SLOs
	// and the simulation itself.
	Seed int64
	// Start is the first bucket; default DefaultEnd() minus Days.
	Start time.Time
	// BucketWidth is the metrics granularity; default one hour.
	BucketWidth time.Duration
	// LatencySamples is the simulator's Monte Carlo sample count per
	// service and bucket; default the simulator's (400).
	LatencySamples int
	// Incidents is the number of incidents; zero draws about three plus
	// one per four nodes per 45 days (at least four, one of each shape),
	// and a negative value means none.
	Incidents int
}

// unavailabilityRange returns the range (1 - intrinsic availability) drawn
// log-uniformly for a node: 99.5% to 99.995% overall, externals 99% to
// 99.8%. Managed datastores and brokers are at the good end. The ranges
// are this package's assumption, in line with the availability targets
// cloud providers publish for such products (99.9% to 99.99%).
func unavailabilityRange(s slorec.Service) (lo, hi float64) {
	switch s.Kind {
	case slorec.KindDatastore:
		return 5e-5, 3e-4
	case slorec.KindQueue:
		return 5e-5, 2e-4
	case slorec.KindExternal:
		return 2e-3, 1e-2
	}
	switch s.Tier {
	case slorec.TierCritical:
		return 5e-5, 4e-4
	case slorec.TierHigh:
		return 1e-4, 1e-3
	case slorec.TierLow:
		return 5e-4, 5e-3
	}
	return 2e-4, 2e-3
}

// latencyRange returns the range of the own processing time p50 (ms,
// log-uniform) and of the p99/p50 ratio (uniform) for a node: an entry
// gateway, another service, an in-memory store (an id containing cache,
// memcached or redis), another datastore, a queue or an external.
func latencyRange(s slorec.Service, entry bool) (p50lo, p50hi, ratioLo, ratioHi float64) {
	switch {
	case entry:
		return 2, 8, 4, 10
	case s.Kind == slorec.KindDatastore && (isCache(s.ID) || strings.Contains(s.ID, "redis")):
		return 0.3, 1.5, 3, 6 // in memory: caches, and Redis whatever its role
	case s.Kind == slorec.KindDatastore:
		return 1, 6, 4, 10
	case s.Kind == slorec.KindQueue:
		return 0.5, 3, 3, 6
	case s.Kind == slorec.KindExternal:
		return 60, 250, 2.5, 5
	}
	return 4, 40, 3, 8
}

// Incident shapes.
const (
	shapeBurst   = "error burst"
	shapePartial = "partial outage"
	shapeFull    = "full outage"
	shapeLatency = "latency regression"
)

// Config builds a simulation of g: per-node intrinsic availability and
// latency drawn by kind and tier, entry traffic at every service nobody
// calls (log-uniform 20k to 250k requests per hour; a pure queue consumer
// gets what its queues receive from publishers) with a diurnal and weekly
// shape, seeded incidents of four shapes (short error bursts,
// partial outages, full outages, latency regressions), and current SLOs for
// the entry services, some feasible and some not. It returns an EINVALID
// error for a graph that fails the dataset validation or options out of
// range.
func Config(g slorec.Graph, opt Options) (sim.Config, error) {
	if err := validateGraph(g); err != nil {
		return sim.Config{}, err
	}
	if opt.Days == 0 {
		opt.Days = DefaultDays
	}
	if opt.Days < 1 || opt.Days > 3660 {
		return sim.Config{}, slorec.Errorf(slorec.EINVALID, "gen: days %d is not in [1,3660]", opt.Days)
	}
	if opt.BucketWidth == 0 {
		opt.BucketWidth = time.Hour
	}
	if opt.Start.IsZero() {
		opt.Start = DefaultEnd().AddDate(0, 0, -opt.Days)
	}
	cfg := sim.Config{
		Graph:          g,
		Services:       map[string]sim.ServiceParams{},
		Start:          opt.Start.UTC(),
		Days:           opt.Days,
		BucketWidth:    opt.BucketWidth,
		Seed:           opt.Seed,
		LatencySamples: opt.LatencySamples,
	}

	t := newTopo(g)
	pr := newRNG(opt.Seed, "params")
	for _, id := range t.ids {
		s := t.svc[id]
		p := sim.ServiceParams{}
		u := roundSig(pr.logUniform(unavailabilityRange(s)), 2)
		p.IntrinsicAvailability = math.Round((1-u)*1e8) / 1e8
		p50lo, p50hi, rlo, rhi := latencyRange(s, t.entry[id])
		p.LatencyP50Ms = roundSig(pr.logUniform(p50lo, p50hi), 2)
		p.LatencyP99Ms = math.Max(p.LatencyP50Ms, roundSig(p.LatencyP50Ms*pr.uniform(rlo, rhi), 2))
		if t.entry[id] {
			p.EntryRequestsPerHour = roundSig(pr.logUniform(20000, 250000), 2)
		}
		cfg.Services[id] = p
	}
	// A pure queue consumer consumes what the publishers produce.
	load := t.load(cfg.Services)
	for _, id := range t.ids {
		if !t.entry[id] || !t.consumer(id) {
			continue
		}
		var in float64
		for _, d := range t.svc[id].Deps {
			in += load[d.Target]
		}
		if in > 0 {
			p := cfg.Services[id]
			p.EntryRequestsPerHour = roundSig(in, 2)
			cfg.Services[id] = p
		}
	}
	tr := newRNG(opt.Seed, "traffic")
	cfg.Traffic = sim.Traffic{
		DiurnalAmplitude: math.Round(tr.uniform(0.3, 0.6)*100) / 100,
		PeakHourUTC:      float64(13 + tr.Intn(8)),
		WeekendFactor:    math.Round(tr.uniform(0.6, 0.9)*100) / 100,
		Noise:            0.05,
	}
	cfg.Incidents = incidents(t, cfg, opt)

	slos, err := currentSLOs(t, cfg)
	if err != nil {
		return sim.Config{}, err
	}
	cfg.SLOs = slos
	return cfg, nil
}

// Generate builds the configuration of g with Config and simulates it: the
// one call `slorec eval gen` needs. It returns Config's errors.
func Generate(g slorec.Graph, opt Options) (*dataset.Dataset, error) {
	cfg, err := Config(g, opt)
	if err != nil {
		return nil, err
	}
	return sim.Run(cfg)
}

// validateGraph applies package dataset's topology rules, exactly as
// dataset.Load does.
func validateGraph(g slorec.Graph) error {
	data, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("validate topology: %w", err)
	}
	if _, _, err := dataset.ReadTopology(bytes.NewReader(data)); err != nil {
		return err
	}
	return nil
}

// topo is a graph indexed for drawing: declared services in graph order,
// then missing nodes (sorted), which are drawn as standard-tier services.
type topo struct {
	ids     []string
	svc     map[string]slorec.Service
	callers map[string][]caller
	entry   map[string]bool
}

type caller struct {
	id  string
	dep slorec.Dependency
}

func newTopo(g slorec.Graph) *topo {
	t := &topo{svc: map[string]slorec.Service{}, callers: map[string][]caller{}, entry: map[string]bool{}}
	for _, s := range g.Services {
		t.ids = append(t.ids, s.ID)
		t.svc[s.ID] = s
	}
	var missing []string
	for _, s := range g.Services {
		for _, d := range s.Deps {
			t.callers[d.Target] = append(t.callers[d.Target], caller{s.ID, d})
			if _, ok := t.svc[d.Target]; !ok && !slices.Contains(missing, d.Target) {
				missing = append(missing, d.Target)
			}
		}
	}
	slices.Sort(missing)
	for _, id := range missing {
		t.ids = append(t.ids, id)
		t.svc[id] = slorec.Service{ID: id, Kind: slorec.KindService, Tier: slorec.TierStandard}
	}
	for _, s := range g.Services {
		if s.Kind == slorec.KindService && len(t.callers[s.ID]) == 0 {
			t.entry[s.ID] = true
		}
	}
	if len(t.entry) == 0 && len(g.Services) > 0 {
		// Everything is called by something (a cycle, or no services):
		// traffic enters at the first node.
		t.entry[g.Services[0].ID] = true
	}
	return t
}

// entries returns the entry services in graph order.
func (t *topo) entries() []string {
	var out []string
	for _, id := range t.ids {
		if t.entry[id] {
			out = append(out, id)
		}
	}
	return out
}

// consumer reports whether every dependency of id is an asynchronous edge
// to a queue: a worker that pulls messages rather than serving callers.
func (t *topo) consumer(id string) bool {
	deps := t.svc[id].Deps
	for _, d := range deps {
		if d.Type != slorec.Async || t.svc[d.Target].Kind != slorec.KindQueue {
			return false
		}
	}
	return len(deps) > 0
}

// load returns the mean requests per hour each node receives, in the
// simulator's traffic model (calls carry the caller's requests times the
// call ratio, split evenly among a redundancy group's members; edges that
// close a cycle carry nothing), counting only the entry traffic of
// services that are not pure consumers.
func (t *topo) load(params map[string]sim.ServiceParams) map[string]float64 {
	// Callers before callees: reverse postorder of a depth-first search in
	// graph order, the order the simulator uses to break cycles.
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	back := map[edgeKey]bool{}
	var post []string
	var visit func(id string)
	visit = func(id string) {
		color[id] = grey
		for _, d := range t.svc[id].Deps {
			switch color[d.Target] {
			case white:
				visit(d.Target)
			case grey:
				back[edgeKey{id, d.Target}] = true
			}
		}
		color[id] = black
		post = append(post, id)
	}
	for _, id := range t.ids {
		if color[id] == white {
			visit(id)
		}
	}
	load := map[string]float64{}
	for _, id := range t.ids {
		if !t.consumer(id) {
			load[id] = params[id].EntryRequestsPerHour
		}
	}
	for i := len(post) - 1; i >= 0; i-- {
		id := post[i]
		size := map[string]int{}
		for _, d := range t.svc[id].Deps {
			if d.RedundancyGroup != "" && !back[edgeKey{id, d.Target}] {
				size[d.RedundancyGroup]++
			}
		}
		for _, d := range t.svc[id].Deps {
			if back[edgeKey{id, d.Target}] {
				continue
			}
			share := 1.0
			if d.RedundancyGroup != "" {
				share = 1 / float64(size[d.RedundancyGroup])
			}
			load[d.Target] += load[id] * d.Ratio() * share
		}
	}
	return load
}

// incidents draws the incident plan. The first four are one of each shape,
// the full outage on a node with a hard synchronous caller (outside a
// redundancy group), so that every dataset shows a propagated outage; when
// the graph has soft or asynchronous edges the fifth is a full outage of a
// node behind one, so that it also shows an outage that does not propagate.
func incidents(t *topo, cfg sim.Config, opt Options) []sim.Incident {
	if opt.Incidents < 0 {
		return nil
	}
	n := opt.Incidents
	if n == 0 {
		n = max(4, int(math.Round(float64(opt.Days)/45*(3+float64(len(t.ids))/4))))
	}
	r := newRNG(opt.Seed, "incidents")
	declared := func(id string) bool {
		return slices.ContainsFunc(cfg.Graph.Services, func(s slorec.Service) bool { return s.ID == id })
	}
	var hardTargets, softTargets, all []string
	var weights []float64
	for _, id := range t.ids {
		if !declared(id) {
			continue
		}
		all = append(all, id)
		weights = append(weights, map[slorec.ServiceKind]float64{
			slorec.KindService: 1, slorec.KindDatastore: 1.5, slorec.KindQueue: 1, slorec.KindExternal: 3,
		}[t.svc[id].Kind])
		var hard, soft bool
		for _, c := range t.callers[id] {
			switch {
			case c.dep.Type == slorec.Async || c.dep.Criticality == slorec.Soft:
				soft = true
			case c.dep.RedundancyGroup == "":
				hard = true
			}
		}
		if hard {
			hardTargets = append(hardTargets, id)
		}
		if soft {
			softTargets = append(softTargets, id)
		}
	}
	if len(all) == 0 {
		return nil
	}
	shapes := []string{shapeFull, shapePartial, shapeBurst, shapeLatency}
	if len(softTargets) > 0 {
		shapes = append(shapes, shapeFull)
	}
	for len(shapes) < n {
		shapes = append(shapes, []string{shapeBurst, shapePartial, shapeFull, shapeLatency}[r.pick([]float64{0.35, 0.25, 0.15, 0.25})])
	}
	shapes = shapes[:n]

	end := cfg.Start.AddDate(0, 0, cfg.Days)
	var out []sim.Incident
	for k, shape := range shapes {
		var id string
		switch {
		case k == 0 && len(hardTargets) > 0:
			id = hardTargets[r.Intn(len(hardTargets))]
		case k == 4 && len(softTargets) > 0:
			id = softTargets[r.Intn(len(softTargets))]
		default:
			id = all[r.pick(weights)]
		}
		in := sim.Incident{Service: id}
		switch shape {
		case shapeBurst:
			in.Duration = time.Duration(5+r.Intn(16)) * time.Minute
			in.FailureFraction = math.Round(r.uniform(0.2, 0.6)*100) / 100
			in.Unrecorded = r.chance(0.5)
		case shapePartial:
			in.Duration = time.Duration(60+r.Intn(301)) * time.Minute
			in.FailureFraction = math.Round(r.uniform(0.02, 0.15)*1000) / 1000
			in.LatencyFactor = math.Round(r.uniform(1.2, 2)*10) / 10
		case shapeFull:
			in.Duration = time.Duration(10+r.Intn(41)) * time.Minute
			in.FailureFraction = math.Round(r.uniform(0.97, 1)*1000) / 1000
		case shapeLatency:
			in.Duration = time.Duration(120+r.Intn(601)) * time.Minute
			in.LatencyFactor = math.Round(r.uniform(1.5, 4)*10) / 10
			in.Unrecorded = r.chance(0.5)
		}
		// Anywhere but the first and last half day, on a minute.
		span := end.Sub(cfg.Start) - 24*time.Hour - in.Duration
		if span <= 0 {
			span = time.Minute
		}
		in.Start = cfg.Start.Add(12*time.Hour + time.Duration(r.Float64()*float64(span))).Truncate(time.Minute)

		s := t.svc[id]
		// An external's outage is filed against the caller that saw it; a
		// datastore's or a queue's half the time.
		if cs := t.callers[id]; len(cs) > 0 && (s.Kind == slorec.KindExternal || (s.Kind != slorec.KindService && r.chance(0.5))) {
			in.ReportedOn = cs[0].id
		}
		in.Severity = severity(shape, s.Tier)
		in.Title, in.Summary = describeIncident(shape, in)
		out = append(out, in)
	}
	slices.SortStableFunc(out, func(a, b sim.Incident) int { return a.Start.Compare(b.Start) })
	perDay := map[string]int{}
	for i := range out {
		if out[i].Unrecorded {
			continue // nobody filed it: no id, and left out of incidents.json
		}
		day := out[i].Start.Format("20060102")
		perDay[day]++
		out[i].ID = fmt.Sprintf("INC-%s-%d", day, perDay[day])
	}
	return out
}

// Shape returns the shape of an incident Config drew, from its parameters:
// "full outage", "partial outage", "error burst" or "latency regression".
func Shape(in sim.Incident) string {
	switch {
	case in.FailureFraction >= 0.9:
		return shapeFull
	case in.FailureFraction == 0:
		return shapeLatency
	case in.Duration <= 30*time.Minute:
		return shapeBurst
	}
	return shapePartial
}

func severity(shape string, tier slorec.Tier) string {
	top := tier == slorec.TierCritical || tier == slorec.TierHigh
	switch {
	case shape == shapeFull && top:
		return "sev1"
	case shape == shapeFull, shape == shapePartial && top:
		return "sev2"
	}
	return "sev3"
}

func describeIncident(shape string, in sim.Incident) (title, summary string) {
	mins := int(in.Duration / time.Minute)
	dur := fmt.Sprintf("%d minutes", mins)
	if mins >= 120 {
		dur = fmt.Sprintf("%.1f hours", in.Duration.Hours())
	}
	pct := func(f float64) string {
		return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", 100*f), "0"), ".") + "%"
	}
	switch shape {
	case shapeFull:
		return in.Service + " down",
			fmt.Sprintf("%s failed %s of its requests for %s (full outage); callers without a fallback failed with it.", in.Service, pct(in.FailureFraction), dur)
	case shapePartial:
		return in.Service + " elevated errors",
			fmt.Sprintf("%s failed %s of its requests for %s and was %.1fx slower (partial outage).", in.Service, pct(in.FailureFraction), dur, in.LatencyFactor)
	case shapeBurst:
		return in.Service + " error spike",
			fmt.Sprintf("%s failed %s of its requests for %s (short error burst).", in.Service, pct(in.FailureFraction), dur)
	}
	return in.Service + " latency regression",
		fmt.Sprintf("%s took %.1fx its usual time to serve requests for %s; no errors (latency regression).", in.Service, in.LatencyFactor, dur)
}

// availabilityLadder returns the availability targets people set.
func availabilityLadder() []float64 {
	return []float64{0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999}
}

// currentSLOs sets an availability and a latency SLO on every entry
// service. About 40% of them are infeasible, and a dataset with two or more
// has at least one of each: a feasible availability target is the highest
// ladder step that leaves a third of the error budget to spare over the
// incident-free ceiling (the end-to-end availability the topology implies),
// an infeasible one the lowest step above the ceiling; a feasible latency
// threshold is a round number above 1.25x the median hourly percentile, an
// infeasible one below 0.8x. Ceiling and percentiles come from a one-day
// pilot run without incidents.
func currentSLOs(t *topo, cfg sim.Config) ([]slorec.SLO, error) {
	pilot := cfg
	pilot.Days, pilot.Incidents, pilot.SLOs = 1, nil, nil
	d, err := sim.Run(pilot)
	if err != nil {
		return nil, err
	}
	series := d.MetricsByService()
	r := newRNG(cfg.Seed, "slos")
	entries := t.entries()
	feasible := make([]bool, 2*len(entries))
	for i := range feasible {
		feasible[i] = !r.chance(0.4)
	}
	if len(feasible) >= 2 && !slices.Contains(feasible, false) {
		feasible[len(feasible)-1] = false
	}
	if len(feasible) >= 2 && !slices.Contains(feasible, true) {
		feasible[0] = true
	}
	var slos []slorec.SLO
	for i, id := range entries {
		ceiling := d.Truth.Services[id].BaselineEndToEndAvailability
		slos = append(slos, slorec.SLO{Service: id, SLI: slorec.Availability, Target: availabilityTarget(ceiling, feasible[2*i]), WindowDays: 30})

		pct := 95.0
		if r.chance(0.3) {
			pct = 99
		}
		var ps []float64
		for _, b := range series[id] {
			if b.Requests > 0 {
				ps = append(ps, map[float64]float64{95: b.LatencyP95Ms, 99: b.LatencyP99Ms}[pct])
			}
		}
		slices.Sort(ps)
		median := 1.0
		if len(ps) > 0 {
			median = ps[len(ps)/2]
		}
		threshold := niceAbove(1.25 * median)
		if !feasible[2*i+1] {
			threshold = niceBelow(0.8 * median)
		}
		slos = append(slos, slorec.SLO{Service: id, SLI: slorec.Latency, Target: pct / 100, ThresholdMs: threshold, Percentile: pct, WindowDays: 30})
	}
	return slos, nil
}

func availabilityTarget(ceiling float64, feasible bool) float64 {
	if feasible {
		ladder := availabilityLadder()
		best := ladder[0]
		for _, s := range ladder {
			if 1-s >= 1.5*(1-ceiling) {
				best = s
			}
		}
		return best
	}
	for _, s := range availabilityLadder() {
		if s > ceiling {
			return s
		}
	}
	return 0.99999
}

// niceSteps returns the mantissas of round thresholds.
func niceSteps() []float64 { return []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8} }

// niceAbove returns the smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6,
// 7.5, 8 times a power of ten) at or above v.
func niceAbove(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range append(niceSteps(), 10) {
		if m*e >= v*(1-1e-12) {
			return roundSig(m*e, 3)
		}
	}
	return roundSig(10*e, 3)
}

// niceBelow returns the largest round number at or below v.
func niceBelow(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	best := e
	for _, m := range niceSteps() {
		if m*e <= v*(1+1e-12) {
			best = m * e
		}
	}
	return roundSig(best, 3)
}
