package depgraph_test

import (
	"fmt"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// benchFleet is a DAG-ish fleet of n services with about five edges each
// (1% pointing upward, making cycles; 1% to missing services) and inputs
// for every declared service.
func benchFleet(n int) ([]slorec.Service, map[string]depgraph.NodeInput) {
	rng := newRand(uint64(n))
	services := randomFleet(rng, n, 5, 0.01, 0.01)
	inputs := make(map[string]depgraph.NodeInput, n)
	for _, s := range services {
		in := obs(0.99 + 0.01*rng.Float64())
		if rng.Float64() < 0.2 {
			in.Committed = 0.995
		}
		inputs[s.ID] = in
	}
	return services, inputs
}

var sizes = []int{1_000, 10_000}

func BenchmarkNew(b *testing.B) {
	for _, n := range sizes {
		services, _ := benchFleet(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				depgraph.New(services)
			}
		})
	}
}

func BenchmarkAvailability(b *testing.B) {
	for _, n := range sizes {
		services, inputs := benchFleet(n)
		g := depgraph.New(services)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Availability(inputs)
			}
		})
	}
}

// BenchmarkFleet is the full-fleet path: index, components, ceilings.
func BenchmarkFleet(b *testing.B) {
	for _, n := range sizes {
		services, inputs := benchFleet(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g := depgraph.New(services)
				g.SCCs()
				g.Availability(inputs)
			}
		})
	}
}

func BenchmarkBlastRadius(b *testing.B) {
	for _, n := range sizes {
		services, _ := benchFleet(n)
		g := depgraph.New(services)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.BlastRadius(services[0].ID, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCriticalPath walks from a service deep in the fleet, with the
// default 2000 samples.
func BenchmarkCriticalPath(b *testing.B) {
	for _, n := range sizes {
		services, _ := benchFleet(n)
		g := depgraph.New(services)
		self := make(map[string]depgraph.Percentiles, n)
		for _, s := range services {
			self[s.ID] = ms(5, 15, 40)
		}
		entry := services[n/10].ID
		res, _ := g.CriticalPath(entry, self, depgraph.MCOptions{Samples: -1})
		b.Run(fmt.Sprintf("%d/reached=%d", n, res.Reached), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.CriticalPath(entry, self, depgraph.MCOptions{Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
