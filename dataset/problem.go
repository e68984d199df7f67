package dataset

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/problems"
)

// MaxProblems caps the problems one load collects. Past it the loader stops
// reading and marks the error as truncated: two hundred problems are enough
// to show what is wrong, and a broken 7-million-row file should not produce
// 7 million messages.
const MaxProblems = 200

// Problem is one thing wrong with a dataset, located precisely enough to fix
// it without searching.
type Problem struct {
	// File is the dataset file, e.g. "metrics.csv".
	File string `json:"file"`
	// Line is the 1-based line in File; 0 when unknown (a missing file, or a
	// dataset validated in memory).
	Line int `json:"line,omitempty"`
	// Path locates the value in a JSON file, e.g.
	// services[3].deps[1].target; empty for CSV rows.
	Path string `json:"path,omitempty"`
	// Field is the JSON key or CSV column the problem is about.
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String formats the problem as "file:line: path: message".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	switch {
	case p.Path != "":
		b.WriteString(p.Path)
		b.WriteString(": ")
	case p.Field != "":
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError lists every problem found in a dataset. It unwraps to a
// *slorec.Error with code EINVALID, so slorec.ErrorCode reports EINVALID and
// slorec.ErrorMessage returns the full list.
type ValidationError struct {
	// Dir is the dataset directory; empty when a single stream was read.
	Dir      string
	Problems []Problem
	// Truncated is set when reading stopped after MaxProblems problems.
	Truncated bool
}

// Error lists the problems, one per line.
func (e *ValidationError) Error() string {
	header := "invalid dataset: "
	if e.Dir != "" {
		header = fmt.Sprintf("invalid dataset %s: ", e.Dir)
	}
	return problems.Format(header, e.Problems, e.Truncated, MaxProblems, "; fix these and load again")
}

// Unwrap returns the EINVALID application error the validation error stands
// for.
func (e *ValidationError) Unwrap() error {
	return &slorec.Error{Code: slorec.EINVALID, Message: e.Error()}
}

// collector gathers problems up to MaxProblems.
type collector struct {
	probs     []Problem
	truncated bool
}

func (c *collector) add(p Problem) {
	if len(c.probs) >= MaxProblems {
		c.truncated = true
		return
	}
	c.probs = append(c.probs, p)
}

// full reports whether no further problem will be kept, so readers can stop.
func (c *collector) full() bool { return len(c.probs) >= MaxProblems }

func (c *collector) err(dir string) error {
	if len(c.probs) == 0 {
		return nil
	}
	return &ValidationError{Dir: dir, Problems: c.probs, Truncated: c.truncated}
}
