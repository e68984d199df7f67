// Package yamlerr reads gopkg.in/yaml.v3 syntax errors: the 1-based line
// they name and their message without the "yaml: line N:" prefix, so
// every YAML reader in slorec (Backstage catalogs, OpenSLO documents)
// reports malformed input the same way.
package yamlerr

import (
	"regexp"
	"strconv"
	"strings"
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
