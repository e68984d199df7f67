package promrules

import (
	"fmt"
	"strconv"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
)

// errorRatio builds the error-ratio expression of one SLO for any window:
// a function of the window's Prometheus duration ("5m").
type errorRatio func(window string) string

// measure is what an SLO is measured with: the error ratio, and for
// latency SLOs the histogram boundary used.
type measure struct {
	ratio errorRatio
	// le is the boundary in the histogram's unit and leMs in milliseconds;
	// both are zero for availability.
	le, leMs float64
	// leLabel is the boundary as the le matcher spells it.
	leLabel string
	// warning, if not empty, says how the measured SLI differs from the
	// committed one.
	warning string
}

// unmeasurable is why an SLO cannot be measured with the mapping: a skip
// (or, with Options.Strict, an EINVALID error).
type unmeasurable string

// availabilityMeasure measures the share of failed requests:
// errors / requests. A service that never failed may have no errors series
// at all (client libraries create a labelled series on its first
// increment), so a missing numerator counts as zero; a missing denominator
// (no traffic) leaves the ratio empty rather than 0/0.
func availabilityMeasure(s prommap.SLI) (measure, unmeasurable) {
	if s.Errors == "" {
		return measure{}, "the mapping names no errors series"
	}
	return measure{ratio: func(w string) string {
		return "(" + s.Rate(s.Errors, w) + " or vector(0))\n/\n" + s.Rate(s.Requests, w)
	}}, ""
}

// latencyMeasure measures the share of requests slower than the SLO's
// threshold: 1 - bucket{le=threshold} / count, from the histogram. A
// summary cannot give that share (it reports quantiles, and quantiles of
// instances cannot be combined), so latency SLOs need a histogram.
//
// A histogram only counts requests at its boundaries. With the boundaries
// known (prommap's latency.buckets), a threshold between two is measured at
// the next one up, and the SLO reads looser than committed; with them
// unknown the threshold is used as the boundary, which measures nothing
// when it is not one. Both cases come with a warning.
func latencyMeasure(s prommap.SLI, thresholdMs float64) (measure, unmeasurable) {
	b, err := s.LatencyBucket(thresholdMs)
	if err != nil {
		return measure{}, unmeasurable(err.Error())
	}
	m := measure{le: b.Le, leMs: round10(b.LeMs), leLabel: b.Label}
	switch {
	case b.Assumed:
		m.warning = fmt.Sprintf("the histogram's bucket boundaries are unknown (prommap latency.buckets), so le=%q (%s ms) is assumed to be one; if it is not, the SLI has no data and the alerts never fire", m.leLabel, num(m.leMs))
	case b.Snapped:
		m.warning = fmt.Sprintf("threshold %s ms is not a bucket boundary; measured at the next one up, le=%q (%s ms), so the rules check a looser SLO than committed", num(thresholdMs), m.leLabel, num(m.leMs))
	}
	count := s.CountSelector()
	m.ratio = func(w string) string {
		return "1 - (\n  " + s.Rate(b.Good, w) + "\n/\n  " + s.Rate(count, w) + "\n)"
	}
	return m, ""
}

// quote writes a PromQL double-quoted string. Go's escapes are PromQL's,
// and label values have been checked to be valid UTF-8.
func quote(s string) string { return strconv.Quote(s) }

// sloName is the slorec_slo label value: service and SLI kind. It is
// unique per SLO because the kind, the last dash-separated part, never
// contains a dash.
func sloName(s slorec.SLO) string { return s.Service + "-" + string(s.SLI) }
