package sim

import (
	"math"

	"github.com/slorec/slorec/internal/splitmix"
)

// rng is the simulator's SplitMix64 stream (internal/splitmix, stable
// across Go releases, so committed datasets compare byte for byte) with
// the samplers the simulation needs.
type rng struct{ *splitmix.Rand }

func newRNG(seed int64) *rng { return &rng{splitmix.New(uint64(seed))} }

// normal returns a standard normal value (Box-Muller; the second value is
// discarded to keep the stream simple to reason about).
func (r *rng) normal() float64 {
	u1 := 1 - r.Float64() // (0,1]: log stays finite
	u2 := r.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// poisson draws from Poisson(lambda): Knuth's product method for small
// means, a rounded normal approximation above 30, where its error is far
// below the noise the simulator adds on purpose.
func (r *rng) poisson(lambda float64) int64 {
	switch {
	case !(lambda > 0):
		return 0
	case lambda < 30:
		l := math.Exp(-lambda)
		var k int64
		for p := r.Float64(); p > l; p *= r.Float64() {
			k++
		}
		return k
	}
	v := math.Round(lambda + math.Sqrt(lambda)*r.normal())
	if v < 0 {
		return 0
	}
	return int64(v)
}

// binomial draws from Binomial(n, p): exact Bernoulli trials for small n,
// Poisson for rare events, a rounded normal otherwise.
func (r *rng) binomial(n int64, p float64) int64 {
	switch {
	case n <= 0 || !(p > 0):
		return 0
	case p >= 1:
		return n
	case p > 0.5:
		return n - r.binomial(n, 1-p)
	}
	mean := float64(n) * p
	switch {
	case n <= 200:
		var k int64
		for range n {
			if r.Float64() < p {
				k++
			}
		}
		return k
	case mean < 30 && p < 0.1:
		return min(r.poisson(mean), n)
	}
	v := math.Round(mean + math.Sqrt(mean*(1-p))*r.normal())
	return int64(min(max(v, 0), float64(n)))
}
