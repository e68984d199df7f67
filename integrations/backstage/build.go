package backstage

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/yamlerr"
)

// refAt is a reference as written, with where it was written.
type refAt struct {
	ref  ref
	line int
}

// entity is a Component, Resource, API, System or Domain with the fields
// slorec reads.
type entity struct {
	*raw
	typ, lifecycle, title string
	owner                 string // compact form
	system, domain        *refAt // spec.system; spec.domain of a System
	subdomainOf           *refAt
	subcomponentOf        *refAt
	tags                  []string
	annotations, labels   map[string]value
	dependsOn             []refAt
	dependencyOf          []refAt
	provides, consumes    []refAt
}

// builder turns entities into a graph.
type builder struct {
	res      *Result
	warnings []Problem
	// ents holds the first definition of every usable entity; bad holds
	// why an entity with unusable graph fields was skipped.
	ents map[ref]*entity
	bad  map[ref]string
	// otherSkips are entities the reader skipped, for better reasons on
	// missing nodes that name them.
	otherSkips map[ref]string
	order      []*entity
	// nodes are the entities that become services, with their kind.
	nodes     map[ref]slorec.ServiceKind
	providers map[ref][]ref // API -> providing components, sorted
	apis      map[ref]*apiAcc
	// edges[from][to] accumulates every way from depends on to.
	edges map[ref]map[ref]*edgeAcc
	// missing are targets that are not nodes, with the reason.
	missing map[ref]string
}

type apiAcc struct {
	declared  *entity
	consumers map[ref]bool
	redundant bool
	node      bool // the API stands for itself (declared or missing node)
}

type edgeAcc struct {
	hard, sync bool   // any way is hard; any way is sync
	group      string // redundancy group every way agrees on, or ""
	seen       bool
}

func (b *builder) warn(e *raw, line int, format string, args ...any) {
	b.warnings = append(b.warnings, e.at(line, format, args...))
}

// build makes the Result from the documents read.
func build(rd *reader) *Result {
	b := &builder{
		res:        &Result{Graph: slorec.Graph{Services: []slorec.Service{}}, Entities: []Entity{}},
		warnings:   rd.warnings,
		ents:       map[ref]*entity{},
		bad:        map[ref]string{},
		otherSkips: map[ref]string{},
		nodes:      map[ref]slorec.ServiceKind{},
		providers:  map[ref][]ref{},
		apis:       map[ref]*apiAcc{},
		edges:      map[ref]map[ref]*edgeAcc{},
		missing:    map[ref]string{},
	}
	b.res.Skipped = rd.skipped
	for _, s := range rd.skipped {
		if s.Ref != "" {
			if r, err := parseRef(s.Ref, "", DefaultNamespace); err == nil {
				b.otherSkips[r] = s.Reason
			}
		}
	}
	b.collect(rd.entities)
	b.decideNodes()
	b.collectEdges()
	ids := b.assignIDs()
	b.emit(ids)
	return b.res
}

// collect removes repeated definitions (the first wins, as in Backstage,
// where a second location claiming an entity is a conflict) and reads the
// fields of each entity.
func (b *builder) collect(raws []*raw) {
	first := map[ref]*raw{}
	for _, r := range raws {
		if f, dup := first[r.ref]; dup {
			budget := 1 << 20
			reason := fmt.Sprintf("repeats the definition in %s document %d", f.file, f.doc)
			if !sameNode(f.root, r.root, &budget) {
				reason = fmt.Sprintf("conflicts with the definition in %s document %d, which wins", f.file, f.doc)
				b.warn(r, 0, "%s", reason)
			}
			b.res.Skipped = append(b.res.Skipped, Skipped{Ref: r.ref.String(), Kind: r.kindName, File: r.file, Document: r.doc, Line: r.line, Reason: reason})
			continue
		}
		first[r.ref] = r
		e, why := b.read(r)
		if why != "" {
			b.bad[r.ref] = why
			b.res.Skipped = append(b.res.Skipped, Skipped{Ref: r.ref.String(), Kind: r.kindName, File: r.file, Document: r.doc, Line: r.line, Reason: why})
			continue
		}
		b.ents[r.ref] = e
		b.order = append(b.order, e)
	}
}

