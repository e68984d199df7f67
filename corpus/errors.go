package corpus

import (
	"fmt"
	"strings"

	"github.com/slorec/slorec"
)

// Problem is one thing wrong with one document.
type Problem struct {
	// Path is the file the document came from.
	Path string
	// Field is the front matter field at fault ("id", "kind", "tags"...),
	// or "front matter" for the block as a whole, or "body".
	Field string
	// Message says what is wrong and, where it helps, what is wanted.
	Message string
}

// String renders the problem as "path: field: message".
func (p Problem) String() string {
	return p.Path + ": " + p.Field + ": " + p.Message
}

// ValidationError lists every problem found in one or more documents, so a
// corpus author fixes them all in one pass. It unwraps to a *slorec.Error
// with code slorec.EINVALID, so slorec.ErrorCode reports it as invalid
// input.
type ValidationError struct {
	Problems []Problem
}

// Error implements the error interface.
func (e *ValidationError) Error() string {
	switch len(e.Problems) {
	case 0:
		return "corpus: invalid document"
	case 1:
		return "corpus: " + e.Problems[0].String()
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("corpus: %d problems: %s", len(e.Problems), strings.Join(lines, "; "))
}

// Unwrap returns the equivalent *slorec.Error (code EINVALID).
func (e *ValidationError) Unwrap() error {
	return slorec.Errorf(slorec.EINVALID, "%s", e.Error())
}
