package prometheus

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
)

// Edge is a dependency edge observed in a service graph: From called
// Dep.Target Requests times between the range's start and end, Failed of
// which failed.
type Edge struct {
	From string `json:"from"`
	// Dep is sync and hard with provenance observed: the service graph
	// shows that a call happens, not whether the caller waits for it or
	// survives its failure, and assuming the worst keeps ceilings low
	// rather than wrong. CallRatio is left unset (every request): a
	// service graph counts calls to the server, several of which can
	// serve one request of the client, so it cannot give the ratio.
	Dep      slorec.Dependency `json:"dep"`
	Requests float64           `json:"requests"`
	Failed   float64           `json:"failed"`
}

// Edges reads the dependency edges of a service graph (Tempo's metrics
// generator, the OpenTelemetry servicegraph connector) between start and
// end: the calls of every client and server pair, as
//
//	sum by (client, server) (increase(<requests>[step]))
//
// evaluated once per bucket like the metrics and summed, and likewise the
// failed calls. A pair with less than one call is no edge; a self-call is
// dropped with a warning. A series without a client or server label, and
// NaN, infinite or negative values, are errors; so are more failed calls
// than calls (by more than one, after extrapolation), and no requests
// series at all. A missing failed series means no failures. Edges are
// sorted by From, then target.
func Edges(ctx context.Context, q Querier, g *prommap.ServiceGraph, start, end time.Time, step time.Duration) ([]Edge, []Warning, error) {
	if g == nil {
		return nil, nil, slorec.Errorf(slorec.EINVALID, "service graph: not configured")
	}
	step = cmp.Or(step, DefaultStep)
	if err := checkRange(start, end, step); err != nil {
		return nil, nil, err
	}
	gr := grid{start: start.UTC(), step: step, n: int(end.Sub(start) / step)}
	var warns []Warning
	query := func(sel string) string {
		return fmt.Sprintf("sum by (%s, %s) (increase(%s[%s]))", g.ClientLabel, g.ServerLabel, sel, window(step))
	}
	type pair struct{ from, to string }
	read := func(qs string) (map[pair]float64, error) {
		m, ws, err := q.QueryRange(ctx, qs, gr.first(), gr.last(), step)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if w := (Warning{Message: "Prometheus warns: " + w}); !slices.Contains(warns, w) {
				warns = append(warns, w)
			}
		}
		out := make(map[pair]float64, len(m))
		for _, s := range m {
			for _, l := range []string{g.ClientLabel, g.ServerLabel} {
				if s.Labels[l] == "" {
					return nil, dataError(qs, slorec.EINVALID, fmt.Sprintf("series %s lacks the label %q", labelString(s.Labels), l))
				}
			}
			if len(s.Labels) != 2 {
				return nil, dataError(qs, slorec.EINVALID, fmt.Sprintf("series %s has labels besides %q and %q", labelString(s.Labels), g.ClientLabel, g.ServerLabel))
			}
			var sum float64
			for _, p := range s.Points {
				if _, ok := gr.index(p.T); !ok {
					return nil, dataError(qs, slorec.EUNAVAILABLE, fmt.Sprintf("sample at %s is off the query's %s grid from %s", stamp(p.T), window(step), stamp(gr.first())))
				}
				if math.IsNaN(p.V) || math.IsInf(p.V, 0) || p.V < 0 {
					return nil, dataError(qs, slorec.EINVALID, fmt.Sprintf("series %s: value %s at %s is not a count", labelString(s.Labels), fmtValue(p.V), stamp(p.T)))
				}
				sum += p.V
			}
			out[pair{s.Labels[g.ClientLabel], s.Labels[g.ServerLabel]}] = sum
		}
		return out, nil
	}

	reqQ := query(g.Requests)
	calls, err := read(reqQ)
	if err != nil {
		return nil, warns, err
	}
	if len(calls) == 0 {
		return nil, warns, dataError(reqQ, slorec.ENOTFOUND, "no series matched; is the service graph recorded?")
	}
	failQ := query(g.Failed)
	failed, err := read(failQ)
	if err != nil {
		return nil, warns, err
	}
	if len(failed) == 0 {
		warns = append(warns, Warning{Message: "no failed-calls series matched " + failQ + "; counted zero failed calls"})
	}

	var edges []Edge
	for p, n := range calls {
		f := failed[p]
		switch {
		case n < 0.5:
			continue
		case p.from == p.to:
			warns = append(warns, Warning{Message: fmt.Sprintf("self-calls of %s dropped", p.from)})
			continue
		case f > n+1:
			return nil, warns, slorec.Errorf(slorec.EINVALID, "service graph edge %s -> %s: %s failed calls exceed %s calls",
				p.from, p.to, fmtValue(f), fmtValue(n))
		}
		edges = append(edges, Edge{From: p.from, Requests: n, Failed: min(f, n), Dep: slorec.Dependency{
			Target: p.to, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed,
		}})
	}
	orphans := 0
	for p, f := range failed {
		if _, ok := calls[p]; !ok && f > 0 {
			orphans++
		}
	}
	if orphans > 0 {
		warns = append(warns, Warning{Message: fmt.Sprintf("failed calls of %d client and server pairs without calls; ignored", orphans)})
	}
	slices.SortFunc(edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.Dep.Target, b.Dep.Target))
	})
	slices.SortFunc(warns, func(a, b Warning) int { return cmp.Compare(a.Message, b.Message) })
	return edges, warns, nil
}