// read extracts the fields of one entity. Bad values in fields that shape
// the graph (spec.type, dependsOn, dependencyOf, providesApis,
// consumesApis) skip the entity, returning why: an entity imported without
// some of its edges would look better connected than it is, while a skipped
// one becomes a missing node for its dependents, which the engine flags.
// Bad values elsewhere are ignored with a warning.
func (b *builder) read(r *raw) (*entity, string) {
	e := &entity{raw: r}
	var fatal []string
	graphField := func(line int, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		b.warn(r, line, "%s; entity skipped", msg)
		fatal = append(fatal, msg)
	}
	optional := func(n *yaml.Node, field string) string {
		if n == nil {
			return ""
		}
		s, ok := scalar(n)
		if !ok {
			b.warn(r, n.Line, "%s is %s, want a string; ignored", field, yamlerr.Describe(n))
		}
		return s
	}
	e.title = optional(get(r.metadata, "title"), "metadata.title")
	e.annotations = b.stringMap(r, get(r.metadata, "annotations"), "metadata.annotations")
	e.labels = b.stringMap(r, get(r.metadata, "labels"), "metadata.labels")
	if n := get(r.metadata, "tags"); n != nil {
		if n.Kind != yaml.SequenceNode {
			b.warn(r, n.Line, "metadata.tags is %s, want a list of strings; ignored", yamlerr.Describe(n))
		} else {
			for _, t := range n.Content {
				s, ok := scalar(t)
				if !ok {
					b.warn(r, t.Line, "metadata.tags entry is %s, want a string; ignored", yamlerr.Describe(t))
					continue
				}
				e.tags = append(e.tags, s)
			}
		}
	}

	spec := r.spec
	ns := r.ref.namespace
	one := func(field, defaultKind string) *refAt {
		n := get(spec, field)
		if n == nil {
			return nil
		}
		s, ok := scalar(n)
		if !ok {
			b.warn(r, n.Line, "spec.%s is %s, want an entity reference; ignored", field, yamlerr.Describe(n))
			return nil
		}
		x, err := parseRef(s, defaultKind, ns)
		if err != nil {
			b.warn(r, n.Line, "spec.%s: %v; ignored", field, err)
			return nil
		}
		return &refAt{ref: x, line: n.Line}
	}
	list := func(field, defaultKind string) []refAt {
		n := get(spec, field)
		if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			graphField(n.Line, "spec.%s is %s, want a list of entity references", field, yamlerr.Describe(n))
			return nil
		}
		var out []refAt
		for _, item := range n.Content {
			s, ok := scalar(item)
			if !ok {
				graphField(item.Line, "spec.%s entry is %s, want an entity reference", field, yamlerr.Describe(item))
				continue
			}
			x, err := parseRef(s, defaultKind, ns)
			if err != nil {
				graphField(item.Line, "spec.%s: %v", field, err)
				continue
			}
			out = append(out, refAt{ref: x, line: item.Line})
		}
		return out
	}

	if n := get(spec, "type"); n != nil {
		s, ok := scalar(n)
		if !ok {
			graphField(n.Line, "spec.type is %s, want a string", yamlerr.Describe(n))
		}
		e.typ = s
	}
	e.lifecycle = optional(get(spec, "lifecycle"), "spec.lifecycle")
	// The owner is display data: one that is no valid reference (Backstage's
	// own docs show "petstore@example.com") is kept as written.
	if s, ok := scalar(get(spec, "owner")); ok {
		e.owner = s
		if o, err := parseRef(s, kindGroup, ns); err == nil {
			e.owner = o.compact(kindGroup)
		}
	}
	switch r.ref.kind {
	case kindComponent:
		e.system = one("system", kindSystem)
		e.subcomponentOf = one("subcomponentOf", kindComponent)
		e.provides = list("providesApis", kindAPI)
		e.consumes = list("consumesApis", kindAPI)
		e.dependsOn = list("dependsOn", "")
		e.dependencyOf = list("dependencyOf", "")
	case kindResource:
		e.system = one("system", kindSystem)
		e.dependsOn = list("dependsOn", "")
		e.dependencyOf = list("dependencyOf", "")
	case kindAPI:
		e.system = one("system", kindSystem)
	case kindSystem:
		e.domain = one("domain", kindDomain)
	case kindDomain:
		e.subdomainOf = one("subdomainOf", kindDomain)
	}
	if len(fatal) > 0 {
		return nil, "bad values: " + strings.Join(fatal, "; ")
	}
	return e, ""
}

