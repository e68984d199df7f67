package recommend

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
	"github.com/slorec/slorec/reasoning/stats"
)

// Fact sources.
const (
	srcMetrics  = "metrics"
	srcTopology = "topology"
	srcSLOs     = "slos"
	srcEngine   = "engine"
)

// factList numbers facts F1, F2, ... in the order they are added.
type factList struct{ list []slorec.Fact }

func (f *factList) add(value float64, unit, source, format string, args ...any) string {
	id := "F" + strconv.Itoa(len(f.list)+1)
	if unit == "ratio" || unit == "probability" || unit == "score" {
		value = math.Round(value*1e6) / 1e6
	} else {
		value = math.Round(value*100) / 100
	}
	st := fmt.Sprintf(format, args...)
	if len(st) > 400 { // the schema's limit; statements name ids, which can be long
		st = st[:396] + " ..."
	}
	f.list = append(f.list, slorec.Fact{ID: id, Statement: st, Value: value, Unit: unit, Source: source})
	return id
}

// pct formats a ratio as a percentage with up to three decimals.
func pct(v float64) string {
	s := strconv.FormatFloat(math.Round(v*1e5)/1e3, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// ms formats milliseconds with at most one decimal.
func ms(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " ms"
}

// build turns an analysis into a recommendation. The availability target
// was chosen before (chooseAvailability), in dependency order; build only
// writes it up, so recommendations can be built concurrently.
func build(a *Analysis, opt Options) slorec.Recommendation {
	id := a.Service.ID
	f := factList{list: make([]slorec.Fact, 0, 24)} // a service with a few dependencies has about 20
	rec := slorec.Recommendation{Service: id, EngineVersion: EngineVersion}
	flags := map[string]bool{}
	for _, fl := range a.Composition.Flags {
		flags[string(fl)] = true
	}

	if avail, ok := availabilityObjective(a, opt, &f, flags); ok {
		rec.Objectives = append(rec.Objectives, avail)
	}
	if lat, ok := latencyObjective(a, opt, &f, flags); ok {
		rec.Objectives = append(rec.Objectives, lat)
	}

	c := a.Confidence
	cid := f.add(c.Score, "score", srcEngine, "confidence in the %s recommendation: %.2f (%s)", id, c.Score, c.Level)
	for i := range rec.Objectives {
		rec.Objectives[i].FactIDs = append(rec.Objectives[i].FactIDs, cid)
	}
	rec.Confidence = math.Round(c.Score*1000) / 1000
	rec.ConfidenceReasons = slices.Clone(c.Reasons)
	if len(rec.ConfidenceReasons) == 0 {
		rec.ConfidenceReasons = []string{"complete metrics, measured dependencies, no cycle: nothing lowers confidence"}
	}
	if c.Score < LowConfidence {
		rec.NeedsReview = true
		flags["low-confidence"] = true
	}
	if flags["no-metrics"] || flags["below-ladder"] || flags["no-feasible-availability"] {
		rec.NeedsReview = true
	}
	rec.Facts = f.list
	for fl := range flags {
		rec.Flags = append(rec.Flags, fl)
	}
	slices.Sort(rec.Flags)
	return rec
}

// chosenTier is the tier recommended at this confidence.
func chosenTier(a *Analysis, opt Options) stats.Tier {
	if a.Confidence.Score < LowConfidence {
		return stats.Conservative
	}
	return opt.Tier
}

// availabilityChoice is the availability target decision.
type availabilityChoice struct {
	// candidates are the measured tiers on the ladder, each checked
	// against the bound, then a "ceiling" candidate when none fits.
	candidates []slorec.Candidate
	tier       string
	target     float64
	// belowLadder: the bound snapped down is under the ladder's lowest
	// rung; atCeiling: measured tiers exist but none fits the bound;
	// none: the bound is under 0.0001%, so no positive target is
	// feasible and the recommendation has no availability objective.
	belowLadder, atCeiling, none bool
}

// chooseAvailability picks the availability target: the chosen tier's
// candidate when it fits the bound, else the highest fitting candidate
// below it, else the bound snapped down. It needs a.Bound and
// a.Confidence.
func chooseAvailability(a *Analysis, opt Options) availabilityChoice {
	var ch availabilityChoice
	bound := a.Bound
	for _, c := range a.Availability.Candidates {
		if c.Target <= 0 {
			continue // below the ladder
		}
		cand := slorec.Candidate{Tier: string(c.Tier), Target: c.Target, BreachProbability: round6(c.BreachProbability)}
		cand.Feasible = c.Target <= bound+1e-12
		if !cand.Feasible {
			cand.Reason = fmt.Sprintf("%s is above the dependency bound %s", pct(c.Target), pct(bound))
		}
		ch.candidates = append(ch.candidates, cand)
	}

	tier := chosenTier(a, opt)
	pick := -1
	for i, c := range ch.candidates {
		if c.Tier == string(tier) && c.Feasible {
			pick = i
		}
	}
	if pick < 0 { // the highest feasible target at or below the chosen tier's
		limit := math.Inf(1)
		for _, c := range ch.candidates {
			if c.Tier == string(tier) {
				limit = c.Target
			}
		}
		for i, c := range ch.candidates {
			if c.Feasible && c.Target <= limit && (pick < 0 || c.Target > ch.candidates[pick].Target) {
				pick = i
			}
		}
	}
	if pick >= 0 {
		ch.tier, ch.target = ch.candidates[pick].Tier, ch.candidates[pick].Target
		return ch
	}
	t, onLadder := ceilingTarget(bound)
	ch.belowLadder = !onLadder
	if t == 0 { // the dependencies (or the service) fail nearly every request
		ch.none = true
		return ch
	}
	breach := 1.0
	for _, c := range ch.candidates {
		breach = min(breach, c.BreachProbability)
	}
	if len(ch.candidates) == 0 {
		breach = 0.5 // nothing measured: a coin toss, said plainly
	}
	reason := fmt.Sprintf("the dependency bound %s with its error budget rounded up to two digits", pct(bound))
	if len(ch.candidates) > 0 {
		reason += "; breach probability is at most that of the lowest measured tier"
		ch.atCeiling = true
	} else {
		reason += "; nothing measured, so the breach probability is unknown (0.5)"
	}
	ch.candidates = append(ch.candidates, slorec.Candidate{Tier: "ceiling", Target: t, BreachProbability: breach, Feasible: true, Reason: reason})
	ch.tier, ch.target = "ceiling", t
	return ch
}

// availabilityObjective writes up the availability objective and its
// facts; false when no target is feasible (the facts stay, so the
// recommendation can say why).
func availabilityObjective(a *Analysis, opt Options, f *factList, flags map[string]bool) (slorec.Objective, bool) {
	id := a.Service.ID
	av := a.Availability
	comp := a.Composition
	obj := slorec.Objective{SLI: slorec.Availability, WindowDays: opt.WindowDays, Bound: round6(a.Bound)}
	var ids []string

	if av.HasData {
		q := av.Quality
		ids = append(ids, f.add(av.Observed, "ratio", srcMetrics,
			"%s availability over %.1f days of metrics (%d requests, %d errors): %s", id, q.HistoryDays, q.Requests, q.Errors, pct(av.Observed)))
		if av.CIHigh > 0 {
			ids = append(ids,
				f.add(av.CILow, "ratio", srcEngine, "%s availability, low end of the 90%% day-block bootstrap interval: %s", id, pct(av.CILow)),
				f.add(av.CIHigh, "ratio", srcEngine, "%s availability, high end of the 90%% day-block bootstrap interval: %s", id, pct(av.CIHigh)))
		}
		obj.Source = fmt.Sprintf("%d rolling %d-day windows of good/total requests", av.Windows, av.WindowDays)
	} else {
		flags["no-metrics"] = true
		obj.Source = "no metrics: dependency composition and priors only"
	}

	// Composition facts.
	ids = append(ids, f.add(comp.Intrinsic, "ratio", srcEngine,
		"%s intrinsic availability (%s), its own share without dependency failures: %s", id, comp.IntrinsicSource, pct(comp.Intrinsic)))
	for _, c := range comp.Contributions {
		ids = append(ids, f.add(c.Availability, "ratio", sourceOf(c.Source),
			"hard dependency %s of %s (%s, call ratio %s) counts at %s availability (%s)", c.Target, id, c.Kind, ratioText(c.CallRatio), pct(c.Availability), c.Source))
	}
	for _, c := range comp.Excluded {
		ids = append(ids, f.add(c.Availability, "ratio", sourceOf(c.Source),
			"%s dependency %s of %s does not cap its availability; it delivers %s", c.Reason, c.Target, id, pct(c.Availability)))
	}
	ceilID := f.add(comp.Ceiling, "ratio", srcEngine, "%s availability ceiling from its dependencies as they are: %s", id, pct(comp.Ceiling))
	ids = append(ids, ceilID)
	if comp.Binding != nil {
		ids = append(ids, f.add(comp.Binding.Factor, "ratio", srcEngine,
			"the tightest dependency of %s is %s, which alone caps it at %s", id, comp.Binding.Target, pct(comp.Binding.Factor)))
	}
	if a.Promise < comp.Ceiling-1e-12 {
		ids = append(ids, f.add(a.Promise, "ratio", srcEngine,
			"%s ceiling with every hard dependency held to its recommended SLO: %s", id, pct(a.Promise)))
	}

	// Candidates: the statistical tiers, each checked against the bound
	// (decided by chooseAvailability), each with the fact of its level.
	for _, c := range av.Candidates {
		if c.Target > 0 {
			ids = append(ids, f.add(c.Level, "ratio", srcEngine, "%s availability met in %.0f%% of %d-day windows: %s", id, 100*c.Tier.Coverage(), av.WindowDays, pct(c.Level)))
		}
	}
	ch := a.choice
	if ch.none {
		flags["no-feasible-availability"] = true
		if _, ok := a.Current[slorec.Availability]; ok {
			flags["current-slo-infeasible"] = true
		}
		f.add(a.Bound, "ratio", srcEngine, "no availability SLO is feasible for %s: what its dependencies and its own history allow, %s, is under 0.0001%%", id, pct(a.Bound))
		return slorec.Objective{}, false
	}
	obj.Candidates, obj.Tier, obj.Target = ch.candidates, ch.tier, ch.target
	if ch.belowLadder {
		flags["below-ladder"] = true
	}
	if ch.atCeiling {
		flags["target-at-ceiling"] = true
	}
	ids = append(ids, f.add(obj.Target, "ratio", srcEngine, "recommended %s availability SLO for %s over %d days: %s", obj.Tier, id, opt.WindowDays, pct(obj.Target)))

	if cur, ok := a.Current[slorec.Availability]; ok {
		obj.Current, obj.Mitigations = checkAvailability(a, cur, f, ceilID, flags)
	} else {
		for _, v := range depgraph.ExtraNine(obj.Target, comp) {
			obj.Mitigations = append(obj.Mitigations, nineText(id, obj.Target, v))
		}
	}
	obj.FactIDs = ids
	return obj, true
}

// checkAvailability checks a current availability SLO against the ceiling
// and says what would make it feasible.
func checkAvailability(a *Analysis, cur slorec.SLO, f *factList, ceilID string, flags map[string]bool) (*slorec.SLOCheck, []string) {
	id := a.Service.ID
	comp := a.Composition
	curID := f.add(cur.Target, "ratio", srcSLOs, "current availability SLO of %s: %s", id, pct(cur.Target))
	chk := &slorec.SLOCheck{Target: cur.Target, Feasible: cur.Target <= comp.Ceiling+1e-12, Headroom: round6(comp.Ceiling - cur.Target)}
	chk.FactIDs = []string{curID, ceilID}
	var mit []string
	if chk.Feasible {
		chk.Reason = fmt.Sprintf("feasible: the ceiling %s leaves %s of headroom", pct(comp.Ceiling), pct(comp.Ceiling-cur.Target))
		if a.Promise < cur.Target {
			chk.Reason += fmt.Sprintf(", but with dependencies held to their recommended SLOs the ceiling is %s, below the target", pct(a.Promise))
		}
	} else {
		flags["current-slo-infeasible"] = true
		chk.Reason = fmt.Sprintf("infeasible: %s is above the ceiling %s that the dependencies allow", pct(cur.Target), pct(comp.Ceiling))
		mit = append(mit, feasibleWhen(a, cur.Target, f, chk)...)
		if t, ok := snapDown(comp.Ceiling); ok {
			mit = append(mit, fmt.Sprintf("or lower the %s target to %s, the highest ladder rung under its ceiling", id, pct(t)))
		}
	}
	for _, v := range depgraph.ExtraNine(cur.Target, comp) {
		mit = append(mit, nineText(id, cur.Target, v))
	}
	return chk, mit
}

// feasibleWhen says what each hard dependency, or the service itself, would
// need to deliver for target to fit under the ceiling.
func feasibleWhen(a *Analysis, target float64, f *factList, chk *slorec.SLOCheck) []string {
	id := a.Service.ID
	comp := a.Composition
	var out []string
	for i, c := range comp.Contributions {
		others := comp.Intrinsic
		for j, o := range comp.Contributions {
			if j != i {
				others *= o.Factor
			}
		}
		if others < target {
			continue // no availability of this dependency alone suffices
		}
		need := 1 - (1-target/others)/c.CallRatio
		if need <= c.Availability || need >= 1 {
			continue
		}
		rid := f.add(need, "ratio", srcEngine, "availability %s needs from %s for a %s target: %s", id, c.Target, pct(target), pct(need))
		chk.FactIDs = append(chk.FactIDs, rid)
		out = append(out, fmt.Sprintf("raise %s from %s to at least %s (redundancy, a fallback, or a better SLA)", c.Target, pct(c.Availability), pct(need)))
	}
	if deps := comp.Ceiling / comp.Intrinsic; comp.Intrinsic > 0 && deps > 0 {
		need := target / deps
		if need < 1 && need > comp.Intrinsic {
			rid := f.add(need, "ratio", srcEngine, "intrinsic availability %s needs with its dependencies as they are for a %s target: %s", id, pct(target), pct(need))
			chk.FactIDs = append(chk.FactIDs, rid)
			out = append(out, fmt.Sprintf("or raise %s's own intrinsic availability from %s to at least %s", id, pct(comp.Intrinsic), pct(need)))
		}
	}
	return out
}

func nineText(id string, target float64, v depgraph.NineViolation) string {
	s := fmt.Sprintf("extra-nine rule: %s fails %s of %s's requests, %.1f× the %s allowed for a %s target; it needs %s",
		v.Dependency, pct(v.Unavailability), id, v.Excess, pct(v.Budget), pct(target), pct(v.RequiredAvailability))
	if len(v.Mitigations) > 0 {
		s += "; " + v.Mitigations[0].Text
	}
	if len(s) > 400 {
		s = s[:397] + "..."
	}
	return s
}

func latencyObjective(a *Analysis, opt Options, f *factList, flags map[string]bool) (slorec.Objective, bool) {
	id := a.Service.ID
	lt := a.Latency
	if !lt.HasData {
		flags["no-latency-data"] = true
		return slorec.Objective{}, false
	}
	p := lt.Percentile
	obj := slorec.Objective{SLI: slorec.Latency, Percentile: p, Target: p / 100, WindowDays: opt.WindowDays, Source: lt.Source, Bound: round2(a.FloorMs)}
	var ids []string
	obs := pctOf(a.Observed, p)
	if obs > 0 {
		ids = append(ids, f.add(obs, "ms", srcMetrics, "%s mean hourly p%s latency: %s", id, num(p), ms(obs)))
	}
	if a.FloorDep != "" {
		ids = append(ids, f.add(a.FloorMs, "ms", srcEngine,
			"%s p%s cannot be below %s: its synchronous dependency %s takes that long at the matching quantile", id, num(p), ms(a.FloorMs), a.FloorDep))
	}
	if a.Path != nil {
		ids = append(ids, f.add(a.Path.BoundMs, "ms", srcEngine,
			"conservative p99 bound for requests entering %s, sum of self p99s along %s: %s", id, pathText(a.Path.Path), ms(a.Path.BoundMs)))
		if e := pctOf(a.Path.Estimate, p); e > 0 {
			ids = append(ids, f.add(e, "ms", srcEngine, "Monte Carlo p%s estimate for requests entering %s (%d samples): %s", num(p), id, a.Path.Samples, ms(e)))
		}
	}
	for _, c := range lt.Candidates {
		cand := slorec.Candidate{Tier: string(c.Tier), Target: p / 100, ThresholdMs: c.ThresholdMs, BreachProbability: round6(c.BreachProbability)}
		cand.Feasible = c.ThresholdMs >= a.FloorMs
		if !cand.Feasible {
			cand.Reason = fmt.Sprintf("%s is below the dependency floor %s", ms(c.ThresholdMs), ms(a.FloorMs))
		}
		ids = append(ids, f.add(c.ThresholdMs, "ms", srcEngine, "%s %s p%s threshold (raw %s with headroom, snapped up): %s", id, c.Tier, num(p), ms(c.RawMs), ms(c.ThresholdMs)))
		obj.Candidates = append(obj.Candidates, cand)
	}
	tier := chosenTier(a, opt)
	pick := -1
	for i, c := range obj.Candidates {
		if c.Tier == string(tier) && c.Feasible {
			pick = i
		}
	}
	if pick < 0 { // the lowest feasible threshold at or above the chosen tier's
		for i, c := range obj.Candidates {
			if c.Feasible && (pick < 0 || c.ThresholdMs < obj.Candidates[pick].ThresholdMs) {
				pick = i
			}
		}
	}
	if pick >= 0 {
		obj.Tier, obj.ThresholdMs = obj.Candidates[pick].Tier, obj.Candidates[pick].ThresholdMs
	} else {
		t := stats.SnapUpMs(a.FloorMs)
		obj.Candidates = append(obj.Candidates, slorec.Candidate{Tier: "ceiling", Target: p / 100, ThresholdMs: t, BreachProbability: 0.5, Feasible: true,
			Reason: fmt.Sprintf("the dependency floor %s snapped up; breach probability unknown (0.5)", ms(a.FloorMs))})
		obj.Tier, obj.ThresholdMs = "ceiling", t
	}
	ids = append(ids, f.add(obj.ThresholdMs, "ms", srcEngine, "recommended %s latency SLO for %s over %d days: p%s under %s (%s of requests)", obj.Tier, id, opt.WindowDays, num(p), ms(obj.ThresholdMs), pct(p/100)))

	if cur, ok := a.Current[slorec.Latency]; ok {
		cid := f.add(cur.ThresholdMs, "ms", srcSLOs, "current latency SLO of %s: %s of requests under %s", id, pct(cur.Target), ms(cur.ThresholdMs))
		chk := &slorec.SLOCheck{Target: cur.Target, ThresholdMs: cur.ThresholdMs, Feasible: cur.ThresholdMs >= a.FloorMs, Headroom: round2(cur.ThresholdMs - a.FloorMs)}
		chk.FactIDs = []string{cid}
		if chk.Feasible {
			chk.Reason = fmt.Sprintf("feasible: %s is above the dependency floor %s", ms(cur.ThresholdMs), ms(a.FloorMs))
		} else {
			flags["current-slo-infeasible"] = true
			chk.Reason = fmt.Sprintf("infeasible: %s is below the floor %s set by %s", ms(cur.ThresholdMs), ms(a.FloorMs), a.FloorDep)
			obj.Mitigations = append(obj.Mitigations, fmt.Sprintf("speed up %s below %s at the matching quantile, call it in parallel or asynchronously, or raise the threshold to %s", a.FloorDep, ms(cur.ThresholdMs), ms(stats.SnapUpMs(a.FloorMs))))
		}
		if att, ok := stats.Attainment(lastDays(a, opt.WindowDays), cur.ThresholdMs); ok {
			aid := f.add(att, "ratio", srcMetrics, "share of %s requests under %s over the last %d days: %s", id, ms(cur.ThresholdMs), opt.WindowDays, pct(att))
			chk.FactIDs = append(chk.FactIDs, aid)
			if att < cur.Target {
				chk.Reason += fmt.Sprintf("; currently missed: %s of requests under %s against a %s target", pct(att), ms(cur.ThresholdMs), pct(cur.Target))
				flags["current-slo-breached"] = true
			}
		}
		obj.Current = chk
	}
	obj.FactIDs = ids
	return obj, true
}

// lastDays returns the buckets of the last n days of the service's history.
func lastDays(a *Analysis, n int) []slorec.MetricBucket {
	var end time.Time
	for i := range a.buckets {
		if t := a.buckets[i].Start; t.After(end) {
			end = t
		}
	}
	from := end.Add(-time.Duration(n) * 24 * time.Hour)
	var out []slorec.MetricBucket
	for _, b := range a.buckets {
		if b.Start.After(from) {
			out = append(out, b)
		}
	}
	return out
}

func pctOf(p depgraph.Percentiles, q float64) float64 {
	switch {
	case q >= 99:
		return p.P99Ms
	case q >= 95:
		return p.P95Ms
	}
	return p.P50Ms
}

func sourceOf(s depgraph.Source) string {
	switch s {
	case depgraph.SourceCommitted:
		return srcSLOs
	case depgraph.SourcePublishedSLA:
		return srcTopology
	case depgraph.SourcePrior:
		return srcEngine
	}
	return srcMetrics
}

func ratioText(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }
func num(v float64) string       { return strconv.FormatFloat(v, 'f', -1, 64) }
func round6(v float64) float64   { return math.Round(v*1e6) / 1e6 }
func round2(v float64) float64   { return math.Round(v*100) / 100 }

// pathText names a path, eliding the middle of a long one.
func pathText(p []string) string {
	if len(p) > 6 {
		return fmt.Sprintf("%s -> (%d more) -> %s", strings.Join(p[:3], " -> "), len(p)-5, strings.Join(p[len(p)-2:], " -> "))
	}
	return strings.Join(p, " -> ")
}
