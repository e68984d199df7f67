package draft

import (
	"context"
	"time"

	"github.com/slorec/slorec"
)

// Source is a retrieved chunk given to a drafter as data: its citation id
// ("runbook/payment-provider-degradation#mitigation"), the document's
// title, its kind (runbook, guide, postmortem, policy, provider-sla,
// slo-template, incident, ...) and its text.
type Source struct {
	ID    string
	Title string
	Kind  string
	Text  string
}

// Request is what a drafter explains: one recommendation and the sources
// retrieved for it.
type Request struct {
	Recommendation *slorec.Recommendation
	// Sources are already screened for injection and redacted by the
	// caller; drafters treat their text as data, never as instructions.
	Sources []Source
	// Tier is the tier the user asked for; it may be "". The engine may
	// have chosen another (low confidence forces conservative).
	Tier string
	// Repair is non-nil on the one repair attempt after the guardrails
	// rejected a draft.
	Repair *Repair
}

// Repair carries a rejected draft back to the drafter.
type Repair struct {
	// Previous is the raw output that was rejected.
	Previous string
	// Problems lists the guardrail violations in plain English.
	Problems string
}

// Result is a drafter's output and what it cost.
type Result struct {
	// Raw is the JSON the drafter produced, unvalidated: the guardrails
	// check it against the schema and the facts.
	Raw []byte
	// Drafter names what wrote it: slorec.DrafterDeterministic or
	// "llm:<provider>/<model>".
	Drafter string
	// PromptHash is the SHA-256 (hex) of the exact prompt sent (see
	// Prompt.Hash); "" for the deterministic drafter.
	PromptHash string
	// Latency is the wall time of the whole Draft call, retries and
	// backoff included.
	Latency time.Duration
	// Attempts counts the model calls made, retries included; 0 when the
	// circuit breaker refused the call.
	Attempts int
	// InputTokens and OutputTokens are the provider's counts of the last
	// attempt, zero when it reports none.
	InputTokens, OutputTokens int
}

// Drafter writes the JSON explanation (a slorec.Draft) of a
// recommendation.
//
// Draft returns an EINVALID error when the request cannot be explained
// (no recommendation, or one without objectives) and an EUNAVAILABLE error
// when the backend failed, so that the caller falls back to the
// deterministic drafter. Raw output is not validated; a Result with an
// error still carries Drafter, PromptHash, Attempts and Latency for the
// audit log.
type Drafter interface {
	Draft(ctx context.Context, req Request) (Result, error)
}