// value is an annotation or label value and its line.
type value struct {
	s    string
	line int
}

// stringMap reads annotations or labels: string keys to string values.
func (b *builder) stringMap(r *raw, n *yaml.Node, field string) map[string]value {
	out := map[string]value{}
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return out
	}
	if n.Kind != yaml.MappingNode {
		b.warn(r, n.Line, "%s is %s, want a mapping of strings; ignored", field, yamlerr.Describe(n))
		return out
	}
	for _, p := range entries(n) {
		s, ok := scalar(p.value)
		if !ok {
			b.warn(r, p.line, "%s[%q] is %s, want a string; ignored", field, p.key, yamlerr.Describe(p.value))
			continue
		}
		out[p.key] = value{s: s, line: p.line}
	}
	return out
}

// Library components are linked into their dependents, so a library's
// failures are its dependents' own: it is no node of its own.
const typeLibrary = "library"

// decideNodes picks the entities that become services and their kinds, and
// indexes APIs and their providers.
func (b *builder) decideNodes() {
	for _, e := range b.order {
		override := b.kindAnnotation(e)
		switch e.ref.kind {
		case kindComponent:
			switch {
			case override != "":
				b.nodes[e.ref] = override
			case strings.EqualFold(e.typ, typeLibrary):
				b.res.Skipped = append(b.res.Skipped, Skipped{Ref: e.ref.String(), Kind: e.kindName, File: e.file, Document: e.doc, Line: e.line,
					Reason: "library: linked into its dependents, not a runtime node (set " + AnnotationKind + " to make it one)"})
			default:
				if e.typ == "" {
					b.warn(e.raw, 0, "spec.type is missing; treated as a service")
				}
				b.nodes[e.ref] = slorec.KindService
			}
			for _, p := range e.provides {
				if p.ref.kind != kindAPI {
					b.warn(e.raw, p.line, "spec.providesApis names %s, which is not an API; ignored", p.ref)
					continue
				}
				if !slices.Contains(b.providers[p.ref], e.ref) {
					b.providers[p.ref] = append(b.providers[p.ref], e.ref)
				}
				b.api(p.ref)
			}
		case kindResource:
			switch k, known := ResourceKind(e.typ); {
			case override != "":
				b.nodes[e.ref] = override
			case known:
				b.nodes[e.ref] = k
			default:
				what := fmt.Sprintf("spec.type %q is not in the resource mapping", e.typ)
				if e.typ == "" {
					what = "spec.type is missing"
				}
				b.warn(e.raw, 0, "%s; treated as a datastore (set %s to choose)", what, AnnotationKind)
				b.nodes[e.ref] = k
			}
		case kindAPI:
			a := b.api(e.ref)
			a.declared = e
			if p, ok := e.annotations[AnnotationProviders]; ok {
				switch strings.ToLower(strings.TrimSpace(p.s)) {
				case "redundant":
					a.redundant = true
				case "all":
				default:
					b.warn(e.raw, p.line, "annotation %s is %q, want all or redundant; ignored", AnnotationProviders, p.s)
				}
			}
		case kindSystem, kindDomain:
			if override != "" {
				b.warn(e.raw, e.annotations[AnnotationKind].line, "annotation %s has no effect on a %s", AnnotationKind, e.kindName)
			}
		}
	}
	for k := range b.providers {
		slices.SortFunc(b.providers[k], compareRefs)
	}
	// An API no component provides stands for itself when annotated with a
	// kind: a third-party API, typically, with its published SLA.
	for _, e := range b.order {
		if e.ref.kind != kindAPI {
			continue
		}
		k := b.kindAnnotation(e)
		switch {
		case k == "":
		case len(b.providers[e.ref]) > 0:
			b.warn(e.raw, e.annotations[AnnotationKind].line, "annotation %s is ignored: components provide this API, so consumers depend on them", AnnotationKind)
		default:
			b.nodes[e.ref] = k
			b.apis[e.ref].node = true
		}
	}
}

