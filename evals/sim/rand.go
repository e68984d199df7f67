package sim

import "math"

// rng is SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014). The simulator carries its own generator
// and samplers instead of math/rand so that a seed yields the same dataset
// whatever the Go release: committed example datasets are compared byte for
// byte.
type rng struct{ state uint64 }

func newRNG(seed int64) *rng { return &rng{state: uint64(seed)} }

func (r *rng) uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float64 returns a uniform value in [0,1).
func (r *rng) float64() float64 { return float64(r.uint64()>>11) / (1 << 53) }

// intn returns a uniform value in [0,n); the modulo bias is below 2^-50 for
// the sample counts used here.
func (r *rng) intn(n int) int { return int(r.uint64() % uint64(n)) }

// normal returns a standard normal value (Box-Muller; the second value is
// discarded to keep the stream simple to reason about).
func (r *rng) normal() float64 {
	u1 := 1 - r.float64() // (0,1]: log stays finite
	u2 := r.float64()
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
		for p := r.float64(); p > l; p *= r.float64() {
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
			if r.float64() < p {
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
