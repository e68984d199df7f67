// Package yamlerr helps slorec's YAML readers (Backstage catalogs,
// OpenSLO documents) report bad input the same way: the 1-based line and
// message of a gopkg.in/yaml.v3 syntax error, and what a node is ("the
// string \"x\"", "a list") for messages about values.
package yamlerr

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var linePattern = regexp.MustCompile(`^yaml: line (\d+): `)

// parserProblems are the problems yaml.v3's parser (as opposed to its
// scanner) reports. For them yaml.v3 prints the 0-based line of the
// construct being parsed, for scanner problems the 1-based one (see
// parser.fail in yaml.v3's decode.go), so parser lines need one added.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// Line returns the 1-based line a yaml.v3 syntax error names, or 0 when
// it names none.
func Line(err error) int {
	msg := err.Error()
	m := linePattern.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	if parserProblems[msg[len(m[0]):]] {
		n++
	}
	return n
}

// Message returns the error's text without the "yaml: " and line
// prefixes, to read well after "malformed YAML: ".
func Message(err error) string {
	msg := linePattern.ReplaceAllString(err.Error(), "")
	return strings.TrimSpace(strings.TrimPrefix(msg, "yaml: "))
}

// Deref follows aliases to the node they stand for; nil for nil or for
// an alias chain longer than 100 (a cycle).
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i >= 100 {
			return nil
		}
		n = n.Alias
	}
	return n
}

// Describe names what a node is, for messages: "a mapping", "a list",
// "null", `the string "x"`, `the number "3"`.
func Describe(n *yaml.Node) string {
	n = Deref(n)
	switch {
	case n == nil:
		return "an unresolvable alias"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "null"
	}
	what := map[string]string{"!!str": "the string", "!!int": "the number", "!!float": "the number", "!!bool": "the boolean"}[n.ShortTag()]
	if what == "" {
		what = "the " + strings.TrimPrefix(n.ShortTag(), "!!") + " value"
	}
	return fmt.Sprintf("%s %q", what, n.Value)
}
