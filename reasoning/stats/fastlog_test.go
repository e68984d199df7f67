package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFastLogMatchesMathLog(t *testing.T) {
	check := func(x float64) {
		t.Helper()
		got, want := fastLog(x), math.Log(x)
		if math.IsNaN(want) {
			if !math.IsNaN(got) {
				t.Fatalf("fastLog(%v) = %v, want NaN", x, got)
			}
			return
		}
		if got != want && math.Abs(got-want) > 4e-16*math.Max(1, math.Abs(want)) {
			t.Fatalf("fastLog(%v) = %.17g, math.Log = %.17g (diff %g)", x, got, want, got-want)
		}
	}
	for _, x := range []float64{1, 2, 0.5, 1.5, 1 + 1.0/256, 1 - 1e-16, 0.1, 250, 1e-300, 1e300,
		math.SmallestNonzeroFloat64, math.MaxFloat64, 0, -1, math.Inf(1), math.Inf(-1), math.NaN()} {
		check(x)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		check(math.Exp(rng.Float64()*80 - 40)) // latencies in ms and far beyond
	}
	for i := range 1 << logBits { // every table point and its neighbours
		c := 1 + float64(i)/(1<<logBits)
		check(c)
		check(math.Nextafter(c, 0))
		check(math.Nextafter(c, 3))
	}
}
