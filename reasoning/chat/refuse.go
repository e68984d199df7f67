package chat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slorec/slorec"
)

// capabilities says what the engine answers.
const capabilities = "I can explain a service's recommended SLO, work out what an availability change of a service does to its dependents, " +
	"compare services side by side, list the services whose SLOs are at risk, and quote the knowledge base (policies, runbooks, guides)."

// suggestions are example questions about this fleet, one per intent.
func (e *Engine) suggestions() []string {
	top, next := e.example(0), e.example(1)
	dep := e.dependencyExample()
	return []string{
		"explain the recommendation for " + top,
		"what if " + dep + " drops to " + pct(e.exampleTarget(dep)) + "?",
		"compare " + top + " and " + next,
		"which services are at risk?",
		"what does our error budget policy say?",
	}
}

// dependencyExample is a declared service for a what-if example: the
// tightest dependency of the first example service, when it is declared.
func (e *Engine) dependencyExample() string {
	if a := e.cfg.Result.Analyses[e.example(0)]; a != nil && a.Composition.Binding != nil {
		if id := a.Composition.Binding.Target; e.recs[id] != nil {
			return id
		}
	}
	return e.example(1)
}

// refuseInjection declines a message that tries to instruct the
// assistant. It does not echo the message.
func (e *Engine) refuseInjection(v slorec.GuardVerdict) reply {
	var rules []string
	for _, x := range v.Violations {
		r, _, _ := strings.Cut(x.Got, ":")
		if !slices.Contains(rules, r) {
			rules = append(rules, r)
		}
	}
	text := fmt.Sprintf("Your message looks like instructions to the assistant rather than a question (%s), so I did not act on it. "+
		"I only answer questions and never change SLOs or settings. %s", strings.Join(rules, ", "), capabilities)
	return reply{intent: IntentRefuse, text: text, refusal: true, suggestions: e.suggestions()}
}

// refuseReadOnly declines a request to change something and offers the
// what-if that shows what the change would do.
func (e *Engine) refuseReadOnly(rt Route) reply {
	text := "I can't change anything: I only read the engine's recommendations, the dependency graph and the knowledge base. " +
		"To see what a change would do before you make it, ask a what-if question."
	sugg := e.suggestions()
	if len(rt.Services) > 0 && len(rt.Targets) > 0 {
		sugg = append([]string{fmt.Sprintf("what if %s commits to %s?", rt.Services[0], pct(rt.Targets[0]))}, sugg...)
	}
	return reply{intent: IntentRefuse, text: text + " " + capabilities, refusal: true, suggestions: sugg, services: rt.Services}
}

// refuseOffTopic declines anything else, saying what the engine answers.
func (e *Engine) refuseOffTopic() reply {
	text := "I can only answer questions about this fleet's SLOs, its service dependencies and the SRE knowledge base, so I can't help with that. " + capabilities
	return reply{intent: IntentRefuse, text: text, refusal: true, suggestions: e.suggestions()}
}
