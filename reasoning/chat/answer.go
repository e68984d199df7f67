package chat

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/recommend"
)

// maxCompared bounds a comparison.
const maxCompared = 4

// answer resolves the route against the conversation and dispatches it.
func (e *Engine) answer(ctx context.Context, ans *Answer, rt Route, pageService string, hist []Turn) (reply, error) {
	last := lastTurn(hist)
	intent := rt.Intent
	if intent == "" {
		switch {
		case (rt.FollowUp || len(rt.Services) > 0 || len(rt.Targets) > 0) && last != nil:
			intent = last.Intent
			ans.Routing.Rule = "follow-up"
		case len(rt.Services) > 0:
			intent = IntentExplain
		default:
			return e.refuseOffTopic(), nil
		}
	}

	// Context: the page's service, else the conversation's last one.
	var ctxServices []string
	if pageService != "" {
		id := e.router.Resolve(pageService)
		if id == "" {
			if intent == IntentExplain || intent == IntentWhatIf || intent == IntentCompare {
				if len(rt.Services) == 0 {
					return e.unknownService(intent, pageService), nil
				}
			}
		} else {
			ctxServices = []string{id}
		}
	}
	if ctxServices == nil && last != nil {
		ctxServices = last.Services
	}
	services := rt.Services
	fromContext := func(list []string) []string {
		ans.Routing.FromContext = true
		return slices.Clone(list)
	}

	switch intent {
	case IntentRefuse:
		if rt.ReadOnly {
			return e.refuseReadOnly(rt), nil
		}
		return e.refuseOffTopic(), nil
	case IntentKnowledge:
		return e.knowledge(ctx, ans.Question, services)
	case IntentAtRisk:
		return e.atRisk(services), nil
	case IntentCompare:
		if len(rt.Unknown) > 0 {
			return e.unknownService(intent, rt.Unknown[0]), nil
		}
		if len(services) == 1 && len(ctxServices) > 0 && ctxServices[0] != services[0] {
			services = append(fromContext(ctxServices[:1]), services...)
		}
		if len(services) == 0 && len(ctxServices) >= 2 {
			services = fromContext(ctxServices)
		}
		if len(services) < 2 {
			return e.clarify(intent, "Which services should I compare? Name two or more, for example \"compare "+e.example(0)+" and "+e.example(1)+"\".", services), nil
		}
		return e.compare(services), nil
	case IntentExplain, IntentWhatIf:
		if len(services) == 0 {
			if len(rt.Unknown) > 0 {
				return e.unknownService(intent, rt.Unknown[0]), nil
			}
			if len(ctxServices) > 0 {
				services = fromContext(ctxServices[:1])
			} else if w, near := e.router.closeWord(ans.Question); w != "" {
				return e.unknownServiceNear(intent, w, near), nil
			}
		}
		if len(services) == 0 {
			return e.clarify(intent, "Which service do you mean? The fleet's services are: "+strings.Join(e.declared, ", ")+".", nil), nil
		}
		if intent == IntentExplain {
			return e.explain(ctx, services[0], rt)
		}
		chs := e.whatIfChanges(rt, services, last)
		if len(chs) == 0 {
			rp := e.clarify(intent, fmt.Sprintf("What availability should %s commit to? Ask, for example, \"what if %s drops to %s?\" (its recommended target).", services[0], services[0], pct(e.exampleTarget(services[0]))), services[:1])
			if r := e.recs[services[0]]; r != nil {
				rp.evidence.Recommendations = []*slorec.Recommendation{r}
			}
			return rp, nil
		}
		return e.whatIf(chs)
	}
	return e.refuseOffTopic(), nil
}

// whatIfChanges fills the route's changes with the services resolved
// from the context, or applies the last what-if's target to a follow-up
// that names only a service ("and inventory-service?").
func (e *Engine) whatIfChanges(rt Route, services []string, last *Turn) []recommend.Change {
	var out []recommend.Change
	for _, c := range rt.Changes {
		if c.Service == "" {
			c.Service = services[0]
		}
		if !slices.ContainsFunc(out, func(x recommend.Change) bool { return x.Service == c.Service }) {
			out = append(out, c)
		}
	}
	if len(out) == 0 && last != nil && last.Intent == IntentWhatIf && len(last.Changes) > 0 && len(rt.Targets) == 0 {
		out = []recommend.Change{{Service: services[0], Target: last.Changes[0].Target}}
	}
	return out
}

func lastTurn(hist []Turn) *Turn {
	for i := len(hist) - 1; i >= 0; i-- {
		if !hist[i].Refusal && hist[i].Intent != "" {
			return &hist[i]
		}
	}
	return nil
}

// example is the i-th service an example question names: the declared
// services by tier, then by how many dependencies they have, so the
// examples are about services whose targets have a story.
func (e *Engine) example(i int) string {
	ids := slices.Clone(e.declared)
	weight := func(id string) (float64, int) {
		if a := e.cfg.Result.Analyses[id]; a != nil {
			return a.Service.Tier.Weight(), a.FanOut
		}
		return 0, 0
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		wa, fa := weight(a)
		wb, fb := weight(b)
		return cmp.Or(cmp.Compare(wb, wa), cmp.Compare(fb, fa))
	})
	return ids[i%len(ids)]
}

// exampleTarget is a what-if target for id that reads naturally: its
// recommended availability target.
func (e *Engine) exampleTarget(id string) float64 {
	if r := e.recs[id]; r != nil {
		if o := objective(r, slorec.Availability); o != nil && o.Target > 0 {
			return o.Target
		}
	}
	return 0.99
}

// clarify asks for what the question lacks.
func (e *Engine) clarify(intent Intent, text string, services []string) reply {
	return reply{intent: intent, text: text, services: services, suggestions: e.suggestions()}
}

// unknownService answers a question about a service the fleet does not
// have with the close matches.
func (e *Engine) unknownService(intent Intent, name string) reply {
	return e.unknownServiceNear(intent, name, e.router.Suggest(name, 3))
}

func (e *Engine) unknownServiceNear(intent Intent, name string, near []string) reply {
	var b strings.Builder
	fmt.Fprintf(&b, "I don't know a service called %q in this fleet.", name)
	var sugg []string
	if len(near) > 0 {
		fmt.Fprintf(&b, " Did you mean %s?", orList(near))
		for _, id := range near {
			sugg = append(sugg, e.rephrase(intent, id))
		}
	} else {
		fmt.Fprintf(&b, " The fleet's services are: %s.", strings.Join(e.declared, ", "))
		sugg = e.suggestions()
	}
	return reply{intent: intent, text: b.String(), suggestions: sugg}
}

// rephrase is the question asked again about id.
func (e *Engine) rephrase(intent Intent, id string) string {
	switch intent {
	case IntentWhatIf:
		return "what if " + id + " drops to " + pct(e.exampleTarget(id)) + "?"
	case IntentCompare:
		other := e.example(0)
		if other == id {
			other = e.example(1)
		}
		return "compare " + id + " and " + other
	}
	return "explain the recommendation for " + id
}

func orList(ids []string) string {
	switch len(ids) {
	case 1:
		return ids[0]
	case 2:
		return ids[0] + " or " + ids[1]
	}
	return strings.Join(ids[:len(ids)-1], ", ") + " or " + ids[len(ids)-1]
}

func andList(ids []string) string {
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return ids[0]
	case 2:
		return ids[0] + " and " + ids[1]
	}
	return strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1]
}
