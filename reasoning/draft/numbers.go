package draft

import (
	"math"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
)

// number is one numeric token of prose: "99.5%", "650" (of "650 ms"),
// "30" (of "30-day").
type number struct {
	text     string
	value    float64
	percent  bool
	decimals int
}

// numbers finds the numeric tokens of s the way a reader (and the numeric
// guard) sees them. Digits that belong to an identifier are not numbers:
// "p95", "F3", "S3", "svc-0042", "us-east-1", "5xx".
func numbers(s string) []number {
	var out []number
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		decimals := 0
		if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
				decimals++
			}
		}
		if identifierBefore(s, start) || identifierAfter(s, i) {
			continue
		}
		text := s[start:i]
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			continue
		}
		n := number{text: text, value: v, decimals: decimals}
		if i < len(s) && s[i] == '%' {
			n.percent = true
			n.text += "%"
		}
		out = append(out, n)
	}
	return out
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// identifierBefore: the digits at s[i] continue a word ("p95", "F3",
// "1.2.3") or follow a hyphen inside one ("svc-0042").
func identifierBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	c := s[i-1]
	if isLetter(c) || isDigit(c) || c == '.' {
		return true
	}
	return c == '-' && i >= 2 && (isLetter(s[i-2]) || isDigit(s[i-2]))
}

// identifierAfter: a letter follows the digits directly ("5xx", "3rd"),
// except for a unit written without a space ("650ms").
func identifierAfter(s string, i int) bool {
	if i >= len(s) || !isLetter(s[i]) {
		return false
	}
	if strings.HasPrefix(s[i:], "ms") && (i+2 == len(s) || !isLetter(s[i+2])) {
		return false
	}
	return true
}

// numberSet is what prose may say: the numbers of a recommendation's facts
// (values and statements) and of its objectives' fields.
type numberSet struct {
	ratios []float64 // compared with percent tokens
	plains []float64 // compared with everything else
}

func (s *numberSet) ratio(v float64) { s.ratios = append(s.ratios, v); s.plains = append(s.plains, v) }
func (s *numberSet) plain(v float64) { s.plains = append(s.plains, v) }

func (s *numberSet) text(t string) {
	for _, n := range numbers(t) {
		if n.percent {
			s.ratios = append(s.ratios, n.value/100)
		} else {
			s.plains = append(s.plains, n.value)
		}
	}
}

// allowedNumbers collects the numbers rec lets prose use: fact values and
// the numbers of fact statements; every field of the objectives (targets,
// thresholds, percentiles, windows, bounds, candidates, the current SLO
// check) and the numbers of their texts (sources, reasons, mitigations);
// the confidence and the numbers of its reasons. It is the backing the
// numeric guard (guardrails) accepts, less its leniencies (complements,
// small counts, numbers of cited chunks), so what passes here passes
// there.
func allowedNumbers(rec *slorec.Recommendation) *numberSet {
	s := &numberSet{}
	for _, f := range rec.Facts {
		if isRatioUnit(f.Unit) {
			s.ratio(f.Value)
		} else {
			s.plain(f.Value)
		}
		s.text(f.Statement)
	}
	for _, o := range rec.Objectives {
		s.ratio(o.Target)
		s.plain(o.ThresholdMs)
		s.plain(o.Percentile)
		s.plain(float64(o.WindowDays))
		if o.SLI == slorec.Availability {
			s.ratio(o.Bound)
		} else {
			s.plain(o.Bound)
		}
		s.text(o.Source)
		for _, m := range o.Mitigations {
			s.text(m)
		}
		for _, c := range o.Candidates {
			s.ratio(c.Target)
			s.plain(c.ThresholdMs)
			s.ratio(c.BreachProbability)
			s.text(c.Reason)
		}
		if c := o.Current; c != nil {
			s.ratio(c.Target)
			s.plain(c.ThresholdMs)
			if o.SLI == slorec.Availability {
				s.ratio(c.Headroom)
			} else {
				s.plain(c.Headroom)
			}
			s.text(c.Reason)
		}
	}
	s.ratio(rec.Confidence)
	for _, r := range rec.ConfidenceReasons {
		s.text(r)
	}
	return s
}

func isRatioUnit(u string) bool { return u == "ratio" || u == "probability" }

// allows reports whether n matches an allowed number within the rounding
// its written precision implies.
func (s *numberSet) allows(n number) bool {
	tol := 0.5 * math.Pow(10, -float64(n.decimals))
	v, list := n.value, s.plains
	if n.percent {
		v, tol, list = v/100, tol/100, s.ratios
	}
	tol = tol*(1+1e-9) + 1e-12
	for _, a := range list {
		if math.Abs(v-a) <= tol {
			return true
		}
	}
	return false
}

// safe reports whether every number in t is allowed.
func (s *numberSet) safe(t string) bool {
	return len(s.unknown(t)) == 0
}

// unknown lists the numbers of t that are not allowed.
func (s *numberSet) unknown(t string) []string {
	var out []string
	for _, n := range numbers(t) {
		if !s.allows(n) {
			out = append(out, n.text)
		}
	}
	return out
}

// display is how a fact's value reads in prose: the number of its own
// statement closest to its value ("99.506%", "650" for 650 ms), so drafts
// quote the facts exactly; a formatted value when the statement has none.
func display(f slorec.Fact) string {
	best, bestDiff := "", math.Inf(1)
	ratio := isRatioUnit(f.Unit)
	one := &numberSet{plains: []float64{f.Value}, ratios: []float64{f.Value}}
	for _, n := range numbers(f.Statement) {
		if n.percent != ratio || !one.allows(n) {
			continue
		}
		v := n.value
		if ratio {
			v /= 100
		}
		if d := math.Abs(v - f.Value); d < bestDiff {
			best, bestDiff = n.text, d
		}
	}
	if best != "" {
		if f.Unit == "ms" {
			return best + " ms"
		}
		return best
	}
	switch f.Unit {
	case "ratio", "probability":
		return pct(f.Value)
	case "ms":
		return ms(f.Value)
	case "score":
		return strconv.FormatFloat(f.Value, 'f', 2, 64)
	}
	return strconv.FormatFloat(f.Value, 'f', -1, 64)
}

// pct formats a ratio as a percentage with up to three decimals, as the
// engine's facts do.
func pct(v float64) string {
	s := strconv.FormatFloat(math.Round(v*1e5)/1e3, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// ms formats milliseconds with at most one decimal, as the facts do.
func ms(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " ms"
}

// num formats a plain number without trailing zeros.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
