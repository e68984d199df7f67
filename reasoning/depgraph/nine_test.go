package depgraph_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// nineFleet: app depends hard on an external payment API (SLA 99.5%), a
// datastore at 99.99%, a search service at 99% for 20% of requests, a
// queue nobody measured, and a pair of redundant providers at 99% each.
func nineFleet() (*depgraph.Graph, map[string]depgraph.NodeInput) {
	g := depgraph.New([]slorec.Service{
		svc("app", hard("pay"), hard("db"), ratio(0.2, hard("search")), hard("q"),
			redundant("geo", hard("g1")), redundant("geo", hard("g2"))),
		withSLA(0.995, ofKind(slorec.KindExternal, svc("pay"))),
		ofKind(slorec.KindDatastore, svc("db")),
		svc("search"),
		ofKind(slorec.KindQueue, svc("q")),
		withSLA(0.99, ofKind(slorec.KindExternal, svc("g1"))),
		withSLA(0.99, ofKind(slorec.KindExternal, svc("g2"))),
	})
	return g, map[string]depgraph.NodeInput{"app": obs(0.98), "db": obs(0.9999), "search": obs(0.99)}
}

func kinds(ms []depgraph.Mitigation) []depgraph.MitigationKind {
	out := make([]depgraph.MitigationKind, len(ms))
	for i, m := range ms {
		out[i] = m.Kind
	}
	return out
}

func TestExtraNine(t *testing.T) {
	g, inputs := nineFleet()
	comp := g.Availability(inputs)["app"]

	// Target 99.9%: budget (1 − 0.999)/10 = 0.0001 per dependency.
	// pay: 1 × 0.005 = 0.005, 50× over, needs 1 − 0.0001 = 0.9999.
	// search: 0.2 × 0.01 = 0.002, 20× over, needs 1 − 0.0001/0.2 = 0.9995.
	// q (prior 0.999): 0.001, 10× over, needs 0.9999.
	// db (0.0001) and the geo pair (0.01 × 0.01 = 0.0001) sit exactly on
	// the budget and pass.
	got := depgraph.ExtraNine(0.999, comp)
	require.Len(t, got, 3)

	want := []struct {
		dep                                string
		kind                               slorec.ServiceKind
		source                             depgraph.Source
		unavail, excess, required, relaxTo float64
		mitigations                        []depgraph.MitigationKind
		firstText                          string
	}{
		{
			dep: "pay", kind: slorec.KindExternal, source: depgraph.SourcePublishedSLA,
			unavail: 0.005, excess: 50, required: 0.9999,
			mitigations: []depgraph.MitigationKind{depgraph.MitigateRedundancy, depgraph.MitigateAsync, depgraph.MitigateFallback, depgraph.MitigateNegotiate, depgraph.MitigateRelaxTarget},
			// Two providers at 99.5%: 1 − 0.005² = 0.999975.
			firstText: "add a second provider in a redundancy group with pay: two independent providers at 99.5% give 99.9975%",
		},
		{
			dep: "search", kind: slorec.KindService, source: depgraph.SourceCeiling,
			unavail: 0.002, excess: 20, required: 0.9995,
			mitigations: []depgraph.MitigationKind{depgraph.MitigateFallback, depgraph.MitigateAsync, depgraph.MitigateNegotiate, depgraph.MitigateRedundancy, depgraph.MitigateRelaxTarget},
			firstText:   "make search soft with a fallback (cached or default response, degraded mode), so its failures degrade requests instead of failing them; it then no longer caps the ceiling (today a factor of 0.998)",
		},
		{
			dep: "q", kind: slorec.KindQueue, source: depgraph.SourcePrior,
			unavail: 0.001, excess: 10, required: 0.9999,
			mitigations: []depgraph.MitigationKind{depgraph.MitigateMeasure, depgraph.MitigateFallback, depgraph.MitigateRedundancy, depgraph.MitigateNegotiate, depgraph.MitigateRelaxTarget},
			firstText:   "q's 99.9% is a prior for its kind, not a measurement: measure it or find its published SLA before acting",
		},
	}
	for i, w := range want {
		v := got[i]
		require.Equal(t, w.dep, v.Dependency)
		require.Equal(t, w.kind, v.Kind)
		require.Equal(t, w.source, v.Source)
		require.InDelta(t, w.unavail, v.Unavailability, 1e-12)
		require.InDelta(t, 0.0001, v.Budget, 1e-15)
		require.InDelta(t, w.excess, v.Excess, 1e-6)
		require.InDelta(t, w.required, v.RequiredAvailability, 1e-12)
		require.Equal(t, w.mitigations, kinds(v.Mitigations), w.dep)
		require.Equal(t, w.firstText, v.Mitigations[0].Text)
	}
	// Relaxing to 1 − 10 × 0.005 = 95% satisfies the rule for pay.
	require.Equal(t, "relax the target from 99.9% to 95%, the highest pay allows by the rule of the extra nine", got[0].Mitigations[4].Text)
}

func TestExtraNineTargets(t *testing.T) {
	g, inputs := nineFleet()
	comp := g.Availability(inputs)["app"]
	tests := map[string]struct {
		target float64
		deps   []string
	}{
		// Budget 0.001: only pay (0.005) and search (0.002) exceed it.
		"A 99% target tolerates the queue's prior.": {target: 0.99, deps: []string{"pay", "search"}},
		// Budget 0.000001: db and the geo pair (both 0.0001, by name) break it too.
		"A 99.999% target catches the redundant pair.": {target: 0.99999, deps: []string{"pay", "search", "q", "db", "geo"}},
		"A 90% target is met by every dependency.":     {target: 0.9},
		"A target of zero checks nothing.":             {target: 0},
		"A target above one checks nothing.":           {target: 1.2},
		"A NaN target checks nothing.":                 {target: math.NaN()},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var deps []string
			for _, v := range depgraph.ExtraNine(tt.target, comp) {
				deps = append(deps, v.Dependency)
			}
			require.Equal(t, tt.deps, deps)
		})
	}

	t.Run("A redundancy group is told to add a member.", func(t *testing.T) {
		var geo depgraph.NineViolation
		for _, v := range depgraph.ExtraNine(0.99999, comp) {
			if v.Dependency == "geo" {
				geo = v
			}
		}
		require.Equal(t, []string{"g1", "g2"}, geo.Members)
		require.Equal(t, depgraph.MitigateRedundancy, geo.Mitigations[0].Kind)
		require.Contains(t, geo.Mitigations[0].Text, "redundancy group geo (2 members, together 99.99%)")
	})
	t.Run("A 100% target has no budget: every dependency is infinitely over.", func(t *testing.T) {
		got := depgraph.ExtraNine(1, comp)
		require.Len(t, got, 5)
		require.True(t, math.IsInf(got[0].Excess, 1))
		require.InDelta(t, 1, got[0].RequiredAvailability, 0)
	})
}
