package chat

import (
	"fmt"
	"strings"

	"github.com/slorec/slorec/reasoning/recommend"
)

// whatIf runs the impact analysis of chs and writes its report: what each
// changed service's dependents count on before and after, every
// dependent whose ceiling moves with its committed SLO's status, and the
// verdict. Every number is a fact read from the report (W1, W2, ...).
func (e *Engine) whatIf(chs []recommend.Change) (reply, error) {
	var services []string
	for _, c := range chs {
		if e.recs[c.Service] == nil {
			return e.undeclared(IntentWhatIf, c.Service), nil
		}
		services = append(services, c.Service)
	}
	rep, err := recommend.Impact(e.cfg.Input, chs)
	if err != nil {
		return reply{}, fmt.Errorf("what-if: %w", err)
	}
	f := newFactSet(false)
	const src = "impact"
	var b strings.Builder
	for _, c := range rep.Changes {
		after := f.stated("W", c.After, "ratio", src, fmt.Sprintf("proposed availability SLO of %s: %s", c.Service, pct(c.After)))
		cur := "it has no committed availability SLO today"
		var curID string
		if c.Before > 0 {
			curID = f.stated("W", c.Before, "ratio", "slos", fmt.Sprintf("current availability SLO of %s: %s", c.Service, pct(c.Before)))
			cur = "its committed availability SLO today is " + pct(c.Before)
		}
		ceil := f.stated("W", c.Ceiling, "ratio", src, fmt.Sprintf("availability ceiling of %s from its dependencies: %s", c.Service, pct(c.Ceiling)))
		fmt.Fprintf(&b, "If %s commits to %s availability%s (%s%s; its own ceiling is %s%s)", c.Service, pct(c.After), refs(after), cur, refs(curID), pct(c.Ceiling), refs(ceil))
		if !c.Feasible {
			b.WriteString(": that commitment is itself infeasible, since it is above the ceiling, and")
		} else {
			b.WriteString(",")
		}
		eb, ea := pctPair(c.EffectiveBefore, c.EffectiveAfter)
		if same(c.EffectiveBefore, c.EffectiveAfter) {
			eb = pct(c.EffectiveBefore)
			fmt.Fprintf(&b, " its dependents still count on %s%s, so nothing changes for them.\n",
				eb, refs(f.stated("W", c.EffectiveBefore, "ratio", src, fmt.Sprintf("availability dependents count on from %s: %s", c.Service, eb))))
			continue
		}
		ebID := f.stated("W", c.EffectiveBefore, "ratio", src, fmt.Sprintf("availability dependents count on from %s today: %s", c.Service, eb))
		eaID := f.stated("W", c.EffectiveAfter, "ratio", src, fmt.Sprintf("availability dependents count on from %s after the change: %s", c.Service, ea))
		fmt.Fprintf(&b, " its dependents count on %s instead of %s%s.\n", ea, eb, refs(eaID, ebID))
	}
	checked := f.stated("W", float64(rep.Checked), "services", src, fmt.Sprintf("transitive dependents checked: %d", rep.Checked))
	if len(rep.Affected) == 0 {
		fmt.Fprintf(&b, "No dependent's ceiling moves (%d transitive dependents checked%s).", rep.Checked, refs(checked))
	} else {
		switch n := len(rep.Affected); {
		case n == 1 && rep.Checked == 1:
			fmt.Fprintf(&b, "The ceiling of the only transitive dependent moves%s:\n", refs(checked))
		case n == 2 && rep.Checked == 2:
			fmt.Fprintf(&b, "The ceilings of both transitive dependents move%s:\n", refs(checked))
		case n == rep.Checked:
			fmt.Fprintf(&b, "The ceilings of all %d transitive dependents move%s:\n", n, refs(checked))
		default:
			fmt.Fprintf(&b, "The ceilings of %d of the %d transitive dependents move%s:\n", n, rep.Checked, refs(checked))
		}
		for _, a := range rep.Affected {
			cb, ca := pctPair(a.CeilingBefore, a.CeilingAfter)
			ids := []string{
				f.stated("W", a.CeilingBefore, "ratio", src, fmt.Sprintf("%s availability ceiling before the change: %s", a.Service, cb)),
				f.stated("W", a.CeilingAfter, "ratio", src, fmt.Sprintf("%s availability ceiling after the change: %s", a.Service, ca)),
			}
			hops := "hop"
			if a.Distance != 1 {
				hops = "hops"
			}
			fmt.Fprintf(&b, "- %s (%d %s away): ceiling %s → %s", a.Service, a.Distance, hops, cb, ca)
			if a.Target > 0 {
				ids = append(ids,
					f.stated("W", a.Target, "ratio", "slos", fmt.Sprintf("current availability SLO of %s: %s", a.Service, pct(a.Target))),
					f.stated("W", a.HeadroomBefore, "ratio", src, fmt.Sprintf("%s headroom before the change: %s", a.Service, pp(a.HeadroomBefore))),
					f.stated("W", a.HeadroomAfter, "ratio", src, fmt.Sprintf("%s headroom after the change: %s", a.Service, pp(a.HeadroomAfter))))
				fmt.Fprintf(&b, "; its committed %s SLO %s (headroom %s → %s)", pct(a.Target), statusText(a.Status), pp(a.HeadroomBefore), pp(a.HeadroomAfter))
			} else {
				b.WriteString("; it has no committed availability SLO")
			}
			fmt.Fprintf(&b, "%s.\n", refs(ids...))
		}
		if len(rep.Infeasible) > 0 {
			fmt.Fprintf(&b, "Verdict: this change makes the committed SLO of %s infeasible.", andList(rep.Infeasible))
		} else {
			b.WriteString("Verdict: no committed SLO becomes infeasible.")
		}
	}
	return reply{
		intent: IntentWhatIf, text: strings.TrimRight(b.String(), "\n"), services: services, facts: f.list,
		impact: rep, changes: chs,
	}, nil
}

func statusText(s string) string {
	switch s {
	case recommend.BecomesInfeasible:
		return "becomes infeasible"
	case recommend.StillInfeasible:
		return "stays infeasible"
	case recommend.LosesHeadroom:
		return "stays feasible but loses headroom"
	case recommend.GainsHeadroom:
		return "gains headroom"
	case recommend.BecomesFeasible:
		return "becomes feasible"
	}
	return s
}
