package backstage

import "strings"

// way is one reason an entity depends on a target: the references it went
// through (the dependsOn entry; the API and its provider), for matching the
// soft/async annotations, and the redundancy group it belongs to.
type way struct {
	origins []ref
	group   string
}

// collectEdges resolves every dependency reference of every node.
func (b *builder) collectEdges() {
	sets := map[ref][2]*refSet{} // soft, async
	setsOf := func(e *entity) [2]*refSet {
		if s, ok := sets[e.ref]; ok {
			return s
		}
		s := [2]*refSet{b.refList(e, AnnotationSoftDependencies), b.refList(e, AnnotationAsyncDependencies)}
		sets[e.ref] = s
		return s
	}
	addWay := func(from *entity, to ref, w way, line int) {
		if to == from.ref {
			b.warn(from.raw, line, "depends on itself through %s; edge dropped", w.origins[0])
			return
		}
		s := setsOf(from)
		b.edge(from.ref, to).add(!s[0].match(w.origins), !s[1].match(w.origins), w.group)
	}
	for _, e := range b.order {
		if _, isNode := b.nodes[e.ref]; !isNode {
			continue
		}
		add := func(to ref, w way, line int) { addWay(e, to, w, line) }
		for _, d := range e.dependsOn {
			b.resolve(e, d, "dependsOn", add)
		}
		for _, c := range e.consumes {
			b.resolve(e, c, "consumesApis", add)
		}
		// dependencyOf: "I am a dependency of X" is X's edge to me, and
		// X's soft/async annotations apply, matched against my reference.
		for _, d := range e.dependencyOf {
			if from, ok := b.resolveDependent(e, d); ok {
				addWay(b.ents[from], e.ref, way{origins: []ref{e.ref}}, d.line)
			}
		}
	}
	for _, e := range b.order {
		if _, isNode := b.nodes[e.ref]; isNode {
			s := setsOf(e)
			s[0].unused(b, e)
			s[1].unused(b, e)
		}
	}
}

// add records one way of depending: an edge is hard when any way is hard,
// sync when any way is sync, and keeps a redundancy group only when every
// way agrees on it. Merging errs on the side of a lower ceiling.
func (a *edgeAcc) add(hard, sync bool, group string) {
	a.hard = a.hard || hard
	a.sync = a.sync || sync
	switch {
	case !a.seen:
		a.group, a.seen = group, true
	case a.group != group:
		a.group = ""
	}
}

func (b *builder) edge(from, to ref) *edgeAcc {
	m := b.edges[from]
	if m == nil {
		m = map[ref]*edgeAcc{}
		b.edges[from] = m
	}
	acc := m[to]
	if acc == nil {
		acc = &edgeAcc{}
		m[to] = acc
	}
	return acc
}

// resolve turns one dependsOn or consumesApis reference into edges.
func (b *builder) resolve(e *entity, d refAt, field string, add func(ref, way, int)) {
	r := d.ref
	if r.kind == "" {
		r = b.guessKind(r)
		b.warn(e.raw, d.line, "spec.%s entry %q has no kind, which Backstage rejects; read as %s", field, d.ref.nsName(), r)
	}
	switch r.kind {
	case kindComponent, kindResource:
		if field == "consumesApis" {
			b.warn(e.raw, d.line, "spec.consumesApis names %s, which is not an API; read as a dependency on it", r)
		}
		if to, ok := b.target(e, r, d.line); ok {
			add(to, way{origins: []ref{r}}, d.line)
		}
	case kindAPI:
		a := b.api(r)
		a.consumers[e.ref] = true
		provs := b.providers[r]
		if len(provs) == 0 {
			if _, isNode := b.nodes[r]; !isNode {
				why := "no component provides the API and no file declares it"
				if a.declared != nil {
					why = "no component provides the API (annotate it with " + AnnotationKind + " if it is a third party's)"
				}
				b.missingAs(r, why)
				a.node = true
			}
			add(r, way{origins: []ref{r}}, d.line)
			return
		}
		group := ""
		if a.redundant && len(provs) > 1 {
			group = r.compact(kindAPI)
		}
		for _, p := range provs {
			if to, ok := b.target(e, p, d.line); ok {
				add(to, way{origins: []ref{r, p}, group: group}, d.line)
			}
		}
	default:
		b.warn(e.raw, d.line, "spec.%s names %s; a %s is not a runtime dependency, ignored", field, r, r.kind)
	}
}

