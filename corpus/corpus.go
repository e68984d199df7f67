package corpus

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Document kinds. A document has exactly one.
const (
	KindRunbook     = "runbook"      // what to do during an incident of a given shape
	KindSLOTemplate = "slo-template" // suggested SLIs, targets and alerts per service kind and tier
	KindPolicy      = "policy"       // error-budget and change rules an organisation commits to
	KindProviderSLA = "provider-sla" // a managed service's published SLA and what it means for dependents
	KindPostmortem  = "postmortem"   // a summary of a public incident report
	KindGuide       = "guide"        // background: SLO math, alerting, SLI choice
)

// Kinds returns every document kind, in a fixed order.
func Kinds() []string {
	return []string{KindRunbook, KindSLOTemplate, KindPolicy, KindProviderSLA, KindPostmortem, KindGuide}
}

// ValidKind reports whether k is one of Kinds.
func ValidKind(k string) bool {
	for _, known := range Kinds() {
		if k == known {
			return true
		}
	}
	return false
}

// Document is one knowledge document: its front matter and its Markdown
// body.
type Document struct {
	// ID is kebab-case and unique across the corpus.
	ID    string
	Kind  string
	Title string
	// Services lists the service ids or service kinds (service, datastore,
	// external, queue) the document applies to; empty means any.
	Services []string
	Tags     []string
	// Source is Sources joined with ", ", for display.
	Source string
	// Sources lists the URLs the facts come from, or "slorec authors".
	Sources []string
	License string
	// LicenseNote says which public documents facts were drawn from and
	// under what terms; empty for purely original text.
	LicenseNote string
	// Date is the incident date of a postmortem, YYYY-MM-DD; may be empty.
	Date string
	// SLAs lists the availability commitments a provider-sla document
	// summarizes, so the engine can use them as a last-resort prior for an
	// external dependency without metrics.
	SLAs []SLA
	// Body is the Markdown after the front matter, trimmed, with LF line
	// endings.
	Body string
	// Path is where the document came from: a path inside the embedded
	// docs/ tree for shipped documents, whatever the caller passed to Parse
	// otherwise.
	Path string
}

// SLA is one published availability commitment of a managed service.
type SLA struct {
	// Offering names the covered configuration, e.g. "multi-az-db-instance".
	Offering string `yaml:"offering"`
	// Availability is the monthly uptime commitment as a ratio (0.9995),
	// never a percentage.
	Availability float64 `yaml:"availability"`
}

// Ref returns the document's citation prefix, "<kind>/<id>"; a chunk is
// cited as Ref()+"#"+section.
func (d Document) Ref() string {
	return d.Kind + "/" + d.ID
}

//go:embed docs
var shipped embed.FS

// Load returns the shipped documents, parsed strictly, validated (including
// id uniqueness) and sorted by ID. The error, if any, is a
// *ValidationError listing every problem in every file.
func Load() ([]Document, error) {
	return load(shipped, "docs")
}

func load(fsys fs.FS, root string) ([]Document, error) {
	var paths []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(path.Ext(p), ".md") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	sort.Strings(paths)

	var (
		docs     []Document
		problems []Problem
	)
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		d, probs := parse(p, data, true)
		if len(probs) > 0 {
			problems = append(problems, probs...)
			continue
		}
		docs = append(docs, d)
	}
	problems = append(problems, duplicates(docs)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	return docs, nil
}

// Validate checks each document on its own and that ids are unique across
// docs. It is for callers that combine shipped and user documents. The
// error, if any, is a *ValidationError listing every problem.
func Validate(docs []Document) error {
	var problems []Problem
	for i := range docs {
		problems = append(problems, docs[i].problems(false)...)
	}
	problems = append(problems, duplicates(docs)...)
	if len(problems) > 0 {
		return &ValidationError{Problems: problems}
	}
	return nil
}

// Validate checks the document on its own: known kind, a well-formed id, a
// title, a non-empty body, and well-formed optional fields. The error, if
// any, is a *ValidationError listing every problem.
func (d *Document) Validate() error {
	if probs := d.problems(false); len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	return nil
}

func duplicates(docs []Document) []Problem {
	first := make(map[string]string, len(docs))
	var problems []Problem
	for _, d := range docs {
		if d.ID == "" {
			continue
		}
		if p, ok := first[d.ID]; ok {
			problems = append(problems, Problem{
				Path:    d.Path,
				Field:   "id",
				Message: fmt.Sprintf("duplicate id %q (first used by %s)", d.ID, p),
			})
			continue
		}
		first[d.ID] = d.Path
	}
	return problems
}
