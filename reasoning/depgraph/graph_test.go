package depgraph_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

func TestNew(t *testing.T) {
	services := []slorec.Service{
		svc("web", hard("api"), soft("cdn"), async("events")),
		svc("api", hard("db"), hard("db"), hard("")),
		ofKind(slorec.KindDatastore, svc("db")),
		svc("api", hard("other")), // duplicate: ignored
		svc(""),                   // no id: ignored
	}
	g := depgraph.New(services)

	require.Equal(t, []string{"api", "cdn", "db", "events", "web"}, g.IDs())
	require.Equal(t, 5, g.Len())
	require.Equal(t, []string{"cdn", "events"}, g.Missing())
	require.Equal(t, []string{"api"}, g.Duplicates())
	require.True(t, g.IsMissing("cdn"))
	require.False(t, g.IsMissing("db"))
	require.False(t, g.Has("other"), "the duplicate's dependency is not in the graph")

	cdn, ok := g.Node("cdn")
	require.True(t, ok)
	require.Equal(t, slorec.Service{ID: "cdn", Kind: slorec.KindService, Tier: slorec.TierStandard}, cdn)
	_, ok = g.Node("nope")
	require.False(t, ok)

	require.Equal(t, []slorec.Dependency{hard("db")}, g.Deps("api"), "repeated and empty targets are dropped")
	require.Nil(t, g.Deps("db"))
	require.Nil(t, g.Deps("nope"))

	services[0].Deps[0].Target = "changed"
	require.Equal(t, "api", g.Deps("web")[0].Target, "New copies its input")
	g.Deps("web")[0].Target = "changed"
	require.Equal(t, "api", g.Deps("web")[0].Target, "Deps returns a copy")
}

func TestFanInFanOut(t *testing.T) {
	g := depgraph.New([]slorec.Service{
		svc("a", hard("c"), soft("d")),
		svc("b", async("c")),
		svc("c", hard("d")),
		svc("d"),
	})
	tests := map[string]struct {
		id         string
		in, out    int
		dependents []string
	}{
		"A root has fan-in zero.":                     {id: "a", in: 0, out: 2},
		"Async edges count as dependents.":            {id: "c", in: 2, out: 1, dependents: []string{"a", "b"}},
		"Soft edges count as dependents.":             {id: "d", in: 2, out: 0, dependents: []string{"a", "c"}},
		"An unknown id has no fan-in and no fan-out.": {id: "zz"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tt.in, g.FanIn(tt.id))
			require.Equal(t, tt.out, g.FanOut(tt.id))
			require.Equal(t, tt.dependents, g.Dependents(tt.id))
		})
	}
}

func TestSCCs(t *testing.T) {
	tests := map[string]struct {
		services []slorec.Service
		sccs     [][]string
		cycles   [][]string
		topo     []string
	}{
		"A diamond DAG has one component per service, dependencies first, ties by id.": {
			services: []slorec.Service{
				svc("a", hard("c"), hard("b")),
				svc("b", hard("d")),
				svc("c", hard("d")),
				svc("d"),
			},
			sccs: [][]string{{"d"}, {"b"}, {"c"}, {"a"}},
			topo: []string{"d", "b", "c", "a"},
		},
		"A self-contained cycle is one component.": {
			services: []slorec.Service{
				svc("a", hard("b")),
				svc("b", hard("c")),
				svc("c", hard("a")),
			},
			sccs:   [][]string{{"a", "b", "c"}},
			cycles: [][]string{{"a", "b", "c"}},
			topo:   []string{"a", "b", "c"},
		},
		"Two cycles joined by an edge come out dependency first.": {
			services: []slorec.Service{
				svc("e", hard("a")),
				svc("a", hard("b")),
				svc("b", hard("a"), hard("c")),
				svc("c", async("d")),
				svc("d", soft("c")),
			},
			sccs:   [][]string{{"c", "d"}, {"a", "b"}, {"e"}},
			cycles: [][]string{{"c", "d"}, {"a", "b"}},
			topo:   []string{"c", "d", "a", "b", "e"},
		},
		"A service depending on itself is a cycle of one.": {
			services: []slorec.Service{svc("a", hard("a"), hard("b")), svc("b")},
			sccs:     [][]string{{"b"}, {"a"}},
			cycles:   [][]string{{"a"}},
			topo:     []string{"b", "a"},
		},
		"A missing target is a component like any other.": {
			services: []slorec.Service{svc("z", hard("ghost")), svc("a")},
			sccs:     [][]string{{"a"}, {"ghost"}, {"z"}},
			topo:     []string{"a", "ghost", "z"},
		},
		"An empty graph has no components.": {
			sccs: [][]string{},
			topo: []string{},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			g := depgraph.New(tt.services)
			require.Equal(t, tt.sccs, g.SCCs())
			require.Equal(t, tt.cycles, g.Cycles())
			require.Equal(t, tt.topo, g.TopoOrder())
		})
	}
}

func TestCondensation(t *testing.T) {
	g := depgraph.New([]slorec.Service{
		svc("e", hard("a"), hard("c")),
		svc("a", hard("b")),
		svc("b", hard("a"), hard("c")),
		svc("c"),
	})
	require.Equal(t, []depgraph.Component{
		{Members: []string{"c"}},
		{Members: []string{"a", "b"}, Deps: []int{0}, Cyclic: true},
		{Members: []string{"e"}, Deps: []int{0, 1}},
	}, g.Condensation())
	require.Equal(t, 1, g.ComponentOf("b"))
	require.Equal(t, -1, g.ComponentOf("zz"))
}

// A long chain closed into a ring would overflow a recursive Tarjan.
func TestSCCsOnALongRing(t *testing.T) {
	const n = 200_000
	services := make([]slorec.Service, n)
	for i := range services {
		services[i] = svc(fmt.Sprintf("s%06d", i), hard(fmt.Sprintf("s%06d", (i+1)%n)))
	}
	g := depgraph.New(services)
	sccs := g.SCCs()
	require.Len(t, sccs, 1)
	require.Len(t, sccs[0], n)
}

func TestTopoOrderIsValidOnRandomGraphs(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := newRand(seed)
			services := randomFleet(rng, 300, 3, 0.02, 0.02)
			g := depgraph.New(services)
			order := g.TopoOrder()
			require.Len(t, order, g.Len())
			at := map[string]int{}
			for i, id := range order {
				at[id] = i
			}
			for _, s := range services {
				for _, d := range s.Deps {
					if g.ComponentOf(s.ID) == g.ComponentOf(d.Target) {
						continue
					}
					require.Less(t, at[d.Target], at[s.ID], "%s depends on %s", s.ID, d.Target)
				}
			}
			for i, c := range g.Condensation() {
				for _, d := range c.Deps {
					require.Less(t, d, i)
				}
			}

			// The index does not depend on the order of the input.
			rng.Shuffle(len(services), func(i, j int) { services[i], services[j] = services[j], services[i] })
			require.Equal(t, order, depgraph.New(services).TopoOrder())
		})
	}
}
