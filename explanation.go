package slorec

// Draft is an explanation of one recommendation as a drafter writes it: an
// LLM or the deterministic drafter. It is JSON on the wire
// (schemas/draft.schema.json, strict) and nothing in it reaches a user
// before the guardrails have checked every number, target and citation
// against the engine's facts and the chunks retrieved for the request.
type Draft struct {
	// Summary is one or two sentences a developer reads first.
	Summary string `json:"summary"`
	// Targets restates the objectives the draft recommends; each must be
	// one of the engine's candidates for that SLI and tier.
	Targets   []DraftTarget   `json:"targets"`
	Rationale []RationaleItem `json:"rationale"`
	Risks     []string        `json:"risks"`
	// ChosenTier is the tier the targets come from (conservative,
	// balanced or aspirational).
	ChosenTier     string `json:"chosen_tier"`
	ConfidenceNote string `json:"confidence_note"`
}

// DraftTarget is one objective as a draft states it. Target is a ratio
// (0.995), never a percent.
type DraftTarget struct {
	SLI         SLIKind `json:"sli"`
	Target      float64 `json:"target"`
	ThresholdMs float64 `json:"threshold_ms,omitempty"`
}

// RationaleItem is one claim of a draft and what backs it: engine facts
// by id ("F3") and retrieved chunks by citation id
// ("runbook/payment-provider-outage#mitigation"). Every claim cites at
// least one of the two.
type RationaleItem struct {
	Claim       string   `json:"claim"`
	FactIDs     []string `json:"fact_ids"`
	CitationIDs []string `json:"citation_ids"`
}

// Violation is one failed guardrail rule: where (a JSON path into the
// draft or the input, e.g. "rationale[2].claim"), which rule, what was
// found and what was expected.
type Violation struct {
	Path string `json:"path"`
	Rule string `json:"rule"`
	Got  string `json:"got,omitempty"`
	Want string `json:"want,omitempty"`
}

// GuardVerdict is the outcome of one guardrail on one draft or input.
type GuardVerdict struct {
	// Guard names the check: schema, numeric, target, citation,
	// injection, pii.
	Guard      string      `json:"guard"`
	Passed     bool        `json:"passed"`
	Violations []Violation `json:"violations,omitempty"`
}

// Drafter names: what wrote an explanation's text.
const DrafterDeterministic = "deterministic"
