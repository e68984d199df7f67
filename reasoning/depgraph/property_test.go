package depgraph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// consistentInputs draws an intrinsic availability in [0.999, 1] for every
// service of a DAG whose dependencies point to earlier services, and
// derives observed availabilities that agree with it: observed = intrinsic
// × Π over hard sync groups of 1 − r·Π(1 − observed member). It is an
// independent restatement of the composition rule.
func consistentInputs(rng *rand.Rand, services []slorec.Service) (inputs map[string]depgraph.NodeInput, intrinsic map[string]float64) {
	inputs = map[string]depgraph.NodeInput{}
	intrinsic = map[string]float64{}
	for _, s := range services {
		type group struct{ unavail, ratio float64 }
		var order []string
		groups := map[string]*group{}
		for i, d := range s.Deps {
			if d.Type != slorec.Sync || d.Criticality != slorec.Hard {
				continue
			}
			key := d.RedundancyGroup
			if key == "" {
				key = fmt.Sprint("single ", i)
			}
			g, ok := groups[key]
			if !ok {
				g = &group{unavail: 1}
				groups[key] = g
				order = append(order, key)
			}
			g.unavail *= 1 - inputs[d.Target].Observed
			g.ratio = max(g.ratio, d.Ratio())
		}
		a := 0.999 + 0.001*rng.Float64()
		intrinsic[s.ID] = a
		for _, key := range order {
			a *= 1 - groups[key].ratio*groups[key].unavail
		}
		inputs[s.ID] = obs(a)
	}
	return inputs, intrinsic
}

// roughInputs gives most services a random observed availability (not
// necessarily consistent), some a commitment, some nothing at all.
func roughInputs(rng *rand.Rand, g *depgraph.Graph) map[string]depgraph.NodeInput {
	inputs := map[string]depgraph.NodeInput{}
	for _, id := range g.IDs() {
		var in depgraph.NodeInput
		if rng.Float64() < 0.8 {
			in = obs(0.98 + 0.02*rng.Float64())
		}
		if rng.Float64() < 0.3 {
			in.Committed = 0.99 + 0.0099*rng.Float64()
		}
		if rng.Float64() < 0.1 {
			in.PublishedSLA = 0.995 + 0.005*rng.Float64()
		}
		inputs[id] = in
	}
	return inputs
}

func TestPropertyCeilingEqualsObservedWithoutCommitments(t *testing.T) {
	for seed := range uint64(25) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := newRand(seed)
			services := randomFleet(rng, 400, 4, 0, 0)
			inputs, intrinsic := consistentInputs(rng, services)
			got := depgraph.New(services).Availability(inputs)
			for id, in := range inputs {
				c := got[id]
				require.InDelta(t, in.Observed, c.Ceiling, 1e-12, id)
				if in.Observed > 0 { // zero only when a dependency is at zero: nothing to split
					require.InDelta(t, intrinsic[id], c.Intrinsic, 1e-9, id)
				}
				require.Empty(t, c.Flags, id)
			}
		})
	}
}

func TestPropertyCeilingBounds(t *testing.T) {
	for seed := range uint64(25) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := newRand(seed)
			g := depgraph.New(randomFleet(rng, 400, 4, 0.03, 0.03))
			for id, c := range g.Availability(roughInputs(rng, g)) {
				require.GreaterOrEqual(t, c.Ceiling, 0.0, id)
				require.LessOrEqual(t, c.Ceiling, c.Intrinsic+1e-15, id)
				require.LessOrEqual(t, c.Intrinsic, 1.0, id)
				require.LessOrEqual(t, c.Effective, c.Ceiling+1e-15, id)
				for _, p := range c.Contributions {
					// The ceiling never exceeds what any one hard
					// dependency leaves of the intrinsic availability.
					require.LessOrEqual(t, c.Ceiling, c.Intrinsic*p.Factor+1e-15, "%s via %s", id, p.Target)
					require.InDelta(t, 1-p.CallRatio*(1-p.Availability), p.Factor, 1e-15)
					require.LessOrEqual(t, c.Binding.Factor, p.Factor)
					// A redundancy group is at least as available as its
					// best member.
					for _, m := range p.Members {
						require.GreaterOrEqual(t, p.Availability, m.Availability, "%s group %s member %s", id, p.Target, m.Target)
						require.GreaterOrEqual(t, p.CallRatio, m.CallRatio)
					}
				}
			}
		})
	}
}

func TestPropertyAddingAHardDependencyNeverRaisesACeiling(t *testing.T) {
	for seed := range uint64(25) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := newRand(seed)
			services := randomFleet(rng, 200, 3, 0, 0.03)
			g := depgraph.New(services)
			inputs := roughInputs(rng, g)
			before := g.Availability(inputs)
			for range 10 {
				// A new hard dependency on an earlier service keeps the
				// graph acyclic.
				i := 1 + rng.IntN(len(services)-1)
				target := services[rng.IntN(i)].ID
				if len(g.Deps(services[i].ID)) > 0 && depends(g, services[i].ID, target) {
					continue
				}
				changed := cloneServices(services)
				changed[i].Deps = append(changed[i].Deps, ratio(0.05+0.95*rng.Float64(), hard(target)))
				after := depgraph.New(changed).Availability(inputs)
				for id, b := range before {
					require.LessOrEqual(t, after[id].Ceiling, b.Ceiling+1e-12, "%s after %s -> %s", id, services[i].ID, target)
				}
			}
		})
	}
}

func TestPropertyRedundancyNeverHurts(t *testing.T) {
	rng := newRand(7)
	for range 200 {
		a1, a2 := 0.9+0.1*rng.Float64(), 0.9+0.1*rng.Float64()
		r := 0.05 + 0.95*rng.Float64()
		inputs := map[string]depgraph.NodeInput{"app": obs(0.999), "p1": obs(a1), "p2": obs(a2)}
		single := depgraph.New([]slorec.Service{svc("app", ratio(r, hard("p1"))), svc("p1"), svc("p2")}).Availability(inputs)
		pair := depgraph.New([]slorec.Service{
			svc("app", redundant("pay", ratio(r, hard("p1"))), redundant("pay", ratio(r, hard("p2")))), svc("p1"), svc("p2"),
		}).Availability(inputs)
		group := pair["app"].Contributions[0]
		require.GreaterOrEqual(t, group.Availability, max(a1, a2))
		require.GreaterOrEqual(t, group.Factor, single["app"].Contributions[0].Factor)
	}
}

func TestPropertyAvailabilityIgnoresInputOrder(t *testing.T) {
	rng := newRand(3)
	services := randomFleet(rng, 300, 4, 0.03, 0.03)
	g := depgraph.New(services)
	inputs := roughInputs(rng, g)
	want := g.Availability(inputs)
	rng.Shuffle(len(services), func(i, j int) { services[i], services[j] = services[j], services[i] })
	require.Equal(t, want, depgraph.New(services).Availability(inputs))
}

func depends(g *depgraph.Graph, from, to string) bool {
	for _, d := range g.Deps(from) {
		if d.Target == to {
			return true
		}
	}
	return false
}

func cloneServices(services []slorec.Service) []slorec.Service {
	out := make([]slorec.Service, len(services))
	for i, s := range services {
		s.Deps = append([]slorec.Dependency(nil), s.Deps...)
		out[i] = s
	}
	return out
}
