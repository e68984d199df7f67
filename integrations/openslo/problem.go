package openslo

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
	problemlist "github.com/slorec/slorec/internal/problems"
)

// MaxProblems caps the problems one call collects; past it the error is
// marked truncated.
const MaxProblems = 100

// Problem is one thing wrong with (or, as a Warning, worth knowing about)
// an OpenSLO object, located well enough to find it without searching.
type Problem struct {
	// Document is the 1-based index of the YAML document in the input
	// ("---" separates documents); 0 when the problem is not about one
	// (an Export problem).
	Document int `json:"document,omitempty"`
	// Item is the 1-based index in a document that is a list of objects
	// (a top-level YAML sequence or kind: List); 0 otherwise.
	Item int `json:"item,omitempty"`
	// Line is the 1-based line in the input; 0 when unknown.
	Line int `json:"line,omitempty"`
	// Kind and Name identify the object: "SLO" and its metadata.name.
	Kind string `json:"kind,omitempty"`
	Name string `json:"name,omitempty"`
	// Pointer is the JSON pointer of the offending value inside the
	// object, e.g. /spec/objectives/0/target; empty for the whole object.
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
}

// Warning is a problem that did not stop an import: a value slorec cannot
// represent and what it did instead.
type Warning = Problem

// String formats the problem as
// "document 2, line 14: SLO search-slo: /spec/objectives/0: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Document > 0 {
		b.WriteString("document ")
		b.WriteString(strconv.Itoa(p.Document))
		if p.Item > 0 {
			b.WriteString(" item ")
			b.WriteString(strconv.Itoa(p.Item))
		}
		if p.Line > 0 {
			b.WriteString(", line ")
			b.WriteString(strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Kind != "" || p.Name != "" {
		b.WriteString(strings.TrimSpace(p.Kind + " " + p.Name))
		b.WriteString(": ")
	}
	if p.Pointer != "" {
		b.WriteString(p.Pointer)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

func compareProblems(a, b Problem) int {
	return cmp.Or(
		cmp.Compare(a.Document, b.Document),
		cmp.Compare(a.Item, b.Item),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Pointer, b.Pointer),
		cmp.Compare(a.Message, b.Message),
	)
}

// Error lists every problem that stopped an export, import or
// validation. It unwraps to a *slorec.Error with code EINVALID, so
// slorec.ErrorCode reports EINVALID and slorec.ErrorMessage returns the
// full list.
type Error struct {
	// Op is "export", "import" or "validate".
	Op       string
	Problems []Problem
	// Truncated is set when more than MaxProblems problems were found.
	Truncated bool
}

// Error lists the problems, one per line.
func (e *Error) Error() string {
	return problemlist.Format(fmt.Sprintf("openslo %s: ", e.Op), e.Problems, e.Truncated, MaxProblems, "")
}

// Unwrap returns the application error the error stands for.
func (e *Error) Unwrap() error {
	return &slorec.Error{Code: slorec.EINVALID, Message: e.Error()}
}

// problems collects problems up to MaxProblems.
type problems struct {
	list  []Problem
	trunc bool
}

func (ps *problems) add(p Problem) {
	if len(ps.list) >= MaxProblems {
		ps.trunc = true
		return
	}
	ps.list = append(ps.list, p)
}

// err returns the collected problems as an *Error, or nil.
func (ps *problems) err(op string) error {
	if len(ps.list) == 0 && !ps.trunc {
		return nil
	}
	return &Error{Op: op, Problems: ps.list, Truncated: ps.trunc}
}
