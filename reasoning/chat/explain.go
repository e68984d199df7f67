package chat

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
)

// explain answers with the advisor's guarded explanation of svc: what
// the figure the user named is, when it is not the recommendation, then
// the draft's summary, claims and risks with their fact and citation ids.
func (e *Engine) explain(ctx context.Context, svc string, rt Route) (reply, error) {
	rec := e.recs[svc]
	if rec == nil {
		return e.undeclared(IntentExplain, svc), nil
	}
	exp, err := e.cfg.Advisor.Explain(ctx, e.cfg.Result, svc, "")
	if err != nil {
		return reply{}, fmt.Errorf("explain %s: %w", svc, err)
	}
	facts := newFactSet(false)
	var b strings.Builder
	for _, t := range rt.Targets {
		if note := availabilityNote(rec, t, facts); note != "" {
			b.WriteString(note + "\n\n")
			break
		}
	}
	for _, t := range rt.ThresholdsMs {
		if note := latencyNote(rec, t, facts); note != "" {
			b.WriteString(note + "\n\n")
			break
		}
	}
	if rt.Budget {
		if note := budgetNote(rec, facts); note != "" {
			b.WriteString(note + "\n\n")
		}
	}
	d := exp.Draft
	b.WriteString(d.Summary)
	for _, r := range d.Rationale {
		ids := append(slices.Clone(r.FactIDs), r.CitationIDs...)
		fmt.Fprintf(&b, "\n- %s%s", r.Claim, refs(ids...))
		facts.useIDs(rec, r.FactIDs)
	}
	for _, r := range d.Risks {
		fmt.Fprintf(&b, "\nRisk: %s", r)
	}
	// The facts in the order the recommendation numbers them.
	slices.SortStableFunc(facts.list, func(x, y slorec.Fact) int {
		return slices.IndexFunc(rec.Facts, func(f slorec.Fact) bool { return f.ID == x.ID }) -
			slices.IndexFunc(rec.Facts, func(f slorec.Fact) bool { return f.ID == y.ID })
	})
	return reply{
		intent: IntentExplain, text: b.String(), services: []string{svc}, facts: facts.list,
		citations: exp.Citations, explanation: exp, drafter: exp.Drafter,
		evidence: guardrails.AnswerEvidence{Recommendations: []*slorec.Recommendation{rec}, Facts: exp.Facts, Texts: []string{d.ConfidenceNote}},
	}, nil
}

func same(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }

// availabilityNote says what the availability figure t the user named is
// for rec, when it is not simply the recommendation; "" when rec has no
// availability objective.
func availabilityNote(rec *slorec.Recommendation, t float64, facts *factSet) string {
	o := objective(rec, slorec.Availability)
	if o == nil {
		return ""
	}
	svc := rec.Service
	recID := facts.use(svc, fact(rec, factRecommendedAvailability))
	asked := pct(t)
	switch {
	case same(t, o.Target):
		return fmt.Sprintf("Yes: %s is slorec's recommended availability target for %s over %d days%s.", asked, svc, o.WindowDays, refs(recID))
	case o.Current != nil && same(t, o.Current.Target):
		curID := facts.use(svc, fact(rec, factCurrentAvailability))
		ids := facts.useIDs(rec, o.Current.FactIDs)
		return fmt.Sprintf("You asked about %s: that is %s's current availability SLO%s, not slorec's recommendation, which is %s%s. The engine's check of the current SLO: %s%s.",
			asked, svc, refs(curID), pct(o.Target), refs(recID), o.Current.Reason, refs(ids...))
	}
	for _, c := range o.Candidates {
		if same(t, c.Target) {
			why := "the engine chose the " + o.Tier + " tier"
			if !c.Feasible {
				why = c.Reason
			}
			return fmt.Sprintf("You asked about %s: that is the %s candidate for %s, but slorec recommends %s%s (%s).", asked, c.Tier, svc, pct(o.Target), refs(recID), why)
		}
	}
	if o.Bound > 0 && math.Abs(t-o.Bound) < 5e-5 {
		bid := facts.use(svc, boundFact(rec))
		return fmt.Sprintf("You asked about %s: that is about the dependency bound of %s, %s%s, the most its dependencies allow; slorec recommends %s%s, under it.",
			asked, svc, pct(o.Bound), refs(bid), pct(o.Target), refs(recID))
	}
	s := fmt.Sprintf("You asked about %s, but that is neither slorec's recommended availability target for %s, %s%s", asked, svc, pct(o.Target), refs(recID))
	if o.Current != nil {
		curID := facts.use(svc, fact(rec, factCurrentAvailability))
		s += fmt.Sprintf(", nor its current SLO, %s%s", pct(o.Current.Target), refs(curID))
	}
	return s + "."
}

// budgetNote states the availability error budget, one minus the
// target, at the recommendation and at the current SLO.
func budgetNote(rec *slorec.Recommendation, facts *factSet) string {
	o := objective(rec, slorec.Availability)
	if o == nil {
		return ""
	}
	svc := rec.Service
	s := fmt.Sprintf("The error budget of %s is the share of requests its availability SLO lets fail: %s over %d days at the recommended %s%s",
		svc, pct(1-o.Target), o.WindowDays, pct(o.Target), refs(facts.use(svc, fact(rec, factRecommendedAvailability))))
	if c := o.Current; c != nil {
		s += fmt.Sprintf(", and %s at its current %s SLO%s", pct(1-c.Target), pct(c.Target), refs(facts.use(svc, fact(rec, factCurrentAvailability))))
	}
	return s + "."
}

// latencyNote is availabilityNote for a latency threshold in ms.
func latencyNote(rec *slorec.Recommendation, t float64, facts *factSet) string {
	o := objective(rec, slorec.Latency)
	if o == nil {
		return ""
	}
	svc := rec.Service
	recID := facts.use(svc, fact(rec, factRecommendedLatency))
	switch {
	case same(t, o.ThresholdMs):
		return fmt.Sprintf("Yes: %s is slorec's recommended p%s latency threshold for %s%s.", ms(t), num(o.Percentile), svc, refs(recID))
	case o.Current != nil && same(t, o.Current.ThresholdMs):
		curID := facts.use(svc, fact(rec, factCurrentLatency))
		return fmt.Sprintf("You asked about %s: that is %s's current latency SLO%s, not slorec's recommendation, which is p%s under %s%s. The engine's check of the current SLO: %s.",
			ms(t), svc, refs(curID), num(o.Percentile), ms(o.ThresholdMs), refs(recID), o.Current.Reason)
	}
	return fmt.Sprintf("You asked about %s, but slorec's recommended latency threshold for %s is p%s under %s%s.", ms(t), svc, num(o.Percentile), ms(o.ThresholdMs), refs(recID))
}

// undeclared answers for a dependency target no one declares: the
// engine counts it at a prior and recommends nothing for it.
func (e *Engine) undeclared(intent Intent, svc string) reply {
	return reply{intent: intent, services: []string{svc}, suggestions: e.suggestions(),
		text: fmt.Sprintf("%s is a dependency the catalog does not declare, so slorec has no recommendation for it: its dependents count it at a conservative prior until it is declared with metrics.", svc)}
}
