// Package problems formats the "N problems" errors of slorec's readers
// (datasets, Backstage catalogs, OpenSLO documents) one way: a header,
// the count, then one problem per indented line, and a note when the
// reader stopped collecting.
package problems

import (
	"fmt"
	"strings"
)

// Format returns header, "1 problem" or "N problems", each problem on
// its own tab-indented line and, when truncated, "(stopped after max
// problems<hint>)" on a last line.
func Format[P fmt.Stringer](header string, ps []P, truncated bool, max int, hint string) string {
	var b strings.Builder
	b.WriteString(header)
	if len(ps) == 1 {
		b.WriteString("1 problem")
	} else {
		fmt.Fprintf(&b, "%d problems", len(ps))
	}
	for _, p := range ps {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	if truncated {
		fmt.Fprintf(&b, "\n\t(stopped after %d problems%s)", max, hint)
	}
	return b.String()
}
