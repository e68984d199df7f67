package slorec

import "time"

// Fact is a numbered, checkable statement the engine derived. Explanations
// cite facts by ID ("F3") and guardrails check every number against them.
type Fact struct {
	ID        string  `json:"id"`
	Statement string  `json:"statement"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	// Source says where the value came from: "metrics", "topology",
	// "slos", "engine", or a corpus citation id.
	Source string `json:"source"`
}

// Citation is a retrieved knowledge chunk an explanation refers to.
type Citation struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Snippet string `json:"snippet,omitempty"`
}

// Candidate is one target the engine considered for an SLI.
type Candidate struct {
	Tier        string  `json:"tier"`
	Target      float64 `json:"target"`
	ThresholdMs float64 `json:"threshold_ms,omitempty"`
	// BreachProbability is the estimated chance of missing the target in
	// one window, from the bootstrap.
	BreachProbability float64 `json:"breach_probability"`
	Feasible          bool    `json:"feasible"`
	Reason            string  `json:"reason,omitempty"`
}

// Objective is the recommendation for one SLI of one service.
type Objective struct {
	SLI         SLIKind `json:"sli"`
	Tier        string  `json:"tier"`
	Target      float64 `json:"target"`
	ThresholdMs float64 `json:"threshold_ms,omitempty"`
	Percentile  float64 `json:"percentile,omitempty"`
	WindowDays  int     `json:"window_days"`
	// Bound is what the dependencies allow: for availability the ceiling
	// (no target above it is feasible), for latency the floor in ms (no
	// threshold below it is feasible). Zero when unknown.
	Bound float64 `json:"bound,omitempty"`
	// Source says which data the objective was derived from, e.g.
	// "p95 series, 1440 hourly buckets".
	Source     string      `json:"source,omitempty"`
	Candidates []Candidate `json:"candidates"`
	// Current is the committed SLO for this SLI checked against the
	// engine's numbers, when there is one.
	Current     *SLOCheck `json:"current,omitempty"`
	Mitigations []string  `json:"mitigations,omitempty"`
	FactIDs     []string  `json:"fact_ids"`
}

// SLOCheck is the verdict on a committed SLO.
type SLOCheck struct {
	Target      float64 `json:"target"`
	ThresholdMs float64 `json:"threshold_ms,omitempty"`
	Feasible    bool    `json:"feasible"`
	// Headroom is Bound - Target for availability and Threshold - Bound
	// for latency; negative when infeasible.
	Headroom float64  `json:"headroom"`
	Reason   string   `json:"reason"`
	FactIDs  []string `json:"fact_ids"`
}

// Recommendation is the engine's advice for one service, versioned per
// service. InputHash identifies the inputs it was computed from, so an
// unchanged input reuses the stored result.
type Recommendation struct {
	ID                string      `json:"id,omitempty"`
	Service           string      `json:"service"`
	Version           int         `json:"version,omitempty"`
	InputHash         string      `json:"input_hash"`
	CreatedAt         time.Time   `json:"created_at,omitzero"`
	Objectives        []Objective `json:"objectives"`
	Facts             []Fact      `json:"facts"`
	Confidence        float64     `json:"confidence"`
	ConfidenceReasons []string    `json:"confidence_reasons"`
	NeedsReview       bool        `json:"needs_review"`
	Flags             []string    `json:"flags,omitempty"`
	// EngineVersion identifies the algorithm that produced the numbers.
	EngineVersion string `json:"engine_version"`
}

// Verdict is a developer's answer to a recommendation.
type Verdict string

// Verdicts.
const (
	Accepted Verdict = "accepted"
	Rejected Verdict = "rejected"
	Modified Verdict = "modified"
)

// Valid reports whether v is a known verdict.
func (v Verdict) Valid() bool { return v == Accepted || v == Rejected || v == Modified }

// Feedback records what a developer did with a recommendation, for the
// learning loop.
type Feedback struct {
	ID               string    `json:"id,omitempty"`
	RecommendationID string    `json:"recommendation_id"`
	Verdict          Verdict   `json:"verdict"`
	Reason           string    `json:"reason,omitempty"`
	Comment          string    `json:"comment,omitempty"`
	Actor            string    `json:"actor,omitempty"`
	CreatedAt        time.Time `json:"created_at,omitzero"`
}

// Validate checks the feedback on its own.
func (f *Feedback) Validate() error {
	switch {
	case f.RecommendationID == "":
		return Errorf(EINVALID, "recommendation_id: required")
	case !f.Verdict.Valid():
		return Errorf(EINVALID, "verdict: unknown %q (want accepted, rejected or modified)", f.Verdict)
	case len(f.Comment) > 4000:
		return Errorf(EINVALID, "comment: longer than 4000 bytes")
	}
	return nil
}

// AuditRecord is one entry of the append-only audit log.
type AuditRecord struct {
	Seq     int64          `json:"seq,omitempty"`
	At      time.Time      `json:"at,omitzero"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Subject string         `json:"subject,omitempty"`
	Detail  map[string]any `json:"detail,omitempty"`
}

// AuditFilter selects audit records; zero fields match everything.
type AuditFilter struct {
	Actor   string
	Action  string
	Subject string
	Since   time.Time
	Until   time.Time
	// Limit caps the result (newest first); zero means 100.
	Limit int
}

// SLOs returns the SLOs the recommendation proposes, one per objective,
// for its service and linked to it, so recommended objectives can be
// exported (as OpenSLO, as alert rules) before anyone commits them. A zero
// window becomes DefaultWindowDays.
func (r Recommendation) SLOs() []SLO {
	out := make([]SLO, 0, len(r.Objectives))
	for _, o := range r.Objectives {
		s := SLO{
			Service: r.Service, SLI: o.SLI, Target: o.Target,
			ThresholdMs: o.ThresholdMs, Percentile: o.Percentile, WindowDays: o.WindowDays,
			RecommendationID: r.ID,
		}
		if s.WindowDays == 0 {
			s.WindowDays = DefaultWindowDays
		}
		out = append(out, s)
	}
	return out
}
