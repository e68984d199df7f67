package stats

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/slorec/slorec"
)

// LatencyCandidate is one tier's latency threshold for the objective
// percentile.
type LatencyCandidate struct {
	Tier Tier `json:"tier"`
	// ThresholdMs is RawMs × headroom snapped up to a round value.
	ThresholdMs float64 `json:"threshold_ms"`
	// RawMs is the threshold the tier's share of windows attained.
	RawMs float64 `json:"raw_ms"`
	// Attainment is the estimated share of all requests under
	// ThresholdMs.
	Attainment float64 `json:"attainment"`
	// BreachProbability is the share of rolling windows whose attainment
	// at ThresholdMs is below the percentile.
	BreachProbability float64 `json:"breach_probability"`
}

// LatencyResult is the latency evidence of one service.
type LatencyResult struct {
	HasData bool `json:"has_data"`
	// Percentile is the objective's percentile: "Percentile% of requests
	// under the threshold".
	Percentile float64 `json:"percentile"`
	// Source says which data the thresholds came from.
	Source     string             `json:"source"`
	WindowDays int                `json:"window_days"`
	Windows    int                `json:"windows"`
	Candidates []LatencyCandidate `json:"candidates"`
	Quality    Quality            `json:"quality"`
}

// sigmaDefault is the log-space spread assumed when a bucket has a single
// percentile.
const sigmaDefault = 0.5

// dist is a bucket's latency distribution, known at a few quantiles.
type dist struct {
	lx [3]float64 // log latency of the known points, ascending
	p  [3]float64 // their probabilities
	n  int
	// mu and sig are the lognormal through the outermost points, which
	// gives the tails; it passes through those points, so the tails join
	// the interpolated middle continuously.
	mu  float64
	sig float64
}

func newDist(b *slorec.MetricBucket) (dist, bool) {
	var d dist
	for _, kp := range [3][2]float64{{b.LatencyP50Ms, 0.50}, {b.LatencyP95Ms, 0.95}, {b.LatencyP99Ms, 0.99}} {
		if kp[0] > 0 {
			d.lx[d.n], d.p[d.n] = math.Log(kp[0]), kp[1]
			d.n++
		}
	}
	if d.n == 0 {
		return d, false
	}
	lo, hi := 0, d.n-1
	zlo, zhi := zOf(d.p[lo]), zOf(d.p[hi])
	if d.n > 1 && d.lx[hi] > d.lx[lo] {
		d.sig = (d.lx[hi] - d.lx[lo]) / (zhi - zlo)
	} else if d.n == 1 {
		d.sig = sigmaDefault
	}
	d.mu = d.lx[lo] - zlo*d.sig
	return d, true
}

// quantile returns the latency (ms) under which share p of requests fall.
func (d *dist) quantile(p float64) float64 {
	first, last := 0, d.n-1
	switch {
	case d.sig == 0 || (p >= d.p[first] && p <= d.p[last]):
	default:
		return math.Exp(d.mu + d.sig*probit(p))
	}
	if p <= d.p[first] {
		return math.Exp(d.lx[first])
	}
	for i := 1; i <= last; i++ {
		if p <= d.p[i] {
			f := (p - d.p[i-1]) / (d.p[i] - d.p[i-1])
			return math.Exp(d.lx[i-1] + f*(d.lx[i]-d.lx[i-1]))
		}
	}
	return math.Exp(d.lx[last])
}

// below returns the share of requests faster than exp(lt).
func (d *dist) below(lt float64) float64 {
	first, last := 0, d.n-1
	switch {
	case lt <= d.lx[first]:
		if d.sig == 0 {
			if lt < d.lx[first] {
				return 0
			}
			return d.p[first]
		}
		return phi((lt - d.mu) / d.sig)
	case lt >= d.lx[last]:
		if d.sig == 0 {
			return 1
		}
		return phi((lt - d.mu) / d.sig)
	}
	for i := 1; i <= last; i++ {
		if lt <= d.lx[i] {
			if d.lx[i] == d.lx[i-1] {
				return d.p[i]
			}
			f := (lt - d.lx[i-1]) / (d.lx[i] - d.lx[i-1])
			return d.p[i-1] + f*(d.p[i]-d.p[i-1])
		}
	}
	return 1
}

