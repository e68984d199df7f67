package chat

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// compare puts services side by side: recommended availability with its
// tier and bound, the current SLO's verdict, the latency threshold, the
// confidence; then which is strictest and how they depend on each other.
func (e *Engine) compare(services []string) reply {
	var note string
	if len(services) > maxCompared {
		note = fmt.Sprintf("\n(I compare up to %d services at a time: %s left out.)", maxCompared, andList(services[maxCompared:]))
		services = services[:maxCompared]
	}
	for _, s := range services {
		if e.recs[s] == nil {
			return e.undeclared(IntentCompare, s)
		}
	}
	f := newFactSet(true)
	ev := guardrails.AnswerEvidence{}
	var b strings.Builder
	fmt.Fprintf(&b, "%s side by side:\n", andList(services))
	for _, s := range services {
		rec := e.recs[s]
		ev.Recommendations = append(ev.Recommendations, rec)
		fmt.Fprintf(&b, "- %s: ", s)
		var parts []string
		if o := objective(rec, slorec.Availability); o != nil {
			p := fmt.Sprintf("recommended availability %s over %d days (%s tier) under a dependency bound of %s%s",
				pct(o.Target), o.WindowDays, o.Tier, pct(o.Bound), refs(f.use(s, fact(rec, factRecommendedAvailability)), f.use(s, boundFact(rec))))
			if c := o.Current; c != nil {
				verdict := "feasible"
				if !c.Feasible {
					verdict = "infeasible"
				}
				p += fmt.Sprintf("; its current SLO of %s is %s%s", pct(c.Target), verdict, refs(f.use(s, fact(rec, factCurrentAvailability))))
			} else {
				p += "; no current availability SLO"
			}
			parts = append(parts, p)
		} else {
			parts = append(parts, "no feasible availability target")
		}
		if o := objective(rec, slorec.Latency); o != nil {
			parts = append(parts, fmt.Sprintf("latency p%s under %s%s", num(o.Percentile), ms(o.ThresholdMs), refs(f.use(s, fact(rec, factRecommendedLatency)))))
		}
		conf := fmt.Sprintf("confidence %.2f%s", rec.Confidence, refs(f.use(s, fact(rec, factConfidence))))
		if rec.NeedsReview {
			conf += ", needs human review"
		}
		parts = append(parts, conf)
		b.WriteString(strings.Join(parts, "; ") + ".\n")
	}

	// Strictest and loosest availability targets.
	type t struct {
		id string
		v  float64
	}
	var ts []t
	for _, s := range services {
		if o := objective(e.recs[s], slorec.Availability); o != nil {
			ts = append(ts, t{s, o.Target})
		}
	}
	slices.SortStableFunc(ts, func(x, y t) int { return cmp.Compare(y.v, x.v) })
	if len(ts) >= 2 {
		if same(ts[0].v, ts[len(ts)-1].v) {
			b.WriteString("They have the same recommended availability target.")
		} else {
			fmt.Fprintf(&b, "%s has the strictest recommended availability target and %s the loosest.", ts[0].id, ts[len(ts)-1].id)
		}
	}
	for _, rel := range e.relations(services) {
		b.WriteString("\n" + rel)
	}
	b.WriteString(note)
	return reply{intent: IntentCompare, text: b.String(), services: services, facts: f.list, evidence: ev}
}

// relations says how the compared services call each other.
func (e *Engine) relations(services []string) []string {
	var out []string
	for _, s := range e.cfg.Input.Services {
		if !slices.Contains(services, s.ID) {
			continue
		}
		for _, d := range s.Deps {
			if !slices.Contains(services, d.Target) {
				continue
			}
			if d.Criticality == slorec.Hard {
				out = append(out, fmt.Sprintf("%s depends on %s (a hard %s dependency), so %s's availability caps %s's ceiling.", s.ID, d.Target, d.Type, d.Target, s.ID))
			} else {
				out = append(out, fmt.Sprintf("%s depends on %s (a soft %s dependency): its failures degrade %s's requests without failing them.", s.ID, d.Target, d.Type, s.ID))
			}
		}
	}
	return out
}

// risk is one reason a service's SLOs are at risk.
type risk struct {
	severity int // lower is worse
	text     string
}

// lowHeadroomShare: a committed availability SLO whose ceiling is within
// a quarter of its error budget of the target is at risk: a dependency
// regression of that size makes it infeasible.
const lowHeadroomShare = 0.25

// lowLatencyHeadroom: a latency threshold within 10% of the dependency
// floor is at risk the same way.
const lowLatencyHeadroom = 0.10

