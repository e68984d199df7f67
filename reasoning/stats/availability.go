package stats

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/slorec/slorec"
)

// AvailabilityCandidate is one tier's availability target.
type AvailabilityCandidate struct {
	Tier Tier `json:"tier"`
	// Level is the availability met in the tier's coverage share of
	// windows; Target is Level snapped down the ladder, 0 when below it.
	Level  float64 `json:"level"`
	Target float64 `json:"target"`
	// BreachProbability is the bootstrap estimate of the chance that a
	// window misses Target; 0 when the bootstrap was skipped.
	BreachProbability float64 `json:"breach_probability"`
}

// AvailabilityResult is the availability evidence of one service.
type AvailabilityResult struct {
	// Observed is good/total over every bucket; valid when HasData.
	Observed float64 `json:"observed"`
	HasData  bool    `json:"has_data"`
	// WindowDays is the window used and Windows the number of windows
	// with traffic.
	WindowDays   int     `json:"window_days"`
	Windows      int     `json:"windows"`
	WindowMin    float64 `json:"window_min"`
	WindowMedian float64 `json:"window_median"`
	// CILow and CIHigh bound the 90% day-block bootstrap interval of
	// Observed; both 0 when the bootstrap was skipped.
	CILow      float64                 `json:"ci_low"`
	CIHigh     float64                 `json:"ci_high"`
	Candidates []AvailabilityCandidate `json:"candidates"`
	Quality    Quality                 `json:"quality"`
}

// Availability computes the availability tiers of one service's history
// (see the package documentation). Buckets may come in any order; buckets
// of two services, two buckets at one timestamp or an invalid bucket are an
// EINVALID error. No traffic at all is not an error: HasData is false.
func Availability(buckets []slorec.MetricBucket, opt Options) (AvailabilityResult, error) {
	opt = opt.withDefaults()
	s, err := prepare(buckets, opt.WindowDays)
	if err != nil {
		return AvailabilityResult{}, err
	}
	return availability(s, opt), nil
}

// Analyze returns both Availability and Latency, validating and indexing
// the buckets once.
func Analyze(buckets []slorec.MetricBucket, opt Options) (AvailabilityResult, LatencyResult, error) {
	opt = opt.withDefaults()
	s, err := prepare(buckets, opt.WindowDays)
	if err != nil {
		return AvailabilityResult{}, LatencyResult{}, err
	}
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
	w := windowDays(opt.WindowDays, s.q)
	res.WindowDays = w

	// Rolling windows ending on the last day, stepping back.
	step := max(1, opt.StepHours/24)
	days := len(s.total)
	var avail []float64
	skipped := 0
	for end := days; end >= w; end -= step {
		a, ok := ratio(sum(s.good[end-w:end]), sum(s.total[end-w:end]))
		if !ok {
			skipped++
			continue
		}
		avail = append(avail, a)
	}
	if len(avail) == 0 { // traffic, but no full window holds any: use the whole history
		avail = []float64{obs}
	}
	slices.Sort(avail)
	res.Windows = len(avail)
	res.WindowMin, res.WindowMedian = avail[0], avail[len(avail)/2]
	if skipped > 0 {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("%d windows without traffic skipped", skipped))
	}
	if len(avail) < 20 {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("tier levels rest on only %d rolling %d-day windows", len(avail), w))
	}
	for _, t := range Tiers {
		level := lowerQuantile(avail, t.Coverage())
		target, _ := SnapDown(level, opt.Ladder)
		res.Candidates = append(res.Candidates, AvailabilityCandidate{Tier: t, Level: level, Target: target})
	}
	if opt.Resamples > 0 {
		bootstrap(s, w, opt, &res)
	}
	return res
}

// bootstrap fills the interval and the breach probabilities by resampling
// days with replacement.
func bootstrap(s *series, w int, opt Options, res *AvailabilityResult) {
	// Only days with traffic are blocks: a day without traffic adds
	// nothing to either sum.
	var good, total []int64
	for d := range s.total {
		if s.total[d] > 0 {
			good, total = append(good, s.good[d]), append(total, s.total[d])
		}
	}
	n := len(total)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5107ec))
	overall := make([]float64, opt.Resamples)
	breaches := make([]int, len(res.Candidates))
	for r := range opt.Resamples {
		g, t := draw(rng, good, total, n)
		overall[r] = float64(g) / float64(t)
		g, t = draw(rng, good, total, min(w, n))
		a := float64(g) / float64(t)
		for c := range res.Candidates {
			if a < res.Candidates[c].Target {
				breaches[c]++
			}
		}
	}
	slices.Sort(overall)
	res.CILow = overall[int(0.05*float64(len(overall)))]
	res.CIHigh = overall[min(int(0.95*float64(len(overall))), len(overall)-1)]
	for c := range res.Candidates {
		res.Candidates[c].BreachProbability = float64(breaches[c]) / float64(opt.Resamples)
	}
}

// draw sums k days drawn with replacement, two draws per random word
// (Lemire's multiply-shift on each 32-bit half; len(total) is far below
// 2^32, so the bias is negligible).
func draw(rng *rand.Rand, good, total []int64, k int) (g, t int64) {
	n := uint64(len(total))
	for j := 0; j < k; j += 2 {
		r := rng.Uint64()
		i := (r & 0xffffffff) * n >> 32
		g += good[i]
		t += total[i]
		if j+1 < k {
			i = (r >> 32) * n >> 32
			g += good[i]
			t += total[i]
		}
	}
	return g, t
}
