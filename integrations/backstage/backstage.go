package backstage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/dirfs"
)

// Annotation and label keys slorec reads. They follow Backstage's key rules
// (a DNS prefix, a slash, then [a-zA-Z0-9] separated by [-_.]).
const (
	// AnnotationTier sets the tier: critical, high, standard or low.
	// The label of the same key is read when the annotation is absent.
	AnnotationTier = "slorec.io/tier"
	// AnnotationPublishedSLA sets the published SLA as a ratio, e.g.
	// "0.9995" for 99.95%.
	AnnotationPublishedSLA = "slorec.io/published-sla"
	// AnnotationKind sets the slorec kind (service, datastore, queue or
	// external), overriding the mapping from kind and spec.type. On a
	// library component it makes the library a runtime node; on an API
	// that no component provides it makes the API itself a node.
	AnnotationKind = "slorec.io/kind"
	// AnnotationSoftDependencies lists, comma- or space-separated, the
	// entity references whose edges from this entity are soft (the entity
	// has a fallback). A reference without a kind matches any kind.
	AnnotationSoftDependencies = "slorec.io/soft-dependencies"
	// AnnotationAsyncDependencies lists, like AnnotationSoftDependencies,
	// the references whose edges are asynchronous (through a queue).
	AnnotationAsyncDependencies = "slorec.io/async-dependencies"
	// AnnotationProviders on an API entity says how its providers
	// compose: "all" (the default: a consumer needs every provider) or
	// "redundant" (any one provider serves a call).
	AnnotationProviders = "slorec.io/providers"
)

// Tier sources, in the order they are tried; see Entity.TierSource.
const (
	TierFromAnnotation = "annotation"
	TierFromLabel      = "label"
	TierFromTag        = "tag"
	TierFromLifecycle  = "lifecycle"
	TierFromDefault    = "default"
)

// Result is an imported catalog: the graph and everything a person needs to
// trust it (where each service came from, what was left out and why).
type Result struct {
	// Graph holds one service per runtime entity, sorted by id, each with
	// its dependencies sorted by target. It passes slorec.Graph.Validate;
	// it has no services when the catalog has no runtime entity.
	Graph slorec.Graph `json:"graph"`
	// Entities describes the entity behind each service, in the order of
	// Graph.Services.
	Entities []Entity `json:"entities"`
	// MissingNodes are dependency targets that no imported entity
	// declares, sorted: the same notion as dataset.Dataset.MissingNodes.
	MissingNodes []string `json:"missing_nodes,omitempty"`
	// Missing explains each missing node, in the order of MissingNodes.
	Missing []Missing `json:"missing,omitempty"`
	// APIs lists every API declared or referenced, sorted by ref.
	APIs []API `json:"apis,omitempty"`
	// Systems and Domains are the grouping of services, sorted by ref.
	// slorec.Service has no field for them.
	Systems []System `json:"systems,omitempty"`
	Domains []Domain `json:"domains,omitempty"`
	// Skipped lists entities that produced no service, with the reason,
	// sorted by file and document.
	Skipped []Skipped `json:"skipped,omitempty"`
	// Warnings lists problems that did not stop the import: values
	// ignored, entities skipped, references dropped. Sorted.
	Warnings []Problem `json:"warnings,omitempty"`
}

// Entity is where one service of the graph came from.
type Entity struct {
	ID string `json:"id"`
	// Ref is the entity reference in full form, kind:namespace/name.
	Ref string `json:"ref"`
	// Provenance is "backstage:" followed by the file.
	Provenance string `json:"provenance"`
	File       string `json:"file"`
	Document   int    `json:"document"`
	Line       int    `json:"line,omitempty"`
	// Type and Lifecycle are spec.type and spec.lifecycle as written.
	Type      string `json:"type,omitempty"`
	Lifecycle string `json:"lifecycle,omitempty"`
	// System is the full ref of spec.system; Domain that system's domain.
	System string   `json:"system,omitempty"`
	Domain string   `json:"domain,omitempty"`
	Tags   []string `json:"tags,omitempty"`
	// SubcomponentOf is the full ref of spec.subcomponentOf. It makes no
	// edge: a subcomponent is part of its parent, not called by it.
	SubcomponentOf string `json:"subcomponent_of,omitempty"`
	// TierSource says where the tier came from: TierFromAnnotation,
	// TierFromLabel, TierFromTag, TierFromLifecycle or TierFromDefault.
	TierSource string `json:"tier_source"`
}

