package stats

import (
	"fmt"
	"math"
)

// Confidence is a score in [0,1] with the reasons that lowered it.
type Confidence struct {
	Score float64 `json:"score"`
	// Level is "high" (score >= 0.75), "medium" (>= 0.5) or "low".
	Level   string   `json:"level"`
	Reasons []string `json:"reasons,omitempty"`
}

// Data-confidence penalties, multiplied into the score.
const (
	// Short history scales by HistoryDays/28, never below this floor.
	shortHistoryFloor = 0.2
	// Low volume: too few requests to resolve the upper ladder rungs.
	penaltyLowVolume = 0.6
	// A 90% interval wider than the error rate itself.
	penaltyWideCI = 0.8
	// Error rate drifting by more than 80% of its mean between the first
	// and last thirds of the history.
	penaltyDrift = 0.8
)

// DataConfidence scores the data behind an availability result: it starts
// at 1 and multiplies in a penalty, with a reason, for each of
//
//   - missing buckets: × coverage;
//   - short history: × HistoryDays/28, at least 0.2;
//   - low volume: × 0.6;
//   - a 90% interval (ciWidth) wider than the error rate 1 − availability:
//     × 0.8, since the data cannot tell the target's neighbouring rungs
//     apart;
//   - drift: |Drift| above 0.8 × the error rate: × 0.8, since the past
//     predicts the future less well.
//
// No data at all scores 0.
func DataConfidence(q Quality, ciWidth float64) Confidence {
	c := Confidence{Score: 1}
	if q.Requests == 0 {
		return Confidence{Score: 0, Level: "low", Reasons: []string{"no metrics: nothing measured, the target rests on the dependency graph and priors"}}
	}
	pen := func(f float64, format string, args ...any) {
		c.Score *= f
		c.Reasons = append(c.Reasons, fmt.Sprintf(format, args...)+fmt.Sprintf(" (×%.2f)", f))
	}
	if q.Coverage < 0.999 {
		pen(q.Coverage, "%.1f%% of the expected buckets are present (%d gaps)", 100*q.Coverage, q.Gaps)
	}
	if q.HistoryDays < 28 {
		pen(math.Max(q.HistoryDays/28, shortHistoryFloor), "only %.1f days of history", q.HistoryDays)
	}
	if q.LowVolume {
		pen(penaltyLowVolume, "low volume: %d requests", q.Requests)
	}
	errRate := float64(q.Errors) / float64(q.Requests)
	if ciWidth > 0 && ciWidth > errRate {
		pen(penaltyWideCI, "the 90%% interval of availability is %.4f%% wide, more than the %.4f%% error rate", 100*ciWidth, 100*errRate)
	}
	if errRate > 0 && math.Abs(q.Drift) > 0.8*errRate {
		pen(penaltyDrift, "availability drifted by %+.4f%% between the first and last thirds of the history", 100*q.Drift)
	}
	switch {
	case c.Score >= 0.75:
		c.Level = "high"
	case c.Score >= 0.5:
		c.Level = "medium"
	default:
		c.Level = "low"
	}
	return c
}