func (b *builder) api(r ref) *apiAcc {
	a := b.apis[r]
	if a == nil {
		a = &apiAcc{consumers: map[ref]bool{}}
		b.apis[r] = a
	}
	return a
}

// assignIDs gives every node and missing node its service id: the name in
// the default namespace, namespace/name elsewhere, "api:" before an API's.
// When a component and a resource (or a missing node) share a name, the
// component keeps the bare id and the others are prefixed with their kind,
// "resource:artists-db". Names hold no ":" or "/", so ids never collide.
func (b *builder) assignIDs() map[ref]string {
	all := make([]ref, 0, len(b.nodes)+len(b.missing))
	for r := range b.nodes {
		all = append(all, r)
	}
	for r := range b.missing {
		if _, ok := b.nodes[r]; !ok {
			all = append(all, r)
		}
	}
	slices.SortFunc(all, compareRefs)
	base := func(r ref) string {
		if r.kind == kindAPI {
			return "api:" + r.nsName()
		}
		return r.nsName()
	}
	claims := map[string][]ref{}
	for _, r := range all {
		claims[base(r)] = append(claims[base(r)], r)
	}
	ids := make(map[ref]string, len(all))
	for _, r := range all {
		id := base(r)
		if len(claims[id]) > 1 && r.kind != kindComponent {
			id = r.kind + ":" + r.nsName()
		}
		ids[r] = id
	}
	return ids
}

// emit writes the graph and the report, sorted.
func (b *builder) emit(ids map[ref]string) {
	res := b.res
	dependents := map[ref][]string{}
	for _, e := range b.order {
		kind, isNode := b.nodes[e.ref]
		if !isNode {
			continue
		}
		svc := slorec.Service{ID: ids[e.ref], Name: e.title, Kind: kind, Owner: e.owner}
		var tierSource string
		svc.Tier, tierSource = b.tier(e)
		svc.PublishedSLA = b.publishedSLA(e)
		for to, acc := range b.edges[e.ref] {
			d := slorec.Dependency{Target: ids[to], Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Declared}
			if !acc.sync {
				d.Type = slorec.Async
			}
			if !acc.hard {
				d.Criticality = slorec.Soft
			}
			d.RedundancyGroup = acc.group
			svc.Deps = append(svc.Deps, d)
			if _, ok := b.missing[to]; ok {
				dependents[to] = append(dependents[to], svc.ID)
			}
		}
		slices.SortFunc(svc.Deps, func(x, y slorec.Dependency) int { return cmp.Compare(x.Target, y.Target) })
		res.Graph.Services = append(res.Graph.Services, svc)
		ent := Entity{
			ID: svc.ID, Ref: e.ref.String(), Provenance: "backstage:" + e.file,
			File: e.file, Document: e.doc, Line: e.line,
			Type: e.typ, Lifecycle: e.lifecycle, Tags: e.tags, TierSource: tierSource,
		}
		if e.system != nil {
			ent.System = e.system.ref.String()
			if s, ok := b.ents[e.system.ref]; ok && s.domain != nil {
				ent.Domain = s.domain.ref.String()
			}
		}
		if e.subcomponentOf != nil {
			ent.SubcomponentOf = e.subcomponentOf.ref.String()
		}
		res.Entities = append(res.Entities, ent)
	}
	order := make([]int, len(res.Graph.Services))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmp.Compare(res.Graph.Services[i].ID, res.Graph.Services[j].ID) })
	svcs := make([]slorec.Service, len(order))
	ents := make([]Entity, len(order))
	for k, i := range order {
		svcs[k], ents[k] = res.Graph.Services[i], res.Entities[i]
	}
	res.Graph.Services, res.Entities = svcs, ents

	for r, why := range b.missing {
		if _, isNode := b.nodes[r]; isNode {
			continue
		}
		from := dependents[r]
		slices.Sort(from)
		res.Missing = append(res.Missing, Missing{ID: ids[r], Ref: r.String(), Reason: why, From: from})
	}
	slices.SortFunc(res.Missing, func(x, y Missing) int { return cmp.Compare(x.ID, y.ID) })
	for _, m := range res.Missing {
		res.MissingNodes = append(res.MissingNodes, m.ID)
	}

	b.emitAPIs(ids)
	b.emitGroups(ids)

	slices.SortStableFunc(res.Skipped, func(x, y Skipped) int {
		return cmp.Or(cmp.Compare(x.File, y.File), cmp.Compare(x.Document, y.Document))
	})
	sortProblems(b.warnings)
	res.Warnings = slices.Compact(b.warnings)
}

