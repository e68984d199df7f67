package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/slorec/slorec"
	"github.com/stretchr/testify/require"
)

func TestPhiTable(t *testing.T) {
	for z := -9.0; z <= 9; z += 0.001 {
		exact := 0.5 * math.Erfc(-z/math.Sqrt2)
		require.InDelta(t, exact, phi(z), 3e-5, "z=%v", z)
		if math.Abs(z) < 6 { // beyond, Φ is too flat near 1 to invert finely
			require.InDelta(t, z, phiInv(phi(z)), 1e-6, "z=%v", z)
		}
	}
	require.Equal(t, 0.5, phi(0))
}

func TestNth(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 3, 10, 200, 1001} {
		a := make([]float64, n)
		for i := range a {
			a[i] = float64(r.IntN(n/3 + 1)) // many ties
		}
		sorted := slices.Sorted(slices.Values(a))
		for _, k := range []int{0, n / 20, n / 2, n - 1 - n/20, n - 1} {
			require.Equal(t, sorted[k], nth(slices.Clone(a), k), "n=%d k=%d", n, k)
		}
	}
}

// solveWindows agrees with a direct bisection of each window's attainment
// to 0.5% (0.25% seen), on noisy series and on one whose windows disagree widely.
func TestSolveWindowsAgainstBisection(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, slow := range map[string]func(day int) float64{
		"noisy":    func(int) float64 { return 1 },
		"regimes":  func(d int) float64 { return []float64{1, 30}[d/15%2] },
		"ramp":     func(d int) float64 { return math.Exp(float64(d) / 10) },
		"one-slow": func(d int) float64 { return []float64{1, 100}[min(1, max(0, d-58))] },
	} {
		var b []slorec.MetricBucket
		for i := range 60 * 24 {
			p50 := 50 * slow(i/24) * math.Exp(0.3*r.NormFloat64())
			p95 := p50 * (1.5 + 3*r.Float64())
			p99 := p95 * (1.1 + 2*r.Float64())
			if r.IntN(7) == 0 {
				p50 = 0 // some buckets know fewer points
			}
			b = append(b, slorec.MetricBucket{Service: "s", Start: start.Add(time.Duration(i) * time.Hour),
				Requests: int64(1 + r.IntN(5000)), LatencyP50Ms: p50, LatencyP95Ms: p95, LatencyP99Ms: p99})
		}
		for _, target := range []float64{0.5, 0.95, 0.99} {
			opt := Options{WindowDays: 7}.withDefaults()
			s, err := prepare(b, opt)
			require.NoError(t, err)
			dists := make([]dist, len(b))
			weight := make([]float64, len(b))
			cumW := make([]float64, len(b)+1)
			var qs []float64
			for i := range s.buckets {
				dists[i], _ = newDist(&s.buckets[i])
				weight[i] = float64(s.buckets[i].Requests)
				cumW[i+1] = cumW[i] + weight[i]
				qs = append(qs, dists[i].quantile(target))
			}
			lo, hi := slices.Min(qs), slices.Max(qs)
			got := solveWindows(&latencyBuffers{}, dists, weight, cumW, s.windows, qs, target)
			for wi, w := range s.windows {
				att := func(lt float64) float64 {
					var num float64
					for i := w.lo; i < w.hi; i++ {
						num += weight[i] * dists[i].below(lt)
					}
					return num / (cumW[w.hi] - cumW[w.lo])
				}
				a, z := lo, hi
				for range 100 {
					m := (a + z) / 2
					if att(m) >= target {
						z = m
					} else {
						a = m
					}
				}
				require.InEpsilon(t, math.Exp(z), got[wi], 0.005, "%s p%v window %d", name, 100*target, wi)
			}
		}
	}
}

func TestAddToMatchesBelow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for range 2000 {
		var b slorec.MetricBucket
		vals := []float64{0, 5 + 100*r.Float64(), 50 + 500*r.Float64(), 200 + 2000*r.Float64()}
		b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms = vals[r.IntN(3)], vals[1+r.IntN(3)], vals[r.IntN(4)]
		if r.IntN(5) == 0 {
			b.LatencyP95Ms = b.LatencyP50Ms // a tie
		}
		d, ok := newDist(&b)
		if !ok {
			continue
		}
		grid := []float64{math.Log(b.LatencyP50Ms + 1e-300), d.lx[0], d.lx[d.n-1]}
		for range 10 {
			grid = append(grid, math.Log(1+3000*r.Float64()))
		}
		slices.Sort(grid)
		acc := make([]float64, len(grid))
		d.addTo(acc, grid, 2)
		for j, lt := range grid {
			require.InDelta(t, 2*d.below(lt), acc[j], 1e-15, "%+v at %v", b, lt)
		}
	}
}
