package slorec

import "time"

// SLIKind names the indicator an SLO is set on.
type SLIKind string

// SLI kinds.
const (
	Availability SLIKind = "availability"
	Latency      SLIKind = "latency"
)

// Valid reports whether k is a known SLI kind.
func (k SLIKind) Valid() bool { return k == Availability || k == Latency }

// SLO is a committed (or proposed) service level objective. Target is a
// ratio (0.999), never a percentage. For latency SLOs the objective reads
// "Target of requests in the window are faster than ThresholdMs"; Percentile
// records which percentile the threshold was set on (95 for p95).
type SLO struct {
	ID          string  `json:"id,omitempty"`
	Service     string  `json:"service"`
	SLI         SLIKind `json:"sli"`
	Target      float64 `json:"target"`
	ThresholdMs float64 `json:"threshold_ms,omitempty"`
	Percentile  float64 `json:"percentile,omitempty"`
	WindowDays  int     `json:"window_days,omitempty"`
	// Version counts the SLO's revisions per service and SLI, from 1.
	Version int `json:"version,omitempty"`
	// RecommendationID links an accepted recommendation, if any.
	RecommendationID string `json:"recommendation_id,omitempty"`
	// Forced marks an SLO accepted despite a guardrail refusal; it must
	// carry a Justification.
	Forced        bool      `json:"forced,omitempty"`
	Justification string    `json:"justification,omitempty"`
	Author        string    `json:"author,omitempty"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
}

// DefaultWindowDays is the SLO window used when none is given.
const DefaultWindowDays = 30

// Validate checks the SLO on its own.
func (s *SLO) Validate() error {
	switch {
	case s.Service == "":
		return Errorf(EINVALID, "service: required")
	case !s.SLI.Valid():
		return Errorf(EINVALID, "sli: unknown kind %q (want availability or latency)", s.SLI)
	case !(s.Target > 0 && s.Target < 1):
		if s.Target >= 1 && s.Target <= 100 {
			return Errorf(EINVALID, "target: %v looks like a percentage; targets are ratios (0.999 for 99.9%%)", s.Target)
		}
		return Errorf(EINVALID, "target: %v is not a ratio in (0,1)", s.Target)
	case s.SLI == Latency && !(s.ThresholdMs > 0):
		return Errorf(EINVALID, "threshold_ms: a latency SLO needs a positive threshold")
	case s.SLI == Latency && s.Percentile != 0 && !(s.Percentile > 0 && s.Percentile < 100):
		return Errorf(EINVALID, "percentile: %v is not in (0,100)", s.Percentile)
	case s.WindowDays < 0 || s.WindowDays > 366:
		return Errorf(EINVALID, "window_days: %d is not in [1,366]", s.WindowDays)
	case s.Forced && s.Justification == "":
		return Errorf(EINVALID, "justification: required when forced")
	}
	return nil
}