// Missing is a dependency target no imported entity declares.
type Missing struct {
	ID string `json:"id"`
	// Ref is the full reference the dependents made.
	Ref string `json:"ref"`
	// Reason says why the target is not a node, e.g. "not in the catalog"
	// or "no component provides the API".
	Reason string `json:"reason"`
	// From lists the ids of the services depending on it, sorted.
	From []string `json:"from"`
}

// API is one API entity, declared or only referenced.
type API struct {
	Ref      string `json:"ref"`
	Declared bool   `json:"declared"`
	// Providers and Consumers are service ids, sorted. A consumer depends
	// on every provider, or on any one when Redundant.
	Providers []string `json:"providers,omitempty"`
	Consumers []string `json:"consumers,omitempty"`
	Redundant bool     `json:"redundant,omitempty"`
	// Node is the id of the node standing for the API itself when no
	// component provides it: a declared node when the API carries
	// AnnotationKind, a missing node otherwise; empty when it has
	// providers or no consumer.
	Node string `json:"node,omitempty"`
}

// System is a Backstage System: a group of services.
type System struct {
	Ref string `json:"ref"`
	// Declared is false for a system entities name but no file defines.
	Declared bool   `json:"declared"`
	Title    string `json:"title,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Domain   string `json:"domain,omitempty"`
	// Services are the ids of its members, sorted.
	Services []string `json:"services,omitempty"`
}

// Domain is a Backstage Domain: a group of systems.
type Domain struct {
	Ref         string `json:"ref"`
	Declared    bool   `json:"declared"`
	Title       string `json:"title,omitempty"`
	Owner       string `json:"owner,omitempty"`
	SubdomainOf string `json:"subdomain_of,omitempty"`
	// Systems are the refs of its systems, sorted.
	Systems []string `json:"systems,omitempty"`
}

// Skipped is an entity that produced no service.
type Skipped struct {
	// Ref is empty when the entity had no usable name or namespace.
	Ref      string `json:"ref,omitempty"`
	Kind     string `json:"kind"`
	File     string `json:"file"`
	Document int    `json:"document"`
	Line     int    `json:"line,omitempty"`
	Reason   string `json:"reason"`
}

// Parse imports the entities of one stream of YAML documents; source names
// it in problems and provenance (a file name, "-" for standard input). It
// returns a *ParseError (code EINVALID) listing every document that is not
// an entity, or an I/O error. Dangling references, unknown kinds and bad
// values are not errors: see Result.
func Parse(r io.Reader, source string) (*Result, error) {
	if source == "" {
		source = "-"
	}
	rd := &reader{}
	if err := rd.read(r, source); err != nil {
		return nil, err
	}
	return rd.result()
}

// ParseFiles imports the entities of the named files as one catalog, so
// references between files resolve. Problems and provenance name each file
// by the path given. It returns the errors of Parse, and ENOTFOUND for a
// file that does not exist.
func ParseFiles(paths ...string) (*Result, error) {
	rd := &reader{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, slorec.Errorf(slorec.ENOTFOUND, "backstage catalog %s: no such file", p)
		case err != nil:
			return nil, fmt.Errorf("read backstage catalog: %w", err)
		}
		if err := rd.read(bytes.NewReader(data), filepath.ToSlash(p)); err != nil {
			return nil, err
		}
	}
	return rd.result()
}

// ParseDir imports every .yaml and .yml file under dir (catalog-info.yaml
// and any other name), as ParseFS does. It returns ENOTFOUND when dir does
// not exist.
func ParseDir(dir string) (*Result, error) {
	fsys, err := dirfs.Open("backstage catalog", dir)
	if err != nil {
		return nil, err
	}
	return ParseFS(fsys)
}

// ParseFS imports every .yaml and .yml file of fsys as one catalog, in
// lexical path order, skipping directories whose name starts with a dot
// (.git). Problems and provenance name files by their slash-separated path
// in fsys, so results do not depend on where the tree is checked out. When
// one entity is defined in several files the first in that order wins. It
// returns EINVALID when fsys holds no YAML file.
func ParseFS(fsys fs.FS) (*Result, error) {
	rd := &reader{}
	files := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if ext := strings.ToLower(path.Ext(p)); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		files++
		return rd.read(f, p)
	})
	if err != nil {
		return nil, fmt.Errorf("read backstage catalog: %w", err)
	}
	if files == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "backstage catalog: no .yaml or .yml files")
	}
	return rd.result()
}

// result turns what was read into a Result, or the parse error.
func (rd *reader) result() (*Result, error) {
	if len(rd.errs) > 0 {
		probs := rd.errs
		sortProblems(probs)
		return nil, &ParseError{Problems: probs, Truncated: rd.trunc}
	}
	return build(rd), nil
}
