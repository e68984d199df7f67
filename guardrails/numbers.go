package guardrails

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// mark is how a number in text is qualified: by a percent sign, a unit,
// or nothing.
type mark int

const (
	markNone    mark = iota
	markPercent      // 99.5%, 99.5 percent
	markMs           // 650 ms; seconds and microseconds are converted to ms
	markDays         // 30 days, 28d, 30-day
	markTime         // hours, minutes, weeks: compared as written
	markFactor       // 8.4×, 2x, 3 times
	markOrdinal      // 95th, 2nd
)

// number is one number found in text.
type number struct {
	text string  // as written, with its unit: "99.5%", "3.9M", "650 ms"
	v    float64 // the value, in ms for time units, scaled for k/M
	unit float64 // one unit of the last written digit, scaled like v
	mark mark
	// integer reports a number written without decimals or scaling.
	integer bool
}

var (
	// maskPattern finds spans whose digits are names, not quantities:
	// links, citation ids and paths ("runbook/x#y",
	// "incident/inc-2024-03#summary"), ISO dates, clock times and dotted
	// versions. One alternation, so the text is scanned once.
	maskPattern = regexp.MustCompile(strings.Join([]string{
		`(?i:\b(?:https?|ftp)://[^\s)\]>]+)`,
		`\b[a-z][a-z0-9-]*/[^\s,;()\[\]"'<>]+`,
		`\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b`,
		`\b\d{1,2}:\d{2}(?::\d{2})?\b`,
		`\b[vV]?\d+(?:\.\d+){2,}\b`,
	}, "|"))
	// numberPattern: 3,918,082 and 99.506 and 650.
	numberPattern = regexp.MustCompile(`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`)
)

// glued are unit suffixes written without a space ("650ms", "28d", "2x",
// "3.9M"): the mark, the factor to the mark's unit and whether it scales
// the number (k, M) rather than naming a unit.
var glued = map[string]struct {
	mark  mark
	scale float64
}{
	"ms": {markMs, 1}, "s": {markMs, 1000}, "sec": {markMs, 1000}, "secs": {markMs, 1000},
	"us": {markMs, 0.001}, "µs": {markMs, 0.001}, "μs": {markMs, 0.001},
	"d": {markDays, 1}, "h": {markTime, 1}, "hr": {markTime, 1}, "hrs": {markTime, 1},
	"m": {markTime, 1}, "min": {markTime, 1}, "mins": {markTime, 1}, "w": {markTime, 1}, "wk": {markTime, 1},
	"x": {markFactor, 1},
	"k": {markNone, 1e3}, "K": {markNone, 1e3}, "M": {markNone, 1e6},
	"st": {markOrdinal, 1}, "nd": {markOrdinal, 1}, "rd": {markOrdinal, 1}, "th": {markOrdinal, 1},
}

// spaced are unit words after one space ("650 ms", "30 days", "3.9
// million").
var spaced = map[string]struct {
	mark  mark
	scale float64
}{
	"percent": {markPercent, 1},
	"ms":      {markMs, 1}, "msec": {markMs, 1}, "millisecond": {markMs, 1}, "milliseconds": {markMs, 1},
	"s": {markMs, 1000}, "sec": {markMs, 1000}, "secs": {markMs, 1000}, "second": {markMs, 1000}, "seconds": {markMs, 1000},
	"us": {markMs, 0.001}, "µs": {markMs, 0.001}, "μs": {markMs, 0.001}, "microsecond": {markMs, 0.001}, "microseconds": {markMs, 0.001},
	"d": {markDays, 1}, "day": {markDays, 1}, "days": {markDays, 1},
	"h": {markTime, 1}, "hour": {markTime, 1}, "hours": {markTime, 1}, "min": {markTime, 1}, "mins": {markTime, 1},
	"minute": {markTime, 1}, "minutes": {markTime, 1}, "week": {markTime, 1}, "weeks": {markTime, 1},
	"month": {markTime, 1}, "months": {markTime, 1},
	"x": {markFactor, 1}, "times": {markFactor, 1},
	"thousand": {markNone, 1e3}, "million": {markNone, 1e6}, "billion": {markNone, 1e9},
}

