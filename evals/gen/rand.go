package gen

import (
	"math"

	"github.com/slorec/slorec/internal/splitmix"
)

// rng is a SplitMix64 stream (internal/splitmix, the simulator's generator:
// a seed must give the same graph and parameters whatever the Go release,
// because generated datasets are committed and compared byte for byte)
// with the draws the generator needs.
type rng struct{ *splitmix.Rand }

// newRNG returns a generator for one purpose of one seed: the stream name
// keeps, say, the incident draws from shifting when the parameter draws
// change.
func newRNG(seed int64, stream string) *rng {
	h := uint64(1469598103934665603) // FNV-1a offset basis
	for i := 0; i < len(stream); i++ {
		h ^= uint64(stream[i])
		h *= 1099511628211
	}
	r := &rng{splitmix.New(uint64(seed) ^ h)}
	r.Uint64() // decorrelate nearby seeds
	return r
}

// uniform returns a uniform value in [lo,hi).
func (r *rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// logUniform returns a value whose logarithm is uniform in [log lo, log hi):
// as likely to be in [1,10) as in [10,100), which suits failure rates and
// latencies.
func (r *rng) logUniform(lo, hi float64) float64 {
	return math.Exp(r.uniform(math.Log(lo), math.Log(hi)))
}

// chance returns true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// pick returns an index drawn with the given weights; they must not all be
// zero.
func (r *rng) pick(weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	for i := len(weights) - 1; i >= 0; i-- {
		if weights[i] > 0 {
			return i
		}
	}
	return 0
}

// roundSig rounds v to sig significant digits, so drawn parameters read
// like numbers a person would write (0.00063, 4.2 ms, 86000 requests/h).
func roundSig(v float64, sig int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(sig)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