// EdgeRef names an edge.
type EdgeRef struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// MergeReport says what MergeEdges did with each observed edge, and which
// declared edges were not observed. Every list is sorted.
type MergeReport struct {
	// Added are observed edges between declared services that no
	// declaration had; they were added sync, hard and observed.
	Added []EdgeRef `json:"added,omitempty"`
	// Confirmed are declared edges that were also observed; they are
	// kept as declared.
	Confirmed []EdgeRef `json:"confirmed,omitempty"`
	// Unobserved are declared edges the service graph does not show. They
	// are kept: an uninstrumented callee or a rare call path leaves no
	// trace, and dropping a declared edge would raise a ceiling.
	Unobserved []EdgeRef `json:"unobserved,omitempty"`
	// Unknown are observed edges with an end that is not a declared
	// service, which were not added: usually a naming mismatch between
	// traces and the catalog (or a virtual node such as "user"), which an
	// edge to a missing node would hide.
	Unknown []EdgeRef `json:"unknown,omitempty"`
}

// MergeEdges adds observed edges to declared services. Declared edges
// stay exactly as they are, provenance included, whatever was observed
// about them; an observed edge between two declared services that no
// declaration has is appended to its caller's dependencies as sync and
// hard with provenance observed (the conservative default: see Edge); an
// observed edge with an undeclared end is reported, not added. declared
// is not modified.
func MergeEdges(declared []slorec.Service, observed []Edge) ([]slorec.Service, MergeReport) {
	var rep MergeReport
	out := make([]slorec.Service, len(declared))
	index := make(map[string]int, len(declared))
	for i, s := range declared {
		s.Deps = slices.Clone(s.Deps)
		out[i] = s
		index[s.ID] = i
	}
	seen := map[EdgeRef]bool{}
	added := map[int][]slorec.Dependency{}
	for _, e := range observed {
		ref := EdgeRef{e.From, e.Dep.Target}
		if seen[ref] || ref.From == ref.To {
			continue
		}
		seen[ref] = true
		i, fromOK := index[e.From]
		if fromOK && slices.ContainsFunc(out[i].Deps, func(d slorec.Dependency) bool { return d.Target == ref.To }) {
			rep.Confirmed = append(rep.Confirmed, ref)
			continue
		}
		if _, toOK := index[ref.To]; !fromOK || !toOK {
			rep.Unknown = append(rep.Unknown, ref)
			continue
		}
		added[i] = append(added[i], slorec.Dependency{Target: ref.To, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Observed})
		rep.Added = append(rep.Added, ref)
	}
	for i, deps := range added {
		slices.SortFunc(deps, func(a, b slorec.Dependency) int { return cmp.Compare(a.Target, b.Target) })
		out[i].Deps = append(out[i].Deps, deps...)
	}
	for _, s := range declared {
		for _, d := range s.Deps {
			if ref := (EdgeRef{s.ID, d.Target}); !seen[ref] {
				rep.Unobserved = append(rep.Unobserved, ref)
			}
		}
	}
	byRef := func(a, b EdgeRef) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) }
	for _, l := range [][]EdgeRef{rep.Added, rep.Confirmed, rep.Unobserved, rep.Unknown} {
		slices.SortFunc(l, byRef)
	}
	return out, rep
}
