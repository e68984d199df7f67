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

// Explanation is a guarded explanation of one recommendation: the draft
// that passed every guardrail (or the deterministic one that replaced a
// failing draft), what it cites, who wrote it and every verdict on the
// way. Nothing in Draft is unchecked.
type Explanation struct {
	Service   string `json:"service"`
	InputHash string `json:"input_hash"`
	// Objectives are the engine's numbers the draft explains.
	Objectives        []Objective `json:"objectives"`
	Facts             []Fact      `json:"facts"`
	Confidence        float64     `json:"confidence"`
	ConfidenceReasons []string    `json:"confidence_reasons"`
	NeedsReview       bool        `json:"needs_review"`
	Draft             Draft       `json:"draft"`
	// Citations are the retrieved chunks the draft cites, with titles
	// and snippets.
	Citations []Citation `json:"citations"`
	// Queries are the retrieval queries built from the recommendation's facts;
	// Retrieved every chunk offered to the drafter, Quarantined the chunks
	// kept out of the prompt because they hold injection-shaped text.
	Queries     []string      `json:"queries"`
	Retrieved   []string      `json:"retrieved"`
	Quarantined []Quarantined `json:"quarantined,omitempty"`
	// Drafter wrote Draft: DrafterDeterministic or "llm:<provider>/<model>".
	Drafter string `json:"drafter"`
	// Fallback says why the deterministic drafter replaced the
	// configured one; empty when it did not.
	Fallback string `json:"fallback,omitempty"`
	// Verdicts are the guardrails' verdicts on Draft; Attempts every
	// draft tried, in order, with its verdicts.
	Verdicts []GuardVerdict  `json:"verdicts"`
	Attempts []DraftAttempt  `json:"attempts"`
	Timing   ExplanationTime `json:"timing"`
}

// Quarantined is a retrieved chunk kept out of a prompt, and why.
type Quarantined struct {
	ID    string   `json:"id"`
	Rules []string `json:"rules"`
}

// DraftAttempt is one draft tried for an explanation: the first, the
// repair, or the fallback.
type DraftAttempt struct {
	Drafter string `json:"drafter"`
	// Purpose is "draft", "repair" or "fallback".
	Purpose    string         `json:"purpose"`
	PromptHash string         `json:"prompt_hash,omitempty"`
	LatencyMs  float64        `json:"latency_ms"`
	Calls      int            `json:"calls,omitempty"`
	Error      string         `json:"error,omitempty"`
	Passed     bool           `json:"passed"`
	Verdicts   []GuardVerdict `json:"verdicts,omitempty"`
}

// ExplanationTime is where an explanation's time went, in milliseconds.
type ExplanationTime struct {
	EngineMs   float64 `json:"engine_ms"`
	RetrieveMs float64 `json:"retrieve_ms"`
	DraftMs    float64 `json:"draft_ms"`
	GuardMs    float64 `json:"guard_ms"`
	TotalMs    float64 `json:"total_ms"`
}
