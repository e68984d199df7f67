package backstage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec/internal/yamlerr"
)

// MaxFileBytes bounds one catalog file. Descriptor files are a few
// kilobytes; a file past this is not a catalog-info.yaml.
const MaxFileBytes = 16 << 20

// raw is one YAML document that passed the envelope checks: apiVersion,
// kind and metadata.name are present and well-formed.
type raw struct {
	file     string
	doc      int // 1-based
	line     int
	kindName string
	ref      ref
	root     *yaml.Node // the entity mapping
	metadata *yaml.Node
	spec     *yaml.Node // nil when absent
}

// at returns a problem located at the entity, or at line n when n > 0.
func (r *raw) at(line int, format string, args ...any) Problem {
	if line == 0 {
		line = r.line
	}
	return Problem{File: r.file, Document: r.doc, Line: line, Ref: r.ref.String(), Message: fmt.Sprintf(format, args...)}
}

// reader splits streams into documents and checks their envelopes.
type reader struct {
	entities []*raw
	skipped  []Skipped
	warnings []Problem
	errs     []Problem
	trunc    bool
}

func (rd *reader) fail(p Problem) {
	if len(rd.errs) >= MaxProblems {
		rd.trunc = true
		return
	}
	rd.errs = append(rd.errs, p)
}

// read reads every document of one stream. Malformed YAML ends the
// stream: yaml.v3 cannot resume after a syntax error.
func (rd *reader) read(r io.Reader, file string) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxFileBytes {
		rd.fail(Problem{File: file, Message: fmt.Sprintf("file is larger than %d MiB", MaxFileBytes>>20)})
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			rd.fail(Problem{File: file, Document: doc, Line: yamlerr.Line(err), Message: "malformed YAML: " + yamlerr.Message(err)})
			return nil
		}
		rd.document(file, doc, &n)
	}
}