// scanNumbers finds the quantities in s. Digits that are part of a name
// are not quantities and are skipped: after a letter ("F12", "s3", "ec2",
// "p99", "inc-2024"), before letters that are no unit ("5xx", "2fa"),
// inside links, citation ids, dates, times and versions. A leading minus
// is a sign unless it follows a letter or digit ("99.9-99.95%" is a
// range).
func scanNumbers(s string) []number {
	if !strings.ContainsAny(s, "0123456789") {
		return nil
	}
	t := maskPattern.ReplaceAllStringFunc(s, func(m string) string { return strings.Repeat(" ", len(m)) })
	var out []number
	for _, loc := range numberPattern.FindAllStringIndex(t, -1) {
		a, b := loc[0], loc[1]
		if a > 0 {
			r, size := utf8.DecodeLastRuneInString(t[:a])
			before, _ := utf8.DecodeLastRuneInString(t[:a-size])
			if a-size == 0 {
				before = ' '
			}
			switch {
			case unicode.IsLetter(r) || r == '_' || r == '#' || r == '@' || r == '\\':
				continue
			case r == '.' && (unicode.IsLetter(before) || unicode.IsDigit(before)):
				continue // the tail of a dotted name
			case r == '/' && unicode.IsLetter(before):
				continue
			case r == '-' && (unicode.IsLetter(before) || before == '_'):
				continue // "inc-2024", "payment-2"
			case r == '-' && strings.ContainsRune(" \t\n([=:,~", before):
				a -= size // a sign: "-0.5%", "(-12 ms)"; "99.5%-99.9%" is a range
			}
		}
		if b < len(t) && t[b] == '.' && b+1 < len(t) && t[b+1] >= '0' && t[b+1] <= '9' {
			continue // "1.2.3" not masked (a leading letter): a name
		}
		n, ok := readNumber(s, t, a, b)
		if ok {
			out = append(out, n)
		}
	}
	return out
}

// readNumber parses t[a:b] (with its sign) and the unit after it. s is
// the unmasked text for the number's display.
func readNumber(s, t string, a, b int) (number, bool) {
	lit := strings.ReplaceAll(t[a:b], ",", "")
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(v, 0) {
		return number{}, false
	}
	decimals := 0
	if i := strings.IndexByte(lit, '.'); i >= 0 {
		decimals = len(lit) - i - 1
	}
	n := number{v: v, unit: math.Pow(10, -float64(decimals)), integer: decimals == 0}
	end := b
	rest := t[b:]
	word := leadingWord(rest)
	switch {
	case word != "":
		u, known := glued[word]
		if !known {
			u, known = glued[strings.ToLower(word)] // "MS", "D", "X"
		}
		if !known {
			return number{}, false // "5xx", "2fa", "3rd-party" stays: ordinals are known
		}
		if next, _ := utf8.DecodeRuneInString(rest[len(word):]); unicode.IsDigit(next) {
			return number{}, false // "1h30", "2x4"
		}
		n.mark = u.mark
		n.v, n.unit = n.v*u.scale, n.unit*u.scale
		if u.scale != 1 {
			n.integer = false
		}
		end += len(word)
	case strings.HasPrefix(rest, "%"):
		n.mark = markPercent
		end++
	case strings.HasPrefix(rest, "×"):
		n.mark = markFactor
		end += len("×")
	default:
		r, size := utf8.DecodeRuneInString(rest)
		if r != ' ' && r != '\u00a0' && r != '\u202f' && r != '-' {
			break
		}
		after := rest[size:]
		switch {
		case r != '-' && strings.HasPrefix(after, "%"):
			n.mark = markPercent
			end += size + 1
		case r != '-' && strings.HasPrefix(after, "×"):
			n.mark = markFactor
			end += size + len("×")
		default:
			w := leadingWord(after)
			if next, _ := utf8.DecodeRuneInString(after[len(w):]); w == "" || unicode.IsDigit(next) {
				break
			}
			u, ok := spaced[strings.ToLower(w)]
			if w == "per" && strings.HasPrefix(strings.ToLower(after[len(w):]), " cent") {
				u, ok = spaced["percent"], true
				w += " cent"
			}
			if !ok || (r == '-' && u.mark != markDays && u.mark != markTime) {
				break // "30-day" is a unit; "3-tier" is not
			}
			n.mark = u.mark
			n.v, n.unit = n.v*u.scale, n.unit*u.scale
			if u.scale != 1 {
				n.integer = false
			}
			end += size + len(w)
		}
	}
	n.text = strings.TrimSpace(s[a:end])
	return n, true
}

// leadingWord is the run of letters s starts with.
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

// kind is how an engine value may be written in prose.
type kind int

const (
	kindRatio   kind = iota // 0.995: as is, or as a percent (99.5%)
	kindPercent             // a percent the engine wrote ("99% of 30-day windows")
	kindPlain               // ms, counts, days, factors: as is
)

// value is one number the engine stated, and where.
type value struct {
	v    float64
	kind kind
	src  string
}

// backing is the set of numbers a draft's prose may use.
type backing []value

func (b *backing) add(v float64, k kind, src string) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	*b = append(*b, value{v, k, src})
	if k == kindRatio && v > 0 && v < 1 {
		// The complement: an error budget (1 - target) or an error rate
		// (1 - availability), "a 0.5% budget".
		*b = append(*b, value{1 - v, kindRatio, "1 - " + src})
	}
}

