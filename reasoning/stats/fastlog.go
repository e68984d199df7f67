package stats

import "math"

// A fleet run takes the logarithm of three percentiles of every bucket,
// tens of millions of calls. fastLog splits x = 2^e · m with m in [1, 2),
// looks ln c up for the table point c = 1 + i/256 just under m and adds
// ln(m/c) = ln(1 + r), 0 ≤ r < 1/256, from six terms of its series. The
// first term left out is below r⁷/7 < 2e-18, so the result is within a
// few ulps of math.Log, at about half its cost.
const logBits = 8

// logTable[i] = ln(1 + i/256) and logInv[i] = 1/(1 + i/256), computed
// when the package is initialised and only read afterwards.
var logTable, logInv = func() (t, inv [1 << logBits]float64) {
	for i := range t {
		c := 1 + float64(i)/(1<<logBits)
		t[i] = math.Log(c)
		inv[i] = 1 / c
	}
	return t, inv
}()

// fastLog returns ln x. Zero, negative, subnormal, infinite and NaN
// arguments go to math.Log.
func fastLog(x float64) float64 {
	bits := math.Float64bits(x)
	exp := int(bits >> 52) // with the sign bit: a negative x lands above 0x7ff
	if exp == 0 || exp >= 0x7ff {
		return math.Log(x)
	}
	frac := bits & (1<<52 - 1)
	i := frac >> (52 - logBits)
	m := math.Float64frombits(frac | 1023<<52)            // in [1, 2)
	c := math.Float64frombits(i<<(52-logBits) | 1023<<52) // 1 + i/256 exactly
	r := (m - c) * logInv[i]                              // m − c is exact
	p := r * (1 - r*(1.0/2-r*(1.0/3-r*(1.0/4-r*(1.0/5-r*(1.0/6))))))
	return float64(exp-1023)*math.Ln2 + logTable[i] + p
}
