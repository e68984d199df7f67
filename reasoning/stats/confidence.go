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
	// fullHistoryDays is the history that earns full confidence: the
	// customary 28-day SLO window.
	fullHistoryDays = 28
	// shortHistoryFloor bounds the short-history factor HistoryDays/28
	// from below, so that a day of clean data still counts for something.
	shortHistoryFloor = 0.2
	// penaltyLowVolume: too few requests to resolve the upper ladder
	// rungs.
	penaltyLowVolume = 0.6
	// penaltyWideCI: the 90% interval is wider than the error rate itself.
	penaltyWideCI = 0.8
	// penaltyDrift: availability moved, between the first and last thirds
	// of the history, by more than driftShare of the error rate.
	penaltyDrift = 0.8
	driftShare   = 0.8
)

// DataConfidence scores the data behind an availability result (the caller
// adds reasons of its own, such as the dependency graph's). It starts at 1
// and multiplies in a penalty, with one reason carrying its numbers, for
// each of
//
//   - missing buckets: × Coverage;
//   - history shorter than 28 days: × max(HistoryDays/28, 0.2);
//   - low volume (Quality.LowVolume): × 0.6;
//   - a 90% interval wider than the error rate e = Errors/Requests
//     (ciWidth > e): × 0.8, since the data cannot tell the error rate from
//     half or twice itself, nor the target from its neighbouring rungs;
//   - drift: |Drift| > 0.8·e, × 0.8, since the error rate moved by most
//     of itself over the history and the past predicts the future less
//     well.
//
// No requests at all score 0 with the reason "no metrics".
func DataConfidence(q Quality, ciWidth float64) Confidence {
	if q.Requests <= 0 {
		return Confidence{Score: 0, Level: "low", Reasons: []string{"no metrics: nothing measured, so the target rests on the dependency graph and priors"}}
	}
	c := Confidence{Score: 1}
	pen := func(f float64, format string, args ...any) {
		c.Score *= f
		c.Reasons = append(c.Reasons, fmt.Sprintf(format, args...)+fmt.Sprintf(" (×%.2f)", f))
	}
	if q.Coverage < 1 {
		pen(q.Coverage, "%.1f%% of the expected buckets are present (%d of %d, %d gaps)", 100*q.Coverage, q.Buckets, q.ExpectedBuckets, q.Gaps)
	}
	if q.HistoryDays < fullHistoryDays {
		pen(math.Max(q.HistoryDays/fullHistoryDays, shortHistoryFloor), "only %.1f days of history, %d earn full confidence", q.HistoryDays, fullHistoryDays)
	}
	if q.LowVolume {
		pen(penaltyLowVolume, "low volume: %d requests", q.Requests)
	}
	errRate := float64(q.Errors) / float64(q.Requests)
	if ciWidth > errRate {
		pen(penaltyWideCI, "the 90%% interval of availability is %.4f%% wide, more than the %.4f%% error rate", 100*ciWidth, 100*errRate)
	}
	if math.Abs(q.Drift) > driftShare*errRate && q.Drift != 0 {
		pen(penaltyDrift, "availability drifted by %+.4f%% between the first and last thirds of the history, more than %.0f%% of the %.4f%% error rate", 100*q.Drift, 100*driftShare, 100*errRate)
	}
	c.Level = confidenceLevel(c.Score)
	return c
}

func confidenceLevel(score float64) string {
	switch {
	case score >= 0.75:
		return "high"
	case score >= 0.5:
		return "medium"
	}
	return "low"
}
