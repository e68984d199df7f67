package prommap

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Placeholder is replaced by the service id in selector label values.
const Placeholder = "{{service}}"

// Matcher is one label matcher of a selector: name op "value".
type Matcher struct {
	Name  string
	Op    string // =, !=, =~ or !~
	Value string
}

// Selector is a parsed PromQL instant-vector selector: a metric name and
// label matchers, as in http_requests_total{code=~"5..",service="cart"}.
// Mappings hold selectors, not arbitrary expressions: slorec wraps them in
// rate, increase and histogram_quantile with the window it needs, which an
// arbitrary expression would not allow. Anything more complex belongs in a
// recording rule whose series the mapping then names.
type Selector struct {
	Metric   string
	Matchers []Matcher
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// ParseSelector parses a selector. The metric name is required; label
// values are double-quoted strings with Go/PromQL escapes.
func ParseSelector(s string) (Selector, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Selector{}, fmt.Errorf("empty selector")
	}
	var sel Selector
	open := strings.IndexByte(s, '{')
	name := s
	if open >= 0 {
		name = strings.TrimSpace(s[:open])
	}
	if !metricName.MatchString(name) {
		return Selector{}, fmt.Errorf("selector %q: want a metric name, optionally followed by {label matchers}; for expressions, record them with a recording rule and name its series", s)
	}
	sel.Metric = name
	if open < 0 {
		return sel, nil
	}
	rest := s[open+1:]
	if !strings.HasSuffix(rest, "}") {
		return Selector{}, fmt.Errorf("selector %q: missing closing }", s)
	}
	rest = strings.TrimSpace(rest[:len(rest)-1])
	seen := map[string]bool{}
	for rest != "" {
		m, tail, err := parseMatcher(rest)
		if err != nil {
			return Selector{}, fmt.Errorf("selector %q: %v", s, err)
		}
		key := m.Name + m.Op
		if seen[key] {
			return Selector{}, fmt.Errorf("selector %q: label %s matched twice with %s", s, m.Name, m.Op)
		}
		seen[key] = true
		sel.Matchers = append(sel.Matchers, m)
		tail = strings.TrimSpace(tail)
		if tail == "" {
			break
		}
		if tail[0] != ',' {
			return Selector{}, fmt.Errorf("selector %q: want , between matchers, got %q", s, tail)
		}
		rest = strings.TrimSpace(tail[1:])
	}
	return sel, nil
}

func parseMatcher(s string) (Matcher, string, error) {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	m := Matcher{Name: s[:i]}
	if !labelName.MatchString(m.Name) {
		return m, "", fmt.Errorf("want a label name at %q", s)
	}
	s = strings.TrimLeft(s[i:], " ")
	for _, op := range []string{"=~", "!~", "!=", "="} {
		if strings.HasPrefix(s, op) {
			m.Op = op
			break
		}
	}
	if m.Op == "" {
		return m, "", fmt.Errorf("label %s: want =, !=, =~ or !~", m.Name)
	}
	s = strings.TrimLeft(s[len(m.Op):], " ")
	if s == "" || s[0] != '"' {
		return m, "", fmt.Errorf("label %s: want a double-quoted value", m.Name)
	}
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return m, "", fmt.Errorf("label %s: bad quoted value at %s", m.Name, s)
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return m, "", fmt.Errorf("label %s: bad quoted value %s", m.Name, q)
	}
	if m.Op == "=~" || m.Op == "!~" {
		probe := strings.ReplaceAll(v, Placeholder, "x")
		if _, err := regexp.Compile("^(?:" + probe + ")$"); err != nil {
			return m, "", fmt.Errorf("label %s: bad regular expression %q: %v", m.Name, v, err)
		}
	}
	m.Value = v
	return m, s[len(q):], nil
}

// String renders the selector in canonical form.
func (s Selector) String() string {
	if len(s.Matchers) == 0 {
		return s.Metric
	}
	var b strings.Builder
	b.WriteString(s.Metric)
	b.WriteByte('{')
	for i, m := range s.Matchers {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.Name)
		b.WriteString(m.Op)
		b.WriteString(quote(m.Value))
	}
	b.WriteByte('}')
	return b.String()
}

// quote writes a PromQL double-quoted string.
func quote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

// With returns a copy of the selector with an added (or replaced) matcher.
func (s Selector) With(name, op, value string) Selector {
	out := Selector{Metric: s.Metric}
	for _, m := range s.Matchers {
		if m.Name == name && m.Op == op {
			continue
		}
		out.Matchers = append(out.Matchers, m)
	}
	out.Matchers = append(out.Matchers, Matcher{Name: name, Op: op, Value: value})
	return out
}

// bind replaces the placeholder with the service id; in regular
// expression matchers the id is quoted so its dots match only dots.
func (s Selector) bind(service string) Selector {
	out := Selector{Metric: s.Metric, Matchers: make([]Matcher, len(s.Matchers))}
	for i, m := range s.Matchers {
		id := service
		if m.Op == "=~" || m.Op == "!~" {
			id = regexp.QuoteMeta(service)
		}
		m.Value = strings.ReplaceAll(m.Value, Placeholder, id)
		out.Matchers[i] = m
	}
	return out
}