// document checks one document's envelope. A missing or malformed
// apiVersion, kind, metadata or metadata.name is an error: without them the
// document is not an entity. A well-formed envelope with a value slorec
// cannot use (another apiVersion, an unknown kind, an invalid name) is
// skipped with a warning.
func (rd *reader) document(file string, doc int, n *yaml.Node) {
	if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
		return
	}
	m := n.Content[0]
	if m.Kind == yaml.ScalarNode && m.ShortTag() == "!!null" {
		return // an empty document, as after a trailing "---"
	}
	bad := func(line int, format string, args ...any) {
		rd.fail(Problem{File: file, Document: doc, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	if k := duplicateKey(m, 0); k != nil {
		bad(k.Line, "malformed YAML: mapping key %q is defined twice", k.Value)
		return
	}
	if m.Kind != yaml.MappingNode {
		bad(m.Line, "document is not a mapping; an entity has apiVersion, kind, metadata and spec")
		return
	}
	apiVersion, ok := requiredString(m, "apiVersion", bad)
	if !ok {
		return
	}
	kindName, ok := requiredString(m, "kind", bad)
	if !ok {
		return
	}
	md := get(m, "metadata")
	switch {
	case md == nil:
		bad(m.Line, "metadata is missing; every entity needs metadata.name")
		return
	case md.Kind != yaml.MappingNode:
		bad(md.Line, "metadata is %s, want a mapping with at least name", yamlerr.Describe(md))
		return
	}
	name, ok := requiredString(md, "name", func(line int, format string, args ...any) {
		bad(line, "metadata."+format, args...)
	})
	if !ok {
		return
	}
	e := &raw{file: file, doc: doc, line: m.Line, kindName: kindName, root: m, metadata: md}
	skip := func(r string, format string, args ...any) {
		p := Problem{File: file, Document: doc, Line: m.Line, Ref: r, Message: fmt.Sprintf(format, args...)}
		rd.warnings = append(rd.warnings, p)
		rd.skipped = append(rd.skipped, Skipped{Ref: r, Kind: kindName, File: file, Document: doc, Line: m.Line, Reason: p.Message})
	}
	ns := DefaultNamespace
	if nsNode := get(md, "namespace"); nsNode != nil {
		s, isStr := scalar(nsNode)
		if !isStr {
			skip("", "metadata.namespace is %s, want a string", yamlerr.Describe(nsNode))
			return
		}
		if why := checkNamespace(s); why != "" {
			skip("", "metadata.namespace %s", why)
			return
		}
		ns = s
	}
	if why := checkName(name); why != "" {
		skip("", "metadata.name %s", why)
		return
	}
	if !validKind(kindName) {
		skip("", "kind %q is not a sequence of letters and digits", kindName)
		return
	}
	e.ref = ref{kind: strings.ToLower(kindName), namespace: strings.ToLower(ns), name: strings.ToLower(name)}
	if !strings.HasPrefix(apiVersion, "backstage.io/") {
		skip(e.ref.String(), "apiVersion %q is not a backstage.io one; not a catalog entity slorec reads", apiVersion)
		return
	}
	switch e.ref.kind {
	case kindComponent, kindResource, kindAPI, kindSystem, kindDomain:
	case kindGroup, kindUser, kindLocation, kindTemplate:
		// Known kinds that are no part of the runtime graph. Groups and
		// users appear as owners (spec.owner); locations and templates
		// describe the catalog itself.
		rd.skipped = append(rd.skipped, Skipped{Ref: e.ref.String(), Kind: kindName, File: file, Document: doc, Line: m.Line,
			Reason: fmt.Sprintf("%s entities are not runtime nodes", kindName)})
		return
	default:
		skip(e.ref.String(), "unknown kind %q (slorec reads Component, Resource, API, System and Domain)", kindName)
		return
	}
	if s := get(m, "spec"); s != nil {
		switch {
		case s.Kind == yaml.MappingNode:
			e.spec = s
		case s.Kind == yaml.ScalarNode && s.ShortTag() == "!!null":
		default:
			skip(e.ref.String(), "spec is %s, want a mapping", yamlerr.Describe(s))
			return
		}
	}
	rd.entities = append(rd.entities, e)
}

// requiredString returns the string at key of mapping m, reporting a
// missing, empty or non-string value through bad.
func requiredString(m *yaml.Node, key string, bad func(line int, format string, args ...any)) (string, bool) {
	v := get(m, key)
	if v == nil {
		bad(m.Line, "%s is missing", key)
		return "", false
	}
	s, ok := scalar(v)
	switch {
	case !ok:
		bad(v.Line, "%s is %s, want a string", key, yamlerr.Describe(v))
		return "", false
	case s == "":
		bad(v.Line, "%s is empty", key)
		return "", false
	}
	return s, true
}

// get returns the value at key of mapping m, or nil. Aliases are resolved
// and YAML merge keys ("<<: *defaults") are honoured, as Backstage's YAML
// reader does.
func get(m *yaml.Node, key string) *yaml.Node {
	return getDepth(m, key, 0)
}

func getDepth(m *yaml.Node, key string, depth int) *yaml.Node {
	m = yamlerr.Deref(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > 10 {
		return nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if k.Value == key {
			return yamlerr.Deref(m.Content[i+1])
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			merges = append(merges, m.Content[i+1])
		}
	}
	for _, v := range merges {
		v = yamlerr.Deref(v)
		if v == nil {
			continue
		}
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, src := range srcs {
			if n := getDepth(src, key, depth+1); n != nil {
				return n
			}
		}
	}
	return nil
}

// pair is one key and value of a mapping.
type pair struct {
	key   string
	value *yaml.Node
	line  int
}

// entries returns the scalar-keyed entries of mapping m in file order,
// merged entries ("<<") after the explicit ones and only for keys the
// mapping does not set itself.
func entries(m *yaml.Node) []pair {
	var out []pair
	seen := map[string]bool{}
	var walk func(m *yaml.Node, depth int)
	walk = func(m *yaml.Node, depth int) {
		m = yamlerr.Deref(m)
		if m == nil || m.Kind != yaml.MappingNode || depth > 10 {
			return
		}
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				merges = append(merges, m.Content[i+1])
				continue
			}
			if !seen[k.Value] {
				seen[k.Value] = true
				out = append(out, pair{key: k.Value, value: yamlerr.Deref(m.Content[i+1]), line: k.Line})
			}
		}
		for _, v := range merges {
			v = yamlerr.Deref(v)
			if v != nil && v.Kind == yaml.SequenceNode {
				for _, src := range v.Content {
					walk(src, depth+1)
				}
				continue
			}
			walk(v, depth+1)
		}
	}
	walk(m, 0)
	return out
}

// scalar returns the text of a non-null scalar. Numbers and booleans count:
// `tier: 1` and `security: true` are strings to Backstage's YAML reader
// once quoted, and slorec reads them the same either way.
func scalar(n *yaml.Node) (string, bool) {
	n = yamlerr.Deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", false
	}
	return n.Value, true
}

// duplicateKey returns the second occurrence of a repeated mapping key
// anywhere under n, or nil. YAML forbids repeated keys and Backstage's
// reader rejects them; yaml.v3 reports them only when decoding into Go
// values, which this package does not do. Aliases are not followed: the
// anchored node is checked where it is defined.
func duplicateKey(n *yaml.Node, depth int) *yaml.Node {
	if depth > 1000 {
		return nil // yaml.v3 limits nesting well below what matters here
	}
	if n.Kind == yaml.MappingNode {
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode {
				if seen[k.Value] {
					return k
				}
				seen[k.Value] = true
			}
		}
	}
	for _, c := range n.Content {
		if d := duplicateKey(c, depth+1); d != nil {
			return d
		}
	}
	return nil
}

// sameNode reports whether a and b hold the same data, ignoring positions
// and styles. It decides whether a repeated entity is a harmless copy.
// Aliases are followed, so budget bounds the nodes visited: a document of
// nested aliases expands exponentially. Past the budget the nodes count as
// different, which only makes a copy a conflicting one.
func sameNode(a, b *yaml.Node, budget *int) bool {
	a, b = yamlerr.Deref(a), yamlerr.Deref(b)
	*budget--
	switch {
	case a == nil || b == nil:
		return a == b
	case *budget < 0:
		return false
	case a.Kind != b.Kind || len(a.Content) != len(b.Content):
		return false
	case a.Kind == yaml.ScalarNode && (a.ShortTag() != b.ShortTag() || a.Value != b.Value):
		return false
	}
	for i := range a.Content {
		if !sameNode(a.Content[i], b.Content[i], budget) {
			return false
		}
	}
	return true
}