func (b *builder) emitAPIs(ids map[ref]string) {
	for r, a := range b.apis {
		api := API{Ref: r.String(), Declared: a.declared != nil, Redundant: a.redundant}
		for _, p := range b.providers[r] {
			if id, ok := ids[p]; ok {
				api.Providers = append(api.Providers, id)
			}
		}
		for c := range a.consumers {
			api.Consumers = append(api.Consumers, ids[c])
		}
		slices.Sort(api.Providers)
		slices.Sort(api.Consumers)
		if a.node {
			api.Node = ids[r]
		}
		b.res.APIs = append(b.res.APIs, api)
		if n := len(b.providers[r]); n > 1 && !a.redundant && len(a.consumers) > 0 {
			p := Problem{Ref: r.String(), Message: fmt.Sprintf("%d components provide the API; its consumers depend on every one (annotate the API with %s: redundant if any one serves a call)", n, AnnotationProviders)}
			if a.declared != nil {
				p = a.declared.at(0, "%s", p.Message)
			} else {
				first := b.ents[b.providers[r][0]]
				p.File, p.Document, p.Line = first.file, first.doc, first.line
			}
			b.warnings = append(b.warnings, p)
		}
	}
	slices.SortFunc(b.res.APIs, func(x, y API) int { return cmp.Compare(x.Ref, y.Ref) })
}

// emitGroups lists systems and domains, declared or only referenced.
func (b *builder) emitGroups(ids map[ref]string) {
	systems := map[ref]*System{}
	domains := map[ref]*Domain{}
	sys := func(r ref) *System {
		if s := systems[r]; s != nil {
			return s
		}
		s := &System{Ref: r.String()}
		systems[r] = s
		return s
	}
	dom := func(r ref) *Domain {
		if d := domains[r]; d != nil {
			return d
		}
		d := &Domain{Ref: r.String()}
		domains[r] = d
		return d
	}
	for _, e := range b.order {
		switch e.ref.kind {
		case kindSystem:
			s := sys(e.ref)
			s.Declared, s.Title, s.Owner = true, e.title, e.owner
			if e.domain != nil {
				s.Domain = e.domain.ref.String()
				d := dom(e.domain.ref)
				d.Systems = append(d.Systems, s.Ref)
			}
		case kindDomain:
			d := dom(e.ref)
			d.Declared, d.Title, d.Owner = true, e.title, e.owner
			if e.subdomainOf != nil {
				d.SubdomainOf = e.subdomainOf.ref.String()
				dom(e.subdomainOf.ref)
			}
		default:
			if e.system == nil {
				continue
			}
			s := sys(e.system.ref)
			if _, isNode := b.nodes[e.ref]; isNode {
				s.Services = append(s.Services, ids[e.ref])
			}
		}
	}
	for r, s := range systems {
		if !s.Declared {
			b.warnUndeclaredSystem(r)
		}
		slices.Sort(s.Services)
		b.res.Systems = append(b.res.Systems, *s)
	}
	for _, d := range domains {
		slices.Sort(d.Systems)
		b.res.Domains = append(b.res.Domains, *d)
	}
	slices.SortFunc(b.res.Systems, func(x, y System) int { return cmp.Compare(x.Ref, y.Ref) })
	slices.SortFunc(b.res.Domains, func(x, y Domain) int { return cmp.Compare(x.Ref, y.Ref) })
}

// warnUndeclaredSystem warns once per entity that names an undeclared
// system.
func (b *builder) warnUndeclaredSystem(r ref) {
	for _, e := range b.order {
		if e.system != nil && e.system.ref == r {
			b.warn(e.raw, e.system.line, "spec.system names %s, which no file declares", r)
		}
	}
}

func compareRefs(a, b ref) int {
	return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
}

func sortProblems(ps []Problem) {
	slices.SortFunc(ps, compareProblems)
}