// Standard normal quantiles of the known points.
var z95, z99 = probit(0.95), probit(0.99)

func zOf(p float64) float64 {
	switch p {
	case 0.5:
		return 0
	case 0.95:
		return z95
	case 0.99:
		return z99
	}
	return probit(p)
}

func phi(z float64) float64    { return 0.5 * math.Erfc(-z/math.Sqrt2) }
func probit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// FractionBelow estimates the share of a bucket's requests faster than t
// milliseconds from its percentiles (see the package documentation); false
// when the bucket has no percentile.
func FractionBelow(b slorec.MetricBucket, t float64) (float64, bool) {
	d, ok := newDist(&b)
	if !ok {
		return 0, false
	}
	if t <= 0 {
		return 0, true
	}
	return d.below(math.Log(t)), true
}

// Attainment is the request-weighted mean of FractionBelow over the
// buckets with latency data (each bucket counts once when none has
// requests); false when no bucket has latency data.
func Attainment(buckets []slorec.MetricBucket, thresholdMs float64) (float64, bool) {
	dists := make([]dist, len(buckets))
	ok := make([]bool, len(buckets))
	has := false
	for i := range buckets {
		dists[i], ok[i] = newDist(&buckets[i])
		has = has || ok[i]
	}
	if !has {
		return 0, false
	}
	return attainment(buckets, dists, ok, thresholdMs), true
}

// Grid of thresholds searched: geometric, at most gridPoints points, no
// coarser than needed for steps of gridStep.
const (
	gridStep   = 1.02
	gridPoints = 48
)

// logGrid returns log thresholds from lo to hi inclusive.
func logGrid(lo, hi float64) []float64 {
	llo, lhi := math.Log(lo), math.Log(hi)
	if lhi-llo < 1e-9 {
		return []float64{llo}
	}
	n := min(gridPoints, int(math.Ceil((lhi-llo)/math.Log(gridStep)))+1)
	n = max(n, 2)
	grid := make([]float64, n)
	for j := range grid {
		grid[j] = llo + (lhi-llo)*float64(j)/float64(n-1)
	}
	return grid
}

// Latency computes latency thresholds for one service's history (see the
// package documentation). Errors are those of Availability.
func Latency(buckets []slorec.MetricBucket, opt Options) (LatencyResult, error) {
	opt = opt.withDefaults()
	s, err := prepare(buckets, opt.WindowDays)
	if err != nil {
		return LatencyResult{}, err
	}
	return latency(s, opt), nil
}

