package gen_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/gen"
	"github.com/slorec/slorec/evals/sim"
)

// scenarios returns the built-in datasets and a few random graphs, small and
// short, with enough incidents to include full outages behind hard and
// behind soft or asynchronous edges.
func scenarios(t *testing.T) []built {
	out := append([]built(nil), builtins(t)...)
	for _, n := range []int{8, 30, 60} {
		for seed := int64(1); seed <= 3; seed++ {
			g := gen.Random(n, seed)
			cfg, err := gen.Config(g, gen.Options{Days: 6, Seed: seed, Incidents: 10, LatencySamples: 100})
			require.NoError(t, err)
			d, err := sim.Run(cfg)
			require.NoError(t, err)
			out = append(out, built{gen.Spec{Name: fmt.Sprintf("random-%d-seed-%d", n, seed)}, cfg, d})
		}
	}
	return out
}

// TestBucketInvariants: errors never exceed requests, percentiles are
// ordered, and a bucket has latencies exactly when it has requests.
func TestBucketInvariants(t *testing.T) {
	for _, s := range scenarios(t) {
		for _, b := range s.d.Metrics {
			require.NoError(t, b.Validate(), "%s: %s %s", s.spec.Name, b.Service, b.Start)
			require.LessOrEqual(t, b.Errors, b.Requests, "%s: %s %s", s.spec.Name, b.Service, b.Start)
			require.GreaterOrEqual(t, b.Errors, int64(0))
			if b.Requests == 0 {
				require.Zero(t, b.LatencyP50Ms+b.LatencyP95Ms+b.LatencyP99Ms, "%s: %s %s", s.spec.Name, b.Service, b.Start)
				continue
			}
			require.Positive(t, b.LatencyP50Ms, "%s: %s %s", s.spec.Name, b.Service, b.Start)
			require.LessOrEqual(t, b.LatencyP50Ms, b.LatencyP95Ms, "%s: %s %s", s.spec.Name, b.Service, b.Start)
			require.LessOrEqual(t, b.LatencyP95Ms, b.LatencyP99Ms, "%s: %s %s", s.spec.Name, b.Service, b.Start)
		}
	}
}

// TestObservedAvailabilityMatchesTruth: over the whole period, each
// service's error ratio agrees with the truth's end-to-end availability
// within binomial noise.
func TestObservedAvailabilityMatchesTruth(t *testing.T) {
	for _, s := range builtins(t) {
		for id, ms := range s.d.MetricsByService() {
			var reqs, errs int64
			for _, b := range ms {
				reqs += b.Requests
				errs += b.Errors
			}
			ts := s.d.Truth.Services[id]
			require.Equal(t, ts.Requests, reqs, "%s: %s", s.spec.Name, id)
			q := 1 - ts.EndToEndAvailability
			tol := 6*math.Sqrt(q*(1-q)/float64(reqs)) + 2e-5
			require.InDelta(t, ts.EndToEndAvailability, 1-float64(errs)/float64(reqs), tol, "%s: %s", s.spec.Name, id)
		}
	}
}

// outageBucket is a bucket of a caller during a full outage of one of its
// dependencies.
type outageBucket struct {
	caller slorec.MetricBucket
	dep    slorec.Dependency
	in     sim.Incident
	cover  float64 // fraction of the bucket the outage covers
}

// outageBuckets returns, for every full outage in s, the buckets of every
// direct caller of the failed node that the outage covers by at least a
// tenth.
func outageBuckets(s built) []outageBucket {
	rows := map[string]map[time.Time]slorec.MetricBucket{}
	for _, b := range s.d.Metrics {
		if rows[b.Service] == nil {
			rows[b.Service] = map[time.Time]slorec.MetricBucket{}
		}
		rows[b.Service][b.Start] = b
	}
	w := s.cfg.BucketWidth
	var out []outageBucket
	for _, in := range s.cfg.Incidents {
		if gen.Shape(in) != "full outage" {
			continue
		}
		for _, svc := range s.cfg.Graph.Services {
			for _, d := range svc.Deps {
				if d.Target != in.Service {
					continue
				}
				for at := in.Start.Truncate(w); at.Before(in.End()); at = at.Add(w) {
					lo, hi := maxT(at, in.Start), minT(at.Add(w), in.End())
					cover := float64(hi.Sub(lo)) / float64(w)
					if cover >= 0.1 {
						out = append(out, outageBucket{rows[svc.ID][at], d, in, cover})
					}
				}
			}
		}
	}
	return out
}

