package promrules

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

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
	switch {
	case s.Histogram == "" && s.Summary != "":
		return measure{}, "a latency SLO needs a histogram: the mapping names a summary, whose quantiles cannot give the share of requests under a threshold"
	case s.Histogram == "":
		return measure{}, "a latency SLO needs a histogram, and the mapping names none"
	}
	sel, err := prommap.ParseSelector(s.Histogram)
	if err != nil {
		return measure{}, unmeasurable(fmt.Sprintf("latency histogram: %v", err))
	}
	count := s.CountSelector()
	scale := s.LatencyScale()
	want := thresholdMs / scale
	m := measure{le: want}
	if len(s.Buckets) > 0 {
		// +Inf is no boundary to measure at: every request is under it.
		finite := s.Buckets
		for len(finite) > 0 && math.IsInf(finite[len(finite)-1], 1) {
			finite = finite[:len(finite)-1]
		}
		i := 0
		for i < len(finite) && finite[i] < want*(1-1e-9) {
			i++
		}
		if i == len(finite) {
			largest := "none"
			if len(finite) > 0 {
				largest = num(finite[len(finite)-1]) + " " + s.Unit
			}
			return measure{}, unmeasurable(fmt.Sprintf("threshold %s ms is above the histogram's largest bucket boundary (%s), so no bucket counts the requests under it", num(thresholdMs), largest))
		}
		m.le = s.Buckets[i]
	}
	m.leMs = round10(m.le * scale)
	spellings := leSpellings(m.le)
	m.leLabel = spellings[0]
	var good string
	if len(spellings) == 1 {
		good = sel.With("le", "=", spellings[0]).String()
	} else {
		quoted := make([]string, len(spellings))
		for i, sp := range spellings {
			quoted[i] = regexp.QuoteMeta(sp)
		}
		good = sel.With("le", "=~", strings.Join(quoted, "|")).String()
	}
	switch {
	case len(s.Buckets) == 0:
		m.warning = fmt.Sprintf("the histogram's bucket boundaries are unknown (prommap latency.buckets), so le=%q (%s ms) is assumed to be one; if it is not, the SLI has no data and the alerts never fire", m.leLabel, num(m.leMs))
	case math.Abs(m.le-want) > 1e-9*want:
		m.warning = fmt.Sprintf("threshold %s ms is not a bucket boundary; measured at the next one up, le=%q (%s ms), so the rules check a looser SLO than committed", num(thresholdMs), m.leLabel, num(m.leMs))
	}
	m.ratio = func(w string) string {
		return "1 - (\n  " + s.Rate(good, w) + "\n/\n  " + s.Rate(count, w) + "\n)"
	}
	return m, ""
}

// leSpellings returns the ways an le label may spell the boundary v, the
// client libraries' form first. The Go client writes the shortest form
// ("1", "0.25"); Prometheus 3 rewrites whole numbers as floats on
// ingestion ("1.0"), and 'g' formatting gives exponents for tiny and huge
// values ("1e-05"). A rule that matched only one spelling would measure
// nothing after an upgrade, so the matcher accepts each.
func leSpellings(v float64) []string {
	out := []string{prommap.FormatLe(v)}
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	g := strconv.FormatFloat(v, 'g', -1, 64)
	add(g)
	if !strings.ContainsAny(g, ".e") {
		add(g + ".0")
	}
	if f := out[0]; !strings.ContainsAny(f, ".e") {
		add(f + ".0")
	}
	return out
}

// quote writes a PromQL double-quoted string. Go's escapes are PromQL's,
// and label values have been checked to be valid UTF-8.
func quote(s string) string { return strconv.Quote(s) }

// sloName is the slorec_slo label value: service and SLI kind. It is
// unique per SLO because the kind, the last dash-separated part, never
// contains a dash.
func sloName(s slorec.SLO) string { return s.Service + "-" + string(s.SLI) }