// addSet adds v unless it is zero, which optional engine fields
// (threshold_ms, percentile, bound) use for "not set".
func (b *backing) addSet(v float64, k kind, src string) {
	if v != 0 {
		b.add(v, k, src)
	}
}

// addText backs the numbers written in engine text (a fact statement, a
// reason, a mitigation): percents as written, everything else as plain
// values.
func (b *backing) addText(s, src string) {
	for _, n := range scanNumbers(s) {
		if n.mark == markPercent {
			b.add(n.v, kindPercent, src)
		} else {
			b.add(n.v, kindPlain, src)
		}
	}
}

// smallCount reports counting words: integers 0 to 10 with no unit ("two
// dependencies" written "2 dependencies", "1 of 3", "3 tiers", "2nd").
// They are always allowed; with a unit (5%, 7 days, 3 ms) they must
// match like any other number.
func smallCount(n number) bool {
	return n.integer && (n.mark == markNone || n.mark == markOrdinal) && n.v >= 0 && n.v <= 10
}

// match reports whether n is backed. When it is not, confused is the
// ratio n equals if the prose took a ratio for a percent ("0.995%").
func (b backing) match(n number) (ok bool, confused *value) {
	for i := range b {
		if b[i].backs(n) {
			return true, nil
		}
	}
	if n.mark == markPercent {
		for i := range b {
			if b[i].kind == kindRatio && near(n, b[i].v, 1) && (confused == nil || math.Abs(b[i].v-n.v) < math.Abs(confused.v-n.v)) {
				confused = &b[i]
			}
		}
	}
	return false, confused
}

// backs reports whether n, as written, states x.
func (x value) backs(n number) bool {
	switch n.mark {
	case markPercent:
		switch x.kind {
		case kindRatio:
			return near(n, 100*x.v, 100)
		case kindPercent:
			return near(n, x.v, math.NaN())
		}
		return false
	case markNone:
		switch x.kind {
		case kindRatio:
			return near(n, x.v, 1) || near(n, 100*x.v, 100)
		default:
			return near(n, x.v, math.NaN())
		}
	case markOrdinal:
		switch x.kind {
		case kindRatio:
			return near(n, 100*x.v, 100)
		default:
			return near(n, x.v, math.NaN())
		}
	default: // ms, days, other times, factors
		return x.kind == kindPlain && near(n, x.v, math.NaN())
	}
}

// near reports whether v, written with n's precision, reads n: v rounded
// or truncated to n's last digit is n. A value short of perfect never
// reads as perfect: 99.96% is not "100%" and 0.9996 is not "1", because
// in SLOs the nines are the claim. perfect is NaN for values without such
// a ceiling.
func near(n number, v, perfect float64) bool {
	eps := 1e-9 * math.Max(1, math.Abs(v))
	if !math.IsNaN(perfect) && math.Abs(n.v-perfect) <= eps && math.Abs(v-perfect) > eps {
		return false
	}
	x := n.v
	if (x < 0) != (v < 0) && math.Abs(x) > eps && math.Abs(v) > eps {
		return false
	}
	x, v = math.Abs(x), math.Abs(v)
	diff := v - x
	rounds := math.Abs(diff) <= n.unit/2+eps
	truncates := diff >= -eps && diff < n.unit-eps
	return rounds || truncates
}

// nearest is the engine value closest to n, written the way n is, for a
// violation's "want".
func (b backing) nearest(n number) string {
	best, bestD := "", math.Inf(1)
	consider := func(v float64, text string) {
		d := math.Abs(v-n.v) / math.Max(math.Abs(v), 1e-12)
		if d < bestD {
			best, bestD = text, d
		}
	}
	for _, x := range b {
		switch {
		case x.kind == kindRatio && (n.mark == markPercent || n.mark == markOrdinal):
			consider(100*x.v, formatNum(100*x.v)+"% ("+x.src+")")
		case x.kind == kindRatio && n.mark == markNone:
			consider(x.v, formatNum(x.v)+" ("+x.src+")")
			consider(100*x.v, formatNum(100*x.v)+"% ("+x.src+")")
		case x.kind == kindPercent && (n.mark == markPercent || n.mark == markNone || n.mark == markOrdinal):
			consider(x.v, formatNum(x.v)+"% ("+x.src+")")
		case x.kind == kindPlain && n.mark != markPercent:
			consider(x.v, formatNum(x.v)+" ("+x.src+")")
		}
	}
	return best
}

// formatNum writes v without float noise: 99.5055, not 99.50550000000001.
func formatNum(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}