// guessKind resolves a kindless dependsOn or dependencyOf reference by
// name: the component, else the resource, of that name; a component when
// neither exists.
func (b *builder) guessKind(r ref) ref {
	for _, k := range []string{kindComponent, kindResource} {
		c := ref{kind: k, namespace: r.namespace, name: r.name}
		if _, ok := b.ents[c]; ok {
			return c
		}
		if _, ok := b.bad[c]; ok {
			return c
		}
	}
	return ref{kind: kindComponent, namespace: r.namespace, name: r.name}
}

// target returns the node a component or resource reference stands for:
// itself when it is a node, a missing node when undeclared or skipped, and
// nothing for a library.
func (b *builder) target(from *entity, r ref, line int) (ref, bool) {
	if _, ok := b.nodes[r]; ok {
		return r, true
	}
	if t, ok := b.ents[r]; ok {
		// Declared but not a node: a library component.
		b.warn(from.raw, line, "depends on %s, a %s, which is linked into its dependents; edge dropped", r, t.typ)
		return ref{}, false
	}
	switch why, bad := b.bad[r]; {
	case bad:
		b.missingAs(r, "the entity was skipped: "+why)
	default:
		if why, ok := b.otherSkips[r]; ok {
			b.missingAs(r, "the entity was skipped: "+why)
		} else {
			b.missingAs(r, "not in the catalog")
		}
	}
	return r, true
}

func (b *builder) missingAs(r ref, why string) {
	if _, ok := b.missing[r]; !ok {
		b.missing[r] = why
	}
}

// resolveDependent returns the node a dependencyOf entry names. Edges need
// a declared source, so an undeclared dependent drops the edge.
func (b *builder) resolveDependent(e *entity, d refAt) (ref, bool) {
	r := d.ref
	if r.kind == "" {
		r = b.guessKind(r)
		b.warn(e.raw, d.line, "spec.dependencyOf entry %q has no kind, which Backstage rejects; read as %s", d.ref.nsName(), r)
	}
	if r.kind != kindComponent && r.kind != kindResource {
		b.warn(e.raw, d.line, "spec.dependencyOf names %s; only components and resources have dependencies, ignored", r)
		return ref{}, false
	}
	if _, ok := b.nodes[r]; !ok {
		b.warn(e.raw, d.line, "spec.dependencyOf names %s, which is not a node of the graph; edge dropped", r)
		return ref{}, false
	}
	if r == e.ref {
		b.warn(e.raw, d.line, "spec.dependencyOf names the entity itself; edge dropped")
		return ref{}, false
	}
	return r, true
}

// refSet is the parsed value of a soft/async annotation.
type refSet struct {
	key   string
	line  int
	refs  []ref
	used  []bool
	texts []string
}

// refList parses the references of annotation key on e. Entries without a
// kind match any kind.
func (b *builder) refList(e *entity, key string) *refSet {
	s := &refSet{key: key}
	p, ok := e.annotations[key]
	if !ok {
		return s
	}
	s.line = p.line
	for _, f := range strings.FieldsFunc(p.s, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' || c == '\n' }) {
		r, err := parseRef(f, "", e.ref.namespace)
		if err != nil {
			b.warn(e.raw, p.line, "annotation %s: %v; entry ignored", key, err)
			continue
		}
		s.refs = append(s.refs, r)
		s.used = append(s.used, false)
		s.texts = append(s.texts, f)
	}
	return s
}

// match reports whether any origin is in the set, marking the entries used.
func (s *refSet) match(origins []ref) bool {
	hit := false
	for i, r := range s.refs {
		for _, o := range origins {
			if r.namespace == o.namespace && r.name == o.name && (r.kind == "" || r.kind == o.kind) {
				s.used[i] = true
				hit = true
			}
		}
	}
	return hit
}

func (s *refSet) unused(b *builder, e *entity) {
	for i, u := range s.used {
		if !u {
			b.warn(e.raw, s.line, "annotation %s names %q, which is no dependency of this entity; ignored", s.key, s.texts[i])
		}
	}
}
