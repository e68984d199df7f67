package backstage

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/problems"
)

// MaxProblems caps the errors one import collects: past it the error is
// marked truncated. Two hundred are enough to show what is wrong.
const MaxProblems = 200

// Problem is one thing wrong with a catalog file, located precisely enough
// to fix it without searching.
type Problem struct {
	// File is the source of the document: the path given to ParseFiles,
	// the path relative to the directory for ParseDir and ParseFS, or the
	// source given to Parse.
	File string `json:"file"`
	// Document is the 1-based index of the YAML document in File (files
	// hold several, separated by "---"); 0 when the problem is about the
	// whole file.
	Document int `json:"document,omitempty"`
	// Line is the 1-based line in File; 0 when unknown.
	Line int `json:"line,omitempty"`
	// Ref is the entity the problem is about, in full form
	// (kind:namespace/name); empty when the entity has no usable name.
	Ref     string `json:"ref,omitempty"`
	Message string `json:"message"`
}

// String formats the problem as "file:line: document N: ref: message".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Document > 0 {
		b.WriteString("document ")
		b.WriteString(strconv.Itoa(p.Document))
		b.WriteString(": ")
	}
	if p.Ref != "" {
		b.WriteString(p.Ref)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// compareProblems orders problems by file, document, line and message.
func compareProblems(a, b Problem) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Document, b.Document),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Ref, b.Ref),
		cmp.Compare(a.Message, b.Message),
	)
}

// ParseError lists every problem that makes a catalog unreadable:
// malformed YAML, a document that is not an entity, an entity without
// apiVersion, kind or metadata.name. It unwraps to a *slorec.Error with code
// EINVALID, so slorec.ErrorCode reports EINVALID and slorec.ErrorMessage
// returns the full list.
type ParseError struct {
	Problems []Problem
	// Truncated is set when more than MaxProblems problems were found.
	Truncated bool
}

// Error lists the problems, one per line.
func (e *ParseError) Error() string {
	return problems.Format("invalid backstage catalog: ", e.Problems, e.Truncated, MaxProblems, "")
}

// Unwrap returns the EINVALID application error the parse error stands for.
func (e *ParseError) Unwrap() error {
	return &slorec.Error{Code: slorec.EINVALID, Message: e.Error()}
}
