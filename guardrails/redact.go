package guardrails

import (
	"regexp"
	"sort"
	"strings"
)

// PII kinds a Redaction names.
const (
	PIIEmail  = "email"
	PIIIPv4   = "ipv4"
	PIIIPv6   = "ipv6"
	PIIPhone  = "phone"
	PIISecret = "secret"
)

// Redaction is one span Redact replaced, in the input's byte offsets.
type Redaction struct {
	Kind       string `json:"kind"`
	Start, End int    `json:"-"`
}

// A detector finds one kind of personal or secret data. Patterns are
// ordered from most to least specific: where two overlap, the earlier
// wins, so a key inside a URL is a secret, not an email.
type detector struct {
	kind string
	re   *regexp.Regexp
	// valid, when set, rejects matches that only look like the kind.
	valid func(s string) bool
	// group, when positive, is the submatch to redact (the value of a
	// "key: value" pair), so the key stays readable.
	group int
}

var detectors = []detector{
	// Provider keys and tokens with fixed prefixes.
	{PIISecret, regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), nil, 0},                                  // AWS access key id
	{PIISecret, regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36,}\b`), nil, 0},                                 // GitHub token
	{PIISecret, regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}\b`), nil, 0},                               // Slack token
	{PIISecret, regexp.MustCompile(`\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}\b`), nil, 0},                // OpenAI- and Stripe-style secret keys
	{PIISecret, regexp.MustCompile(`\b(?:rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b`), nil, 0},                   // Stripe keys
	{PIISecret, regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b`), nil, 0}, // JWT
	{PIISecret, regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`), nil, 0},
	// "Authorization: Bearer x", "api_key=x", "password: x": the value.
	{PIISecret, regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)`), nil, 1},
	{PIISecret, regexp.MustCompile(`(?i)\b(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|access[_-]?key)\b["']?\s*[:=]\s*["']?([^\s"',;\[]{8,})`), nil, 1},
	{PIIEmail, regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b`), nil, 0},
	{PIIIPv6, regexp.MustCompile(`(?i)\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|(?i)\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?\b`), validIPv6, 0},
	{PIIIPv4, regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`), validIPv4, 0},
	// Phone numbers: an international +CC form, or a 10-digit North
	// American form with separators. Bare digit runs (timestamps, counts)
	// are not phones.
	{PIIPhone, regexp.MustCompile(`\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}\b`), nil, 0},
	{PIIPhone, regexp.MustCompile(`\(\d{3}\)\s?\d{3}[ .-]\d{4}\b|\b\d{3}[.-]\d{3}[.-]\d{4}\b`), nil, 0},
}

func validIPv4(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if len(part) > 1 && part[0] == '0' {
			return false // 01.02.03.04 reads as a version, not an address
		}
		n := 0
		for _, c := range part {
			n = n*10 + int(c-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// validIPv6 keeps addresses with at least three groups, so "10:30" times
// and "a::b" code are not redacted.
func validIPv6(s string) bool {
	return strings.Count(s, ":") >= 3
}

// Redact replaces emails, IP addresses, phone numbers and secrets (API
// keys, tokens, passwords, private keys) with "[REDACTED:kind]" and says
// what it replaced. It is applied to every document before it is stored
// or embedded, to inputs before any LLM call and to outputs before they
// leave; it is idempotent. It favours recall on secrets and precision on
// phone numbers: a 9-digit request count is not a phone.
func Redact(s string) (string, []Redaction) {
	var found []Redaction
	taken := func(a, b int) bool {
		for _, r := range found {
			if a < r.End && r.Start < b {
				return true
			}
		}
		return false
	}
	for _, d := range detectors {
		for _, m := range d.re.FindAllStringSubmatchIndex(s, -1) {
			a, b := m[0], m[1]
			if d.group > 0 {
				a, b = m[2*d.group], m[2*d.group+1]
			}
			if a < 0 || taken(a, b) || (d.valid != nil && !d.valid(s[a:b])) {
				continue
			}
			found = append(found, Redaction{Kind: d.kind, Start: a, End: b})
		}
	}
	if len(found) == 0 {
		return s, nil
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Start < found[j].Start })
	var b strings.Builder
	last := 0
	for _, r := range found {
		b.WriteString(s[last:r.Start])
		b.WriteString("[REDACTED:" + r.Kind + "]")
		last = r.End
	}
	b.WriteString(s[last:])
	return b.String(), found
}