// atRisk lists the services whose committed SLOs the engine finds at
// risk (infeasible, breached, above the ceiling with dependencies held
// to their recommendations, low headroom), the recommendations needing
// review, the dependency cycles and undeclared dependencies, and the
// unhealthy services of the platform scorecard. only, when set, limits
// the answer to those services.
func (e *Engine) atRisk(only []string) reply {
	f := newFactSet(true)
	ev := guardrails.AnswerEvidence{}
	keep := func(id string) bool { return len(only) == 0 || slices.Contains(only, id) }
	type entry struct {
		id    string
		risks []risk
	}
	var entries []entry
	var review []string
	committed := 0
	for _, id := range e.declared {
		if !keep(id) {
			continue
		}
		rec := e.recs[id]
		ev.Recommendations = append(ev.Recommendations, rec)
		var rs []risk
		for _, o := range rec.Objectives {
			c := o.Current
			if c == nil {
				continue
			}
			committed++
			ids := f.useIDs(rec, c.FactIDs)
			switch {
			case !c.Feasible:
				s := fmt.Sprintf("its committed %s SLO is %s%s", o.SLI, c.Reason, refs(ids...))
				if len(o.Mitigations) > 0 {
					s += "; to fix it: " + o.Mitigations[0]
				}
				rs = append(rs, risk{0, s})
			case slices.Contains(rec.Flags, "current-slo-breached") && o.SLI == slorec.Latency:
				rs = append(rs, risk{1, fmt.Sprintf("its committed latency SLO is %s%s", c.Reason, refs(ids...))})
			case o.SLI == slorec.Availability && e.heldBelow(id, c.Target):
				rs = append(rs, risk{2, fmt.Sprintf("its committed availability SLO is %s%s", c.Reason, refs(append(ids, f.use(id, fact(rec, factPromise)))...))})
			case o.SLI == slorec.Availability && c.Headroom < lowHeadroomShare*(1-c.Target):
				rs = append(rs, risk{3, fmt.Sprintf("its committed availability SLO of %s leaves only %s of headroom under the ceiling, less than a quarter of its %s error budget%s",
					pct(c.Target), pct(c.Headroom), pct(1-c.Target), refs(ids...))})
			case o.SLI == slorec.Latency && c.ThresholdMs > 0 && c.Headroom < lowLatencyHeadroom*c.ThresholdMs:
				rs = append(rs, risk{3, fmt.Sprintf("its committed latency SLO is %s, within a tenth of the dependency floor%s", c.Reason, refs(ids...))})
			}
		}
		if len(rs) > 0 {
			entries = append(entries, entry{id, rs})
		}
		if rec.NeedsReview {
			review = append(review, fmt.Sprintf("%s (confidence %.2f%s: %s)", id, rec.Confidence, refs(f.use(id, fact(rec, factConfidence))), strings.Join(rec.ConfidenceReasons, "; ")))
		}
	}
	slices.SortStableFunc(entries, func(x, y entry) int {
		return cmp.Or(cmp.Compare(x.risks[0].severity, y.risks[0].severity), cmp.Compare(x.id, y.id))
	})

	var b strings.Builder
	scope := "the fleet"
	if len(only) > 0 {
		scope = andList(only)
	}
	var services []string
	switch {
	case committed == 0:
		fmt.Fprintf(&b, "No committed SLO is at risk: %s has none to check.", scope)
	case len(entries) == 0:
		fmt.Fprintf(&b, "No committed SLO of %s is at risk in the engine's analysis: every one is feasible under its dependency ceiling with headroom.", scope)
	default:
		fmt.Fprintf(&b, "Services of %s whose committed SLOs are at risk, worst first:", scope)
		for _, en := range entries {
			services = append(services, en.id)
			for _, r := range en.risks {
				fmt.Fprintf(&b, "\n- %s: %s.", en.id, strings.TrimSuffix(r.text, "."))
			}
		}
	}
	if len(review) > 0 {
		b.WriteString("\nRecommendations that need human review: " + strings.Join(review, "; ") + ".")
	}
	fl := e.cfg.Result.Fleet
	for _, c := range fl.Cycles {
		if len(only) == 0 || slices.ContainsFunc(c, keep) {
			fmt.Fprintf(&b, "\nDependency cycle: %s; the engine composes it as one unit and lowers confidence for its members.", strings.Join(c, " → "))
		}
	}
	if len(only) == 0 && len(fl.Missing) > 0 {
		fmt.Fprintf(&b, "\nUndeclared dependencies, counted at conservative priors: %s.", strings.Join(fl.Missing, ", "))
	}
	if sc := e.cfg.Scorecard; sc != nil {
		e.scorecardLines(&b, sc, scope, keep, f, &ev, &services)
	}
	if len(services) == 0 && len(only) > 0 {
		services = only
	}
	return reply{intent: IntentAtRisk, text: b.String(), services: services, facts: f.list, evidence: ev}
}

// heldBelow reports a committed target above the service's ceiling with
// every hard dependency held to its recommended SLO.
func (e *Engine) heldBelow(id string, target float64) bool {
	a := e.cfg.Result.Analyses[id]
	return a != nil && a.Promise > 0 && a.Promise < target-1e-12 && a.Composition.Ceiling >= target-1e-12
}

// scorecardLines adds the platform scorecard's unhealthy services.
func (e *Engine) scorecardLines(b *strings.Builder, sc *scorecard.Report, scope string, keep func(string) bool, f *factSet, ev *guardrails.AnswerEvidence, services *[]string) {
	var bad []scorecard.Card
	for _, c := range sc.Services {
		if c.Health != scorecard.Healthy && keep(c.Service) {
			bad = append(bad, c)
		}
	}
	if len(bad) == 0 {
		if scope == "the fleet" {
			b.WriteString("\nThe platform scorecard rates every service healthy.")
		} else {
			fmt.Fprintf(b, "\nThe platform scorecard rates %s healthy.", scope)
		}
		return
	}
	b.WriteString("\nThe platform scorecard rates these services below healthy:")
	for _, c := range bad {
		id := f.stated("S", float64(c.Points), "points", "scorecard", fmt.Sprintf("%s scorecard: %s with %d issue points", c.Service, c.Health, c.Points))
		var why []string
		for _, is := range c.Issues {
			why = append(why, is.Reason)
			ev.Texts = append(ev.Texts, is.Reason)
		}
		fmt.Fprintf(b, "\n- %s: %s, %d points%s: %s.", c.Service, c.Health, c.Points, refs(id), strings.TrimSuffix(strings.Join(why, "; "), "."))
		if !slices.Contains(*services, c.Service) {
			*services = append(*services, c.Service)
		}
	}
}