func latency(s *series, opt Options) LatencyResult {
	res := LatencyResult{Quality: s.q}
	res.Quality.Reasons = slices.Clone(s.q.Reasons)
	var has [3]int
	dists := make([]dist, len(s.buckets))
	ok := make([]bool, len(s.buckets))
	for i := range s.buckets {
		b := &s.buckets[i]
		for j, v := range [3]float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
			if v > 0 {
				has[j]++
			}
		}
		dists[i], ok[i] = newDist(b)
	}
	switch {
	case has[1] > 0:
		res.Percentile = 95
	case has[2] > 0:
		res.Percentile = 99
	case has[0] > 0:
		res.Percentile = 50
	default:
		res.Quality.Reasons = append(res.Quality.Reasons, "no latency percentiles")
		return res
	}
	res.HasData = true
	withData := 0
	for _, v := range ok {
		if v {
			withData++
		}
	}
	var present []string
	for j, name := range []string{"p50", "p95", "p99"} {
		if has[j] > 0 {
			present = append(present, name)
		}
	}
	res.Source = fmt.Sprintf("p%v from %d buckets with latency percentiles (%s)", res.Percentile, withData, strings.Join(present, "/"))
	if withData < len(s.buckets) {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("%d of %d buckets have no latency percentiles", len(s.buckets)-withData, len(s.buckets)))
	}

	// Per-day request-weighted attainment on a geometric grid spanning
	// the buckets' own p-quantiles: the mixture's quantile lies between
	// the smallest and the largest of them.
	target := res.Percentile / 100
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range dists {
		if ok[i] {
			q := dists[i].quantile(target)
			lo, hi = min(lo, q), max(hi, q)
		}
	}
	grid := logGrid(lo, hi)
	days := len(s.total)
	num := make([][]float64, days) // num[d][j] = Σ req·F(grid_j)
	den := make([]float64, days)
	for d := range num {
		num[d] = make([]float64, len(grid))
	}
	for i := range s.buckets {
		if !ok[i] {
			continue
		}
		b := &s.buckets[i]
		w := float64(b.Requests)
		if w == 0 {
			continue
		}
		d := s.day[i]
		den[d] += w
		row := num[d]
		for j, lt := range grid {
			row[j] += w * dists[i].below(lt)
		}
	}
	w := windowDays(opt.WindowDays, s.q)
	res.WindowDays = w
	step := max(1, opt.StepHours/24)
	var tw []float64
	acc := make([]float64, len(grid))
	for end := days; end >= w; end -= step {
		clear(acc)
		var total float64
		for d := end - w; d < end; d++ {
			total += den[d]
			for j, v := range num[d] {
				acc[j] += v
			}
		}
		if total == 0 {
			continue
		}
		tw = append(tw, solve(grid, acc, total, target))
	}
	if len(tw) == 0 {
		res.Quality.Reasons = append(res.Quality.Reasons, "no window with latency data and traffic")
		res.HasData = false
		return res
	}
	slices.Sort(tw)
	res.Windows = len(tw)
	// upperQuantile grows with coverage and SnapUpMs is monotone, so the
	// conservative threshold is the largest.
	for i, t := range Tiers {
		raw := upperQuantile(tw, t.Coverage())
		thr := SnapUpMs(raw * opt.Headroom)
		c := LatencyCandidate{Tier: t, RawMs: raw, ThresholdMs: thr}
		if i > 0 && res.Candidates[i-1].ThresholdMs == thr { // tiers often snap to one value
			prev := res.Candidates[i-1]
			c.Attainment, c.BreachProbability = prev.Attainment, prev.BreachProbability
		} else {
			c.Attainment = attainment(s.buckets, dists, ok, thr)
			c.BreachProbability = breachShare(s, dists, ok, w, step, thr, target)
		}
		res.Candidates = append(res.Candidates, c)
	}
	return res
}

// attainment is Attainment over prepared distributions.
func attainment(buckets []slorec.MetricBucket, dists []dist, ok []bool, thr float64) float64 {
	lt := math.Inf(-1)
	if thr > 0 {
		lt = math.Log(thr)
	}
	var num, den, unweighted, n float64
	for i := range buckets {
		if !ok[i] {
			continue
		}
		f := dists[i].below(lt)
		w := float64(buckets[i].Requests)
		num += w * f
		den += w
		unweighted += f
		n++
	}
	if den == 0 {
		return unweighted / n
	}
	return num / den
}

// solve returns the smallest threshold (ms) whose attainment acc/total
// reaches target, interpolating in log latency between grid points.
func solve(grid, acc []float64, total, target float64) float64 {
	for j := range grid {
		a := acc[j] / total
		if a >= target {
			if j == 0 {
				return math.Exp(grid[0])
			}
			a0 := acc[j-1] / total
			f := (target - a0) / (a - a0)
			return math.Exp(grid[j-1] + f*(grid[j]-grid[j-1]))
		}
	}
	return math.Exp(grid[len(grid)-1])
}

// breachShare is the share of rolling windows whose attainment at thr is
// below target.
func breachShare(s *series, dists []dist, ok []bool, w, step int, thr, target float64) float64 {
	days := len(s.total)
	num, den := make([]float64, days), make([]float64, days)
	lt := math.Log(thr)
	for i := range s.buckets {
		if !ok[i] {
			continue
		}
		b := &s.buckets[i]
		d := s.day[i]
		num[d] += float64(b.Requests) * dists[i].below(lt)
		den[d] += float64(b.Requests)
	}
	var n, miss int
	for end := days; end >= w; end -= step {
		var a, t float64
		for d := end - w; d < end; d++ {
			a += num[d]
			t += den[d]
		}
		if t == 0 {
			continue
		}
		n++
		if a/t < target {
			miss++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(miss) / float64(n)
}
