// Package splitmix is SplitMix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014), the generator of the
// dataset simulator and generator. They carry their own generator instead
// of math/rand so that a seed yields the same dataset whatever the Go
// release: generated datasets are committed and compared byte for byte.
package splitmix

// Rand is a SplitMix64 stream. The zero value is the stream of seed 0.
type Rand struct{ state uint64 }

// New returns the stream of seed.
func New(seed uint64) *Rand { return &Rand{state: seed} }

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Float64 returns a uniform value in [0,1).
func (r *Rand) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Intn returns a uniform value in [0,n); n must be positive. The modulo
// bias is below n/2^64.
func (r *Rand) Intn(n int) int { return int(r.Uint64() % uint64(n)) }
