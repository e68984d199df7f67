package faithfulness

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slorec/slorec"
)

// This file is the suite's own number extraction. guardrails has a fuller
// one but does not export it; this one is deliberately small: it finds
// quantities, skips digits that are names, and reads the percent sign and
// the millisecond, second and scaling units, which is what the measure
// needs to tell 99.5% from 0.995 from 650 ms.

// quantity is one number written in prose.
type quantity struct {
	text    string  // as written, with its unit: "99.5%", "650 ms"
	v       float64 // scaled: seconds in ms, "3.9 million" as 3.9e6
	unit    float64 // one unit of the last digit written, scaled like v
	percent bool
	integer bool // written without decimals or scaling, and no unit
}

var (
	// masked are spans whose digits are names: links, citation ids and
	// paths, ISO dates and times, clock times, dotted versions.
	masked = regexp.MustCompile(`(?i:\b(?:https?|ftp)://\S+)|\b[a-z][a-z0-9-]*/[^\s,;()]+|\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?\b|\b\d{1,2}:\d{2}(?::\d{2})?\b|\b[vV]?\d+(?:\.\d+){2,}\b`)
	digits = regexp.MustCompile(`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`)
)

// units after a number, glued ("650ms", "2x") or after one space: the
// factor to the number's scale, and whether it marks a duration in ms.
var units = map[string]float64{
	"ms": 1, "millisecond": 1, "milliseconds": 1, "s": 1000, "sec": 1000, "second": 1000, "seconds": 1000,
	"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6, "billion": 1e9,
	// Units that do not scale: the number is compared as written.
	"x": 1, "d": 1, "day": 1, "days": 1, "h": 1, "hour": 1, "hours": 1, "m": 1, "min": 1, "minute": 1, "minutes": 1,
	"th": 1, "st": 1, "nd": 1, "rd": 1,
}

// glued are the units that may follow a number without a space; any
// other letters make the digits part of a name ("5xx", "2fa").
var glued = map[string]bool{"ms": true, "s": true, "k": true, "K": true, "M": true, "m": true, "x": true, "d": true, "h": true, "min": true,
	"th": true, "st": true, "nd": true, "rd": true}

// quantities finds the numbers of s, skipping digits that are names:
// after a letter, "_", "#" or "@" ("F12", "p99", "s3"), after a hyphen
// that follows a letter ("inc-2026", "payment-2"), inside masked spans,
// and before letters that are no unit.
func quantities(s string) []quantity {
	if !strings.ContainsAny(s, "0123456789") {
		return nil
	}
	t := masked.ReplaceAllStringFunc(s, func(m string) string { return strings.Repeat(" ", len(m)) })
	var out []quantity
	for _, loc := range digits.FindAllStringIndex(t, -1) {
		a, b := loc[0], loc[1]
		if a > 0 {
			r, size := utf8.DecodeLastRuneInString(t[:a])
			before, _ := utf8.DecodeLastRuneInString(t[:a-size])
			if unicode.IsLetter(r) || r == '_' || r == '#' || r == '@' || (r == '-' || r == '.') && (unicode.IsLetter(before) || unicode.IsDigit(before)) {
				continue
			}
		}
		if b < len(t) && t[b] == '.' && b+1 < len(t) && t[b+1] >= '0' && t[b+1] <= '9' {
			continue // "1.2.3" behind a letter: a name
		}
		lit := strings.ReplaceAll(t[a:b], ",", "")
		v, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			continue
		}
		dec := 0
		if i := strings.IndexByte(lit, '.'); i >= 0 {
			dec = len(lit) - i - 1
		}
		q := quantity{text: t[a:b], v: v, unit: math.Pow10(-dec), integer: dec == 0}
		rest := t[b:]
		switch word := leadingWord(rest); {
		case word != "":
			if !glued[word] {
				continue
			}
			q.scale(units[word])
			q.text += word
		case strings.HasPrefix(rest, "%"), strings.HasPrefix(rest, " %"):
			q.percent, q.integer = true, false
			q.text += "%"
		case strings.HasPrefix(rest, "×"):
			q.integer = false
			q.text += "×"
		case strings.HasPrefix(rest, " "):
			w := leadingWord(rest[1:])
			if strings.EqualFold(w, "percent") {
				q.percent, q.integer = true, false
				q.text += " " + w
			} else if f, ok := units[w]; ok {
				q.scale(f)
				q.text += " " + w
			}
		}
		out = append(out, q)
	}
	return out
}

func (q *quantity) scale(f float64) {
	q.v, q.unit, q.integer = q.v*f, q.unit*f, false
}

func leadingWord(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			break
		}
		i += size
	}
	return s[:i]
}

// counting reports a small integer with no unit ("2 dependencies", "1 of
// 3"): a counting word, not a measurement, so not measured.
func counting(q quantity) bool { return q.integer && q.v >= 0 && q.v <= 10 }

// backing is a value a claim's numbers may be read from, and whether it
// reads as a percent.
type backing struct {
	v       float64
	percent bool
}

// factBacking is what a fact backs: its value (a ratio also as a
// percent, and its complement, an error budget) and every number its
// statement writes.
func factBacking(f slorec.Fact) []backing {
	var out []backing
	switch f.Unit {
	case "ratio", "probability", "score":
		out = append(out, backing{f.Value, false}, backing{100 * f.Value, true}, backing{100 * (1 - f.Value), true})
	case "percent":
		out = append(out, backing{f.Value, true})
	default:
		out = append(out, backing{f.Value, false})
	}
	for _, q := range quantities(f.Statement) {
		out = append(out, backing{q.v, q.percent})
	}
	return out
}

// backed reports whether q reads one of bs: the same kind (percent or
// not) and the value rounded or cut to q's last digit.
func backed(q quantity, bs []backing) bool {
	for _, b := range bs {
		if b.percent == q.percent && near(q, b.v) {
			return true
		}
	}
	return false
}

func near(q quantity, v float64) bool {
	eps := 1e-9 * math.Max(1, math.Abs(v))
	d := math.Abs(v) - math.Abs(q.v)
	return math.Abs(d) <= q.unit/2+eps || (d >= -eps && d < q.unit-eps)
}
