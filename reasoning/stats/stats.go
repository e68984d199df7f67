package stats

import (
	"math"
)

// Tier names a candidate target's ambition.
type Tier string

// Tiers, from the safest to the most ambitious.
const (
	Conservative Tier = "conservative" // level met in >= 99% of rolling windows
	Balanced     Tier = "balanced"     // >= 95%
	Aspirational Tier = "aspirational" // >= 80%
)

// Tiers lists the tiers in order, conservative first. Results list their
// candidates in this order.
var Tiers = []Tier{Conservative, Balanced, Aspirational}

// Coverage is the share of rolling windows in which a tier's level must be
// met: 0.99, 0.95 or 0.80 (0.95 for an unknown tier).
func (t Tier) Coverage() float64 {
	switch t {
	case Conservative:
		return 0.99
	case Aspirational:
		return 0.80
	}
	return 0.95
}

// DefaultLadder lists the availability targets a recommendation may take,
// ascending: error budgets of 10%, 5%, 2%, 1%, 0.5%, 0.2%, 0.1%, ... down
// to 0.001%, a 1-2-5 sequence, so neighbouring rungs' budgets are at most
// 2.5 times apart.
var DefaultLadder = []float64{0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9998, 0.9999, 0.99995, 0.99998, 0.99999}

// snapTolerance absorbs floating-point noise when a computed value should
// sit exactly on a rung: 1 − 5e-4 computed as a ratio of sums may come out
// one ulp below 0.9995.
const snapTolerance = 1e-12

// SnapDown returns the largest rung of ladder at or below v (within
// 1e-12), and false, with 0, when v is below every rung or NaN. The ladder
// need not be sorted.
func SnapDown(v float64, ladder []float64) (float64, bool) {
	best, ok := 0.0, false
	for _, r := range ladder {
		if r <= v+snapTolerance && (!ok || r > best) {
			best, ok = r, true
		}
	}
	return best, ok
}

// SnapUpMs rounds a latency threshold up to two significant digits (52.3
// to 53 ms, 187 to 190 ms, 1234 to 1300 ms), and to at least 1 ms; zero,
// negative and NaN values give 1 ms. Two digits keep thresholds readable
// while the rounding adds under 10% (about 2.5% on average) to what the
// headroom already added; a ladder of "round" values with 25% to 50% gaps
// showed in the backtest as slack the history did not call for.
func SnapUpMs(v float64) float64 {
	if !(v > 1) {
		return 1
	}
	return CeilSignificant(v, 2)
}

// CeilSignificant rounds v > 0 up to the given number of significant
// digits; a value within 1e-9 (relative) above a rounded value stays on
// it, so float noise does not add a digit's worth. Non-positive, infinite
// and NaN values are returned as they are.
func CeilSignificant(v float64, digits int) float64 {
	if !(v > 0) || math.IsInf(v, 1) {
		return v
	}
	e := int(math.Floor(math.Log10(v))) - digits + 1 // v / 10^e has `digits` digits before the point
	m := v / math.Pow10(e)
	if e < 0 {
		m = v * math.Pow10(-e)
	}
	m = math.Ceil(m * (1 - 1e-9))
	if e < 0 {
		return m / math.Pow10(-e)
	}
	return m * math.Pow10(e)
}

// Options configure Availability and Latency. The zero value gives the
// defaults.
type Options struct {
	// WindowDays is the rolling window length; zero (or negative) means
	// 28. It shrinks when the history is shorter, and the result says so.
	WindowDays int
	// StepHours is the step between consecutive windows; zero (or
	// negative) means 24.
	StepHours int
	// Resamples is the number of bootstrap resamples: zero means 1000, a
	// negative value skips the bootstrap.
	Resamples int
	// Seed seeds the bootstrap's PCG.
	Seed uint64
	// Ladder is the availability target ladder; nil means DefaultLadder.
	Ladder []float64
	// Headroom multiplies latency thresholds before they are snapped up;
	// zero (or negative) means 1.1.
	Headroom float64
}

// Defaults of Options.
const (
	defaultWindowDays = 28
	defaultStepHours  = 24
	defaultResamples  = 1000
	defaultHeadroom   = 1.1
)

func (o Options) withDefaults() Options {
	if o.WindowDays <= 0 {
		o.WindowDays = defaultWindowDays
	}
	if o.StepHours <= 0 {
		o.StepHours = defaultStepHours
	}
	if o.Resamples == 0 {
		o.Resamples = defaultResamples
	}
	if o.Ladder == nil {
		o.Ladder = DefaultLadder
	}
	if !(o.Headroom > 0) {
		o.Headroom = defaultHeadroom
	}
	return o
}

// Quality describes the data behind a result.
type Quality struct {
	// Buckets is the number of buckets; ExpectedBuckets the number the
	// history's span holds at the bucket width (the most common gap
	// between consecutive timestamps; an hour for a single bucket), at
	// least Buckets. Coverage is Buckets / ExpectedBuckets.
	Buckets         int     `json:"buckets"`
	ExpectedBuckets int     `json:"expected_buckets"`
	Coverage        float64 `json:"coverage"`
	// HistoryDays is (last start − first start + width) in days.
	HistoryDays float64 `json:"history_days"`
	// Gaps counts runs of missing buckets: consecutive timestamps further
	// apart than the bucket width.
	Gaps int `json:"gaps"`
	// ZeroTraffic counts buckets without requests.
	ZeroTraffic int   `json:"zero_traffic"`
	Requests    int64 `json:"requests"`
	Errors      int64 `json:"errors"`
	// ShortHistory is set when HistoryDays is below the requested window.
	ShortHistory bool `json:"short_history,omitempty"`
	// LowVolume is set when there are fewer than 10,000 requests in all,
	// or fewer than 1,000 in the average rolling window: too few errors
	// could be seen to tell the ladder's upper rungs apart (at 0.9999 a
	// window of 1,000 requests may fail 0.1 of one).
	LowVolume bool `json:"low_volume,omitempty"`
	// Drift is the availability of the last third of the history (by
	// time) minus that of the first third: positive when errors became
	// rarer. Zero when either third has no traffic.
	Drift float64 `json:"drift"`
	// Reasons say, with numbers, what lowers trust in the result.
	Reasons []string `json:"reasons,omitempty"`
}

// Low-volume thresholds (see Quality.LowVolume).
const (
	lowVolumeTotal     = 10000
	lowVolumePerWindow = 1000
)

// lowerQuantile returns a[⌊(1−coverage)·n⌋] of ascending a: the largest
// value that at least coverage of the values reach (nearest rank, lower
// side, so a level is never overstated).
func lowerQuantile(a []float64, coverage float64) float64 {
	k := int(math.Floor((1-coverage)*float64(len(a)) + 1e-9))
	return a[max(0, min(k, len(a)-1))]
}

// upperQuantile returns a[⌈coverage·n⌉−1] of ascending a: the smallest
// value that at least coverage of the values stay at or below.
func upperQuantile(a []float64, coverage float64) float64 {
	k := int(math.Ceil(coverage*float64(len(a))-1e-9)) - 1
	return a[max(0, min(k, len(a)-1))]
}

// median returns the median of ascending a: the middle value, or the mean
// of the two middle values.
func median(a []float64) float64 {
	n := len(a)
	if n%2 == 1 {
		return a[n/2]
	}
	return (a[n/2-1] + a[n/2]) / 2
}
