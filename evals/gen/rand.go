package gen

import "math"

// rng is SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014), the generator evals/sim uses, for the
// same reason: a seed must give the same graph and parameters whatever the
// Go release, because generated datasets are committed and compared byte
// for byte.
type rng struct{ state uint64 }

// newRNG returns a generator for one purpose of one seed: the stream name
// keeps, say, the incident draws from shifting when the parameter draws
// change.
func newRNG(seed int64, stream string) *rng {
	h := uint64(1469598103934665603) // FNV-1a offset basis
	for i := 0; i < len(stream); i++ {
		h ^= uint64(stream[i])
		h *= 1099511628211
	}
	r := &rng{state: uint64(seed) ^ h}
	r.uint64() // decorrelate nearby seeds
	return r
}

func (r *rng) uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float64 returns a uniform value in [0,1).
func (r *rng) float64() float64 { return float64(r.uint64()>>11) / (1 << 53) }

// intn returns a uniform value in [0,n); n must be positive.
func (r *rng) intn(n int) int { return int(r.uint64() % uint64(n)) }

// uniform returns a uniform value in [lo,hi).
func (r *rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.float64() }

// logUniform returns a value whose logarithm is uniform in [log lo, log hi):
// as likely to be in [1,10) as in [10,100), which suits failure rates and
// latencies.
func (r *rng) logUniform(lo, hi float64) float64 {
	return math.Exp(r.uniform(math.Log(lo), math.Log(hi)))
}

// chance returns true with probability p.
func (r *rng) chance(p float64) bool { return r.float64() < p }

// pick returns an index drawn with the given weights; they must not all be
// zero.
func (r *rng) pick(weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.float64() * sum
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