// TestHardSyncOutagesPropagate: a caller of a node in full outage over a
// hard synchronous edge (outside any redundancy group and not softened to
// break a cycle) fails, in the same buckets, at least the share of its
// requests that called the failed node.
func TestHardSyncOutagesPropagate(t *testing.T) {
	checked := 0
	for _, s := range scenarios(t) {
		softened := softenedSet(s.d)
		n := 0
		for _, ob := range outageBuckets(s) {
			d := ob.dep
			if d.Type != slorec.Sync || d.Criticality != slorec.Hard || d.RedundancyGroup != "" || softened[[2]string{ob.caller.Service, d.Target}] {
				continue
			}
			// p_fail(caller) >= ratio * p_fail(dep) >= ratio * cover * failure fraction.
			mean := float64(ob.caller.Requests) * d.Ratio() * ob.cover * ob.in.FailureFraction
			if mean < 25 {
				continue // too few calls to tell from noise
			}
			floor := mean - 5*math.Sqrt(mean)
			require.GreaterOrEqual(t, float64(ob.caller.Errors), floor, "%s: %s at %s should show %s's outage (%.0f expected errors)",
				s.spec.Name, ob.caller.Service, ob.caller.Start, d.Target, mean)
			n++
		}
		if s.spec.Source != "" {
			require.Positive(t, n, "%s: the incident plan guarantees a full outage behind a hard sync edge", s.spec.Name)
		}
		checked += n
	}
	require.Positive(t, checked)
}

// TestSoftAndAsyncOutagesDoNotPropagate: a caller of a node in full outage
// over a soft or asynchronous edge keeps its incident-free error rate in
// those buckets, unless another incident touches it or its hard
// synchronous dependencies at the time, or it also reaches the failed node
// over hard synchronous edges.
func TestSoftAndAsyncOutagesDoNotPropagate(t *testing.T) {
	checked := 0
	for _, s := range scenarios(t) {
		softened := softenedSet(s.d)
		closure := hardClosures(s.cfg.Graph, softened)
		n := 0
		for _, ob := range outageBuckets(s) {
			d := ob.dep
			if d.Type == slorec.Sync && d.Criticality == slorec.Hard && !softened[[2]string{ob.caller.Service, d.Target}] {
				continue
			}
			reach := closure[ob.caller.Service]
			if reach[d.Target] || disturbed(s.cfg, ob, reach) || ob.caller.Requests < 200 {
				continue
			}
			q := 1 - s.d.Truth.Services[ob.caller.Service].BaselineEndToEndAvailability
			mean := float64(ob.caller.Requests) * q
			ceiling := mean + 6*math.Sqrt(mean) + 3
			require.LessOrEqual(t, float64(ob.caller.Errors), ceiling,
				"%s: %s at %s should not feel %s's outage over a %s %s edge (%.1f errors expected)",
				s.spec.Name, ob.caller.Service, ob.caller.Start, d.Target, d.Type, d.Criticality, mean)
			n++
		}
		if s.spec.Source != "" {
			require.Positive(t, n, "%s: the incident plan puts a full outage behind a soft or async edge", s.spec.Name)
		}
		checked += n
	}
	require.Positive(t, checked)
}

func softenedSet(d *dataset.Dataset) map[[2]string]bool {
	out := map[[2]string]bool{}
	for _, e := range d.Truth.SoftenedEdges {
		out[[2]string{e.From, e.To}] = true
	}
	return out
}

// hardClosures returns, per service, the nodes it reaches over hard
// synchronous edges, itself included.
func hardClosures(g slorec.Graph, softened map[[2]string]bool) map[string]map[string]bool {
	deps := map[string][]string{}
	for _, s := range g.Services {
		for _, d := range s.Deps {
			if d.Type == slorec.Sync && d.Criticality == slorec.Hard && !softened[[2]string{s.ID, d.Target}] {
				deps[s.ID] = append(deps[s.ID], d.Target)
			}
		}
	}
	out := map[string]map[string]bool{}
	for _, s := range g.Services {
		seen := map[string]bool{s.ID: true}
		stack := []string{s.ID}
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, t := range deps[id] {
				if !seen[t] {
					seen[t] = true
					stack = append(stack, t)
				}
			}
		}
		out[s.ID] = seen
	}
	return out
}

// disturbed reports whether an incident other than ob's overlaps ob's
// bucket on a node in reach.
func disturbed(cfg sim.Config, ob outageBucket, reach map[string]bool) bool {
	from, to := ob.caller.Start, ob.caller.Start.Add(cfg.BucketWidth)
	for _, in := range cfg.Incidents {
		if in.Service == ob.in.Service && in.Start.Equal(ob.in.Start) {
			continue
		}
		if reach[in.Service] && in.Start.Before(to) && in.End().After(from) {
			return true
		}
	}
	return false
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
