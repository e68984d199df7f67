package dataset

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slorec/slorec"
)

// report records a problem at a JSON path; field is the key it is about.
type report func(path, field, format string, args ...any)

// memReport reports problems of a dataset validated in memory, where there
// are no lines.
func memReport(c *collector, file string) report {
	return func(path, field, format string, args ...any) {
		c.add(Problem{File: file, Path: path, Field: field, Message: fmt.Sprintf(format, args...)})
	}
}

// checkID returns why id is not a usable service id, or "". Ids end up
// unquoted in metrics.csv, so they may not contain commas, quotes, spaces or
// control characters.
func checkID(id string) string {
	switch {
	case id == "":
		return "required"
	case len(id) > 253:
		return fmt.Sprintf("%.20q... is longer than 253 bytes", id)
	case !utf8.ValidString(id):
		return fmt.Sprintf("%q is not valid UTF-8", id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c == 0x7f || c == ',' || c == '"' {
			return fmt.Sprintf("%q contains a space, control character, comma or quote", id)
		}
	}
	return ""
}

// checkTopology checks the graph and returns the set of known nodes
// (declared services and referenced dependency targets) and the sorted
// missing nodes (referenced but not declared).
func checkTopology(g *slorec.Graph, add report) (nodes map[string]bool, missing []string) {
	if len(g.Services) == 0 {
		add("services", "services", "no services: a topology needs at least one")
	}
	declared := make(map[string]int, len(g.Services))
	for i := range g.Services {
		s := &g.Services[i]
		p := "services[" + strconv.Itoa(i) + "]"
		if why := checkID(s.ID); why != "" {
			add(p+".id", "id", "%s", why)
		} else if first, dup := declared[s.ID]; dup {
			add(p+".id", "id", "duplicate service id %q (first declared at services[%d])", s.ID, first)
		} else {
			declared[s.ID] = i
		}
		if !s.Kind.Valid() {
			add(p+".kind", "kind", "unknown kind %q (want service, datastore, external or queue)", s.Kind)
		}
		if !s.Tier.Valid() {
			add(p+".tier", "tier", "unknown tier %q (want critical, high, standard or low)", s.Tier)
		}
		if !(s.PublishedSLA >= 0 && s.PublishedSLA <= 1) {
			if s.PublishedSLA > 1 && s.PublishedSLA <= 100 {
				add(p+".published_sla", "published_sla", "%v looks like a percentage; it is a ratio (0.995 for 99.5%%)", s.PublishedSLA)
			} else {
				add(p+".published_sla", "published_sla", "%v is not a ratio in [0,1]", s.PublishedSLA)
			}
		}
		if s.Version < 0 {
			add(p+".version", "version", "%d is negative", s.Version)
		}
		targets := make(map[string]int, len(s.Deps))
		for j, dep := range s.Deps {
			dp := p + ".deps[" + strconv.Itoa(j) + "]"
			if why := checkID(dep.Target); why != "" {
				add(dp+".target", "target", "%s", why)
			} else if dep.Target == s.ID {
				add(dp+".target", "target", "self-dependency: %q depends on itself", s.ID)
			} else if first, dup := targets[dep.Target]; dup {
				add(dp+".target", "target", "duplicate dependency on %q (first at deps[%d])", dep.Target, first)
			} else {
				targets[dep.Target] = j
			}
			if dep.Type != slorec.Sync && dep.Type != slorec.Async {
				add(dp+".type", "type", "unknown type %q (want sync or async)", dep.Type)
			}
			if dep.Criticality != slorec.Hard && dep.Criticality != slorec.Soft {
				add(dp+".criticality", "criticality", "unknown criticality %q (want hard or soft)", dep.Criticality)
			}
			if !(dep.CallRatio >= 0 && dep.CallRatio <= 1) {
				add(dp+".call_ratio", "call_ratio", "%v is not in (0,1] (omit it for 1)", dep.CallRatio)
			}
			switch dep.Provenance {
			case "", slorec.Declared, slorec.Observed:
			default:
				add(dp+".provenance", "provenance", "unknown provenance %q (want declared or observed)", dep.Provenance)
			}
		}
	}
	if len(g.Services) == 0 {
		return nil, nil // nothing to check references against
	}
	nodes = make(map[string]bool, len(declared))
	for id := range declared {
		nodes[id] = true
	}
	for _, s := range g.Services {
		for _, dep := range s.Deps {
			if _, ok := declared[dep.Target]; !ok && checkID(dep.Target) == "" && !nodes[dep.Target] {
				nodes[dep.Target] = true
				missing = append(missing, dep.Target)
			}
		}
	}
	slices.Sort(missing)
	return nodes, missing
}

// join appends a field to a JSON path, if there is one.
func join(path, field string) string {
	if field == "" {
		return path
	}
	return path + "." + field
}

// fieldOf splits a root Validate message "field: text" into its parts.
func fieldOf(msg string) (field, text string) {
	if f, t, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(f, " \"") {
		return f, t
	}
	return "", msg
}

// checkSLOs checks the current SLOs against the known nodes; nodes nil skips
// the reference check (the topology could not be read).
func checkSLOs(slos []slorec.SLO, nodes map[string]bool, add report) {
	type key struct {
		service string
		sli     slorec.SLIKind
	}
	seen := make(map[key]int, len(slos))
	for i := range slos {
		s := &slos[i]
		p := "slos[" + strconv.Itoa(i) + "]"
		if err := s.Validate(); err != nil {
			f, msg := fieldOf(slorec.ErrorMessage(err))
			add(join(p, f), f, "%s", msg)
		}
		if s.Service != "" && nodes != nil && !nodes[s.Service] {
			add(p+".service", "service", "unknown service %q (not in topology.json)", s.Service)
		}
		k := key{s.Service, s.SLI}
		if first, dup := seen[k]; dup {
			add(p+".sli", "sli", "duplicate %s SLO for %q (first at slos[%d])", s.SLI, s.Service, first)
		} else {
			seen[k] = i
		}
	}
}

// checkIncidents checks incidents against the known nodes.
func checkIncidents(incs []slorec.Incident, nodes map[string]bool, add report) {
	seen := make(map[string]int, len(incs))
	for i := range incs {
		in := &incs[i]
		p := "incidents[" + strconv.Itoa(i) + "]"
		if err := in.Validate(); err != nil {
			f, msg := fieldOf(slorec.ErrorMessage(err))
			add(join(p, f), f, "%s", msg)
		}
		if in.Service != "" && nodes != nil && !nodes[in.Service] {
			add(p+".service", "service", "unknown service %q (not in topology.json)", in.Service)
		}
		if in.RootCause != "" && nodes != nil && !nodes[in.RootCause] {
			add(p+".root_cause", "root_cause", "unknown service %q (not in topology.json)", in.RootCause)
		}
		if in.ID != "" {
			if first, dup := seen[in.ID]; dup {
				add(p+".id", "id", "duplicate incident id %q (first at incidents[%d])", in.ID, first)
			} else {
				seen[in.ID] = i
			}
		}
	}
}

// checkTruth checks the ground truth against the known nodes.
func checkTruth(t *Truth, nodes map[string]bool, add report) {
	ids := make([]string, 0, len(t.Services))
	for id := range t.Services {
		ids = append(ids, id)
	}
	slices.Sort(ids) // stable problem order
	for _, id := range ids {
		s := t.Services[id]
		p := "services[" + strconv.Quote(id) + "]"
		if nodes != nil && !nodes[id] {
			add(p, "services", "unknown service %q (not in topology.json)", id)
		}
		for _, f := range []struct {
			name string
			v    float64
		}{
			{"intrinsic_availability", s.IntrinsicAvailability},
			{"end_to_end_availability", s.EndToEndAvailability},
			{"baseline_intrinsic_availability", s.BaselineIntrinsicAvailability},
			{"baseline_end_to_end_availability", s.BaselineEndToEndAvailability},
		} {
			if !(f.v >= 0 && f.v <= 1) {
				add(p+"."+f.name, f.name, "%v is not a ratio in [0,1]", f.v)
			}
		}
		if s.Requests < 0 {
			add(p+".requests", "requests", "%d is negative", s.Requests)
		}
	}
	for i, e := range t.SoftenedEdges {
		p := "softened_edges[" + strconv.Itoa(i) + "]"
		if nodes != nil && !nodes[e.From] {
			add(p+".from", "from", "unknown service %q (not in topology.json)", e.From)
		}
		if nodes != nil && !nodes[e.To] {
			add(p+".to", "to", "unknown service %q (not in topology.json)", e.To)
		}
	}
}
