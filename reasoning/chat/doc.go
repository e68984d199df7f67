// Package chat answers questions about one fleet run in plain language,
// grounded in the engine's numbers: an Engine reads a Question, picks an
// intent, answers it from the fleet's recommend.Result, an impact
// analysis, the platform scorecard or the knowledge base, and checks the
// answer's text with the guardrails before it leaves.
//
// Intents, chosen by a Router of fixed rules (keyword and pattern rules,
// then service-name matching against the fleet's ids, tolerant of case,
// possessives, spaces for hyphens and a missing "-service" suffix when
// unambiguous):
//
//   - explain ("why is checkout-service's target 99.5%?"): the advisor's
//     guarded explanation (summary, claims with fact and citation ids,
//     risks); when the figure the user names is not the recommendation,
//     the answer says what it is (the current SLO, a candidate, the
//     bound) with the facts.
//   - what-if ("what if payment-service drops to 99%?"): recommend.Impact
//     with the change; every dependent whose ceiling moves, before and
//     after, with its committed SLO's status and the verdict.
//   - compare ("compare checkout-service and payment-service"): targets,
//     tiers, bounds, current SLO verdicts, latency and confidence side by
//     side, and how the services depend on each other.
//   - at-risk ("which services are at risk?"): committed SLOs that are
//     infeasible, breached, above the ceiling with dependencies held to
//     their recommendations, or with less than a quarter of their error
//     budget as headroom; recommendations needing review; cycles;
//     undeclared dependencies; the scorecard's unhealthy services.
//   - knowledge ("what does our error budget policy say?"): a search of
//     the knowledge base, injection-shaped passages dropped
//     (guardrails.ScreenSources), the best sentences of up to three
//     passages quoted with their citation ids.
//   - refuse: off-topic questions and requests to change something, with
//     what the engine can answer and example questions; and messages that
//     fail guardrails.ScreenMessage, refused with the verdict attached.
//
// A question about a service the fleet does not have is answered with
// the closest ids (edit distance). A question that names no service takes
// the Question's Service, else the conversation's last service ("what if
// it drops to 99%?"); a follow-up that names only a service ("and
// inventory-service?") repeats the last intent. The engine keeps the last
// turns of each conversation in memory, bounded per conversation and in
// the number of conversations (least recently used forgotten first), and
// makes an id for a question without one.
//
// PII is redacted from the question before it is used or sent anywhere
// and from the answer. Every answer's text is checked with
// guardrails.CheckAnswer against the facts, recommendations, reports and
// passages it used (and the question's own figures), and every bracketed
// fact or citation id must be one the answer has: a deterministic answer
// that fails is a defect and an EINTERNAL error.
//
// With a langchaingo llms.Model configured, the model (a) routes: it
// returns {intent, services, target}, which is used only when the intent
// is known, every service is the fleet's and the target is a figure the
// question names; and (b) phrases: it rewrites the deterministic answer,
// which is used only when the rewrite passes the numeric guard against
// the answer's own numbers, facts and sources, the injection, pii and
// language guards, and cites only ids the answer has. Either failure (or
// a model error, a timeout, the breaker open after three consecutive
// failures, or an unavailable audit log) keeps the deterministic route or
// text and records why in Routing.Fallback or Answer.Fallback. Messages
// that fail the injection screen, off-topic asks and requests to change
// something never reach the model.
package chat
