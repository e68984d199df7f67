package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/slorec/slorec"
)

// AvailabilityCandidate is one tier's availability target.
type AvailabilityCandidate struct {
	Tier Tier `json:"tier"`
	// Level is the availability met in the tier's coverage share of
	// rolling windows: the (1 − coverage) lower quantile of the window
	// availabilities.
	Level float64 `json:"level"`
	// Target is Level snapped down the ladder; 0 when Level is below the
	// lowest rung.
	Target float64 `json:"target"`
	// BreachProbability is the bootstrap estimate of the chance that a
	// window's availability falls below Target; 0 when the bootstrap was
	// skipped.
	BreachProbability float64 `json:"breach_probability"`
}

// AvailabilityResult is the availability evidence of one service.
type AvailabilityResult struct {
	// Observed is Σ(requests − errors) / Σ requests over every bucket;
	// valid when HasData (false when there are no requests at all).
	Observed float64 `json:"observed"`
	HasData  bool    `json:"has_data"`
	// WindowDays is the window length used and Windows the number of
	// rolling windows with traffic evaluated.
	WindowDays int `json:"window_days"`
	Windows    int `json:"windows"`
	// WindowMin and WindowMedian summarise the window availabilities.
	WindowMin    float64 `json:"window_min"`
	WindowMedian float64 `json:"window_median"`
	// CILow and CIHigh bound the 90% day-block bootstrap interval of
	// Observed; both 0 when the bootstrap was skipped.
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	// Candidates are in Tiers order; none without data.
	Candidates []AvailabilityCandidate `json:"candidates"`
	Quality    Quality                 `json:"quality"`
}

// Availability computes the availability tiers of one service's history
// (see the package documentation for the method). Buckets may come in any
// order. Buckets of two services, two buckets at one timestamp or an
// invalid bucket are an EINVALID error; no buckets or no traffic is not an
// error: HasData is false and Quality.Reasons says why.
func Availability(buckets []slorec.MetricBucket, opt Options) (AvailabilityResult, error) {
	opt = opt.withDefaults()
	s, err := prepare(buckets, opt)
	if err != nil {
		return AvailabilityResult{}, err
	}
	defer s.release()
	return availability(s, opt), nil
}

// Analyze returns both Availability and Latency, validating and indexing
// the buckets once.
func Analyze(buckets []slorec.MetricBucket, opt Options) (AvailabilityResult, LatencyResult, error) {
	opt = opt.withDefaults()
	s, err := prepare(buckets, opt)
	if err != nil {
		return AvailabilityResult{}, LatencyResult{}, err
	}
	defer s.release()
	return availability(s, opt), latency(s, opt), nil
}

func availability(s *series, opt Options) AvailabilityResult {
	res := AvailabilityResult{Quality: s.q}
	res.Quality.Reasons = slices.Clone(s.q.Reasons)
	obs, ok := ratio(s.q.Requests-s.q.Errors, s.q.Requests)
	if !ok {
		if len(s.buckets) > 0 {
			res.Quality.Reasons = append(res.Quality.Reasons, "no traffic in any bucket")
		}
		return res
	}
	res.Observed, res.HasData = obs, true
	res.WindowDays = s.window

	avail := s.avail[:0]
	for _, w := range s.windows {
		if a, ok := ratio(s.cumGood[w.hi]-s.cumGood[w.lo], s.cumTotal[w.hi]-s.cumTotal[w.lo]); ok {
			avail = append(avail, a)
		}
	}
	// The windows cover the history except, at most, less than one step
	// at its start; if all the traffic fell there, the whole history
	// stands in for the windows.
	if skipped := len(s.windows) - len(avail); skipped > 0 {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("%d of %d rolling windows carry no traffic and were skipped", skipped, len(s.windows)))
	}
	if len(avail) == 0 {
		avail = append(avail, obs)
		res.Quality.Reasons = append(res.Quality.Reasons, "no rolling window carries traffic; the whole history stands in for one")
	}
	s.avail = avail
	slices.Sort(avail)
	res.Windows = len(avail)
	res.WindowMin, res.WindowMedian = avail[0], median(avail)
	if len(avail) < 20 {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("tier levels rest on only %d rolling %d-day windows (20 or more resolve the 95th and 99th percentiles)", len(avail), s.window))
	}
	res.Candidates = make([]AvailabilityCandidate, len(Tiers))
	for i, t := range Tiers {
		level := lowerQuantile(avail, t.Coverage())
		target, _ := SnapDown(level, opt.Ladder)
		res.Candidates[i] = AvailabilityCandidate{Tier: t, Level: level, Target: target}
	}
	if opt.Resamples > 0 {
		bootstrap(s, opt, &res)
	}
	return res
}

// bootSeq is the PCG stream of the bootstrap; the seed is the caller's.
const bootSeq = 0x5107ec

// bootstrap fills the interval and the breach probabilities.
//
// The blocks are the UTC calendar days with traffic (n of them), each
// reduced to its sums of good and total requests. Resample r draws n days
// with replacement; its overall availability Σgood/Σtotal over the n draws
// is one bootstrap replicate of Observed, and the same over its first
// k = min(W, n) draws is one resampled W-day window. The interval is the
// 5th and 95th percentiles of the replicates (order statistics
// ⌊0.05·R⌋ and ⌈0.95·R⌉−1 of R); a tier's breach probability is the
// share of resampled windows below its target. The window draws are a
// prefix of the overall draws: each estimate uses one of the two, so the
// sharing costs no validity and halves the random numbers.
func bootstrap(s *series, opt Options, res *AvailabilityResult) {
	days := s.days
	n := len(days)
	if n == 0 {
		return
	}
	k := min(s.window, n)
	un := uint64(n) // < 2^21 days (5,700 years): the index fits

	rng := rand.NewPCG(opt.Seed, bootSeq) // the concrete type: no interface call per draw
	R := opt.Resamples
	overall := resize(s.boot, R)
	s.boot = overall
	var targets [8]float64 // len(Tiers) is 3
	for c := range res.Candidates {
		targets[c] = res.Candidates[c].Target
	}
	var breaches [8]int
	nc := len(res.Candidates)
	for r := range R {
		var g, t, gw, tw int64
		var x uint64
		for j := range n {
			// Three indexes per 64-bit word, by Lemire's multiply-shift
			// on 21-bit slices: the bias, at most n/2^21 (1.4e-5 for 30
			// days), is negligible next to the resampling noise.
			if j%3 == 0 {
				x = rng.Uint64()
			} else {
				x >>= 21
			}
			d := &days[(x&(1<<21-1))*un>>21]
			g += d.good
			t += d.total
			if j+1 == k {
				gw, tw = g, t
			}
		}
		overall[r] = float64(g) / float64(t)
		a := float64(gw) / float64(tw)
		for c := range nc {
			if a < targets[c] {
				breaches[c]++
			}
		}
	}
	lo := int(math.Floor(0.05*float64(R) + 1e-9))
	hi := max(0, int(math.Ceil(0.95*float64(R)-1e-9))-1)
	res.CILow = nth(overall, lo)
	res.CIHigh = nth(overall, hi)
	for c := range nc {
		res.Candidates[c].BreachProbability = float64(breaches[c]) / float64(R)
	}
}

// nth returns the k-th smallest element of a (0-based), reordering a
// (quickselect with a median-of-three pivot: linear on average, and
// deterministic).
func nth(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}
