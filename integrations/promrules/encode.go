package promrules

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The rule file is encoded from a node tree rather than by yaml.Marshal,
// to choose each string's style: yaml.v3 writes a string that starts with
// a line break as a block scalar that reads back without it ("\na" becomes
// "a"), so a service id like that would change on the way to Prometheus.
// Strings holding control characters are double-quoted, with escapes;
// expressions, which slorec writes on several lines, use literal blocks.

// node returns the rule file as a YAML document node.
func (f RuleFile) node() *yaml.Node {
	groups := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{}}
	for _, g := range f.Groups {
		gn := mapping()
		add(gn, "name", str(g.Name))
		if g.Interval != "" {
			add(gn, "interval", str(g.Interval))
		}
		rules := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{}}
		for _, r := range g.Rules {
			rn := mapping()
			if r.Record != "" {
				add(rn, "record", str(r.Record))
			}
			if r.Alert != "" {
				add(rn, "alert", str(r.Alert))
			}
			add(rn, "expr", expr(r.Expr))
			if r.For != "" {
				add(rn, "for", str(r.For))
			}
			if len(r.Labels) > 0 {
				add(rn, "labels", stringMap(r.Labels))
			}
			if len(r.Annotations) > 0 {
				add(rn, "annotations", stringMap(r.Annotations))
			}
			rules.Content = append(rules.Content, rn)
		}
		add(gn, "rules", rules)
		groups.Content = append(groups.Content, gn)
	}
	root := mapping()
	add(root, "groups", groups)
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

// stringMap writes a map with its keys sorted.
func stringMap(m map[string]string) *yaml.Node {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	n := mapping()
	for _, k := range keys {
		add(n, k, str(m[k]))
	}
	return n
}

// str is a string scalar: plain or quoted as the encoder decides (it
// quotes what would read back as another type, like "true" or "30"),
// double-quoted when it holds a control character.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if hasControl(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// expr is an expression: a literal block when it spans lines and is safe
// as one (no other control characters, no leading or trailing break or
// space), else as str.
func expr(s string) *yaml.Node {
	n := str(s)
	if strings.Contains(s, "\n") && !hasControl(strings.ReplaceAll(s, "\n", "")) &&
		strings.TrimSpace(s) == s {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// hasControl reports whether s holds a C0 or C1 control character, DEL,
// a byte-order mark or a Unicode line or paragraph separator: everything
// YAML may fold, strip or reject in an unquoted scalar.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0xfeff || r == 0x2028 || r == 0x2029
	})
}
