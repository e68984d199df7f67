package depgraph_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/slorec/slorec"
)

// svc returns a fresh standard-tier service with the given dependencies.
func svc(id string, deps ...slorec.Dependency) slorec.Service {
	return slorec.Service{ID: id, Kind: slorec.KindService, Tier: slorec.TierStandard, Deps: deps}
}

// ofKind returns s with its kind changed.
func ofKind(k slorec.ServiceKind, s slorec.Service) slorec.Service {
	s.Kind = k
	return s
}

// ofTier returns s with its tier changed.
func ofTier(t slorec.Tier, s slorec.Service) slorec.Service {
	s.Tier = t
	return s
}

// withSLA returns s with a published SLA.
func withSLA(sla float64, s slorec.Service) slorec.Service {
	s.PublishedSLA = sla
	return s
}

func hard(target string) slorec.Dependency {
	return slorec.Dependency{Target: target, Type: slorec.Sync, Criticality: slorec.Hard}
}

func soft(target string) slorec.Dependency {
	return slorec.Dependency{Target: target, Type: slorec.Sync, Criticality: slorec.Soft}
}

func async(target string) slorec.Dependency {
	return slorec.Dependency{Target: target, Type: slorec.Async, Criticality: slorec.Hard}
}

// ratio returns d with a call ratio.
func ratio(r float64, d slorec.Dependency) slorec.Dependency {
	d.CallRatio = r
	return d
}

// redundant returns d as a member of a redundancy group.
func redundant(group string, d slorec.Dependency) slorec.Dependency {
	d.RedundancyGroup = group
	return d
}

// parallel returns d as a member of a parallel group.
func parallel(group string, d slorec.Dependency) slorec.Dependency {
	d.ParallelGroup = group
	return d
}

// randomFleet generates n services named s00000.. with about deg
// dependencies each. Dependencies point to lower-numbered services, so the
// graph is a DAG, except that a share back of them point upward (making
// cycles) and a share miss of them point to undeclared services. Types,
// criticalities, call ratios and redundancy groups are mixed.
func randomFleet(rng *rand.Rand, n, deg int, back, miss float64) []slorec.Service {
	kinds := []slorec.ServiceKind{slorec.KindService, slorec.KindService, slorec.KindDatastore, slorec.KindQueue, slorec.KindExternal}
	tiers := []slorec.Tier{slorec.TierCritical, slorec.TierHigh, slorec.TierStandard, slorec.TierLow}
	out := make([]slorec.Service, n)
	for i := range out {
		s := slorec.Service{
			ID:   fmt.Sprintf("s%05d", i),
			Kind: kinds[rng.IntN(len(kinds))],
			Tier: tiers[rng.IntN(len(tiers))],
		}
		seen := map[string]bool{}
		for range rng.IntN(2*deg + 1) {
			var target string
			switch p := rng.Float64(); {
			case p < miss:
				target = fmt.Sprintf("ghost%03d", rng.IntN(50))
			case p < miss+back && i+1 < n:
				target = fmt.Sprintf("s%05d", i+1+rng.IntN(n-i-1))
			case i > 0:
				target = fmt.Sprintf("s%05d", rng.IntN(i))
			default:
				continue
			}
			if seen[target] {
				continue
			}
			seen[target] = true
			d := hard(target)
			switch p := rng.Float64(); {
			case p < 0.15:
				d.Type = slorec.Async
			case p < 0.30:
				d.Criticality = slorec.Soft
			}
			if rng.Float64() < 0.3 {
				d.CallRatio = 0.05 + 0.95*rng.Float64()
			}
			if rng.Float64() < 0.15 {
				d.RedundancyGroup = fmt.Sprintf("g%d", rng.IntN(2))
			}
			if rng.Float64() < 0.3 {
				d.ParallelGroup = fmt.Sprintf("p%d", rng.IntN(2))
			}
			s.Deps = append(s.Deps, d)
		}
		out[i] = s
	}
	return out
}

// newRand returns a seeded generator, so every random test is repeatable.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 2026)) }
