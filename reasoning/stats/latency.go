package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/slorec/slorec"
)

// LatencyCandidate is one tier's latency threshold for the objective
// percentile.
type LatencyCandidate struct {
	Tier Tier `json:"tier"`
	// ThresholdMs is SnapUpMs(RawMs × headroom).
	ThresholdMs float64 `json:"threshold_ms"`
	// RawMs is the coverage-quantile (upper side) of the windows' smallest
	// attaining thresholds: the threshold the tier's share of windows
	// attained.
	RawMs float64 `json:"raw_ms"`
	// Attainment is the estimated share of all requests at or under
	// ThresholdMs over the whole history.
	Attainment float64 `json:"attainment"`
	// BreachProbability is the share of rolling windows whose attainment
	// at ThresholdMs is below Percentile/100 (empirical, over the real
	// windows).
	BreachProbability float64 `json:"breach_probability"`
}

// LatencyResult is the latency evidence of one service.
type LatencyResult struct {
	HasData bool `json:"has_data"`
	// Percentile is the objective's percentile, "Percentile% of requests
	// at or under the threshold": 95 when any bucket has a p95, else 99,
	// else 50.
	Percentile float64 `json:"percentile"`
	// Source says which data the thresholds came from.
	Source string `json:"source"`
	// WindowDays is the window length used and Windows the number of
	// rolling windows with latency data and traffic.
	WindowDays int                `json:"window_days"`
	Windows    int                `json:"windows"`
	Candidates []LatencyCandidate `json:"candidates"`
	Quality    Quality            `json:"quality"`
}

// sigmaDefault is the log-space spread of the tails when a bucket's known
// percentiles do not spread (a single one, or equal values): a lognormal
// with σ = 0.5 puts p99 at 3.2 × p50, typical of request latency.
const sigmaDefault = 0.5

// The standard normal CDF Φ is tabulated on [−normZMax, normZMax] in steps
// of 1/normSteps and interpolated linearly: the tails are evaluated
// millions of times per fleet, and math.Erfc would dominate the cost. The
// interpolation error is at most h²/8 · max d²Φ/dz² = 3e-5 (h = 1/32),
// and under 1e-5 beyond z = 2.
const (
	normZMax  = 8
	normSteps = 32
	normN     = 2*normZMax*normSteps + 1
)

// normTable holds Φ at the table's points. It is computed once, when the
// package is initialised, and only read afterwards.
var normTable = func() (t [normN]float64) {
	for i := range t {
		z := float64(i)/normSteps - normZMax
		t[i] = 0.5 * math.Erfc(-z/math.Sqrt2)
	}
	return t
}()

// phi is the tabulated standard normal CDF.
func phi(z float64) float64 {
	u := (z + normZMax) * normSteps
	switch {
	case !(u > 0): // also NaN
		return normTable[0]
	case u >= normN-1:
		return normTable[normN-1]
	}
	i := int(u)
	f := u - float64(i)
	return normTable[i] + f*(normTable[i+1]-normTable[i])
}

// phiInv inverts phi exactly (so the tails invert consistently).
func phiInv(y float64) float64 {
	switch {
	case y <= normTable[0]:
		return -normZMax
	case y >= normTable[normN-1]:
		return normZMax
	}
	i := sort.SearchFloat64s(normTable[:], y) // normTable[i-1] < y <= normTable[i]
	a, b := normTable[i-1], normTable[i]
	f := 0.0
	if b > a {
		f = (y - a) / (b - a)
	}
	return (float64(i-1)+f)/normSteps - normZMax
}

// latencyBuffers is the working memory of latency, one element per
// bucket (cumW and frac one more), kept with a recycled series.
type latencyBuffers struct {
	dists                  []dist
	weight, cumW, qs, frac []float64
	// Per window (solveWindows): the windows with data, their
	// thresholds and brackets, the bucket indexes their sums are taken
	// at, and the grid sums.
	wins, ends      []span
	tw              []float64
	br              []bracket
	bounds          []int
	grid, sums, acc []float64
}

// bracket is a window's search interval in log latency, with attainment
// below target at l and at least target at h (NaN until evaluated).
type bracket struct {
	l, h   float64
	al, ah float64
}

// dist is a bucket's latency distribution F(log t), known at up to three
// percentiles.
type dist struct {
	n     int
	lx    [3]float64 // log latency of the known points, non-decreasing
	p     [3]float64 // their probabilities, increasing
	slope [2]float64 // (p[i+1]−p[i]) / (lx[i+1]−lx[i]), 0 on a tie
	// The tails follow the lognormal (mu, 1/invSig) through the outermost
	// points, scaled by cLo and cHi so they meet those points exactly.
	mu, invSig float64
	cLo, cHi   float64
}

// The known points: p50, p95, p99, their standard normal quantiles, and
// the tail scale factors p/Φ(z) and (1 − p)/(1 − Φ(z)) of a lognormal
// fitted through them (1 up to the table's error). Read-only.
var (
	knotP  = [3]float64{0.50, 0.95, 0.99}
	knotZ  = [3]float64{0, 1.6448536269514722, 2.3263478740408408}
	knotLo = [3]float64{knotP[0] / phi(knotZ[0]), knotP[1] / phi(knotZ[1]), knotP[2] / phi(knotZ[2])}
	knotHi = [3]float64{(1 - knotP[0]) / (1 - phi(knotZ[0])), (1 - knotP[1]) / (1 - phi(knotZ[1])), (1 - knotP[2]) / (1 - phi(knotZ[2]))}
)

func newDist(b *slorec.MetricBucket) (dist, bool) {
	var d dist
	ok := d.init(b)
	return d, ok
}

// init sets d to b's distribution; false when b has no percentile.
func (d *dist) init(b *slorec.MetricBucket) bool {
	n := 0
	var first, last int
	for k, v := range [3]float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
		if !(v > 0) || v > math.MaxFloat64 {
			continue
		}
		lx := fastLog(v)
		if n > 0 { // a lower value at a higher percentile: read it as a tie
			lx = max(lx, d.lx[n-1])
		} else {
			first = k
		}
		d.lx[n], d.p[n] = lx, knotP[k]
		last = k
		n++
	}
	d.n = n
	if n == 0 {
		return false
	}
	for i := range n - 1 {
		d.slope[i] = 0
		if d.lx[i+1] > d.lx[i] {
			d.slope[i] = (d.p[i+1] - d.p[i]) / (d.lx[i+1] - d.lx[i])
		}
	}
	if spread := d.lx[n-1] - d.lx[0]; spread > 0 {
		// The lognormal through the outermost points meets them at their
		// own quantiles, so the scale factors are the knots' constants.
		d.invSig = (knotZ[last] - knotZ[first]) / spread
		d.mu = d.lx[0] - knotZ[first]/d.invSig
		d.cLo, d.cHi = knotLo[first], knotHi[last]
		return true
	}
	d.invSig = 1 / sigmaDefault
	d.mu = d.lx[0] - knotZ[first]*sigmaDefault
	d.cLo = knotLo[first]
	d.cHi = (1 - d.p[n-1]) / (1 - phi(knotZ[first]))
	return true
}

// below returns F(lt), the share of requests at or under exp(lt).
func (d *dist) below(lt float64) float64 {
	if lt < d.lx[0] {
		return d.cLo * phi((lt-d.mu)*d.invSig)
	}
	last := d.n - 1
	if lt >= d.lx[last] {
		if lt == d.lx[last] {
			return d.p[last]
		}
		return 1 - d.cHi*(1-phi((lt-d.mu)*d.invSig))
	}
	for i := 1; i <= last; i++ {
		if lt < d.lx[i] {
			return d.p[i-1] + (lt-d.lx[i-1])*d.slope[i-1]
		}
	}
	return d.p[last] // unreachable
}

// addTo adds w·F(grid_j) to acc[j] for ascending grid; it equals
// below point by point, walking the pieces once.
func (d *dist) addTo(acc, grid []float64, w float64) {
	j, k := 0, len(grid)
	for ; j < k && grid[j] < d.lx[0]; j++ {
		acc[j] += w * d.cLo * phi((grid[j]-d.mu)*d.invSig)
	}
	for i := 1; i < d.n; i++ {
		p, lx, slope := d.p[i-1], d.lx[i-1], d.slope[i-1]
		for ; j < k && grid[j] < d.lx[i]; j++ {
			acc[j] += w * (p + (grid[j]-lx)*slope)
		}
	}
	last := d.n - 1
	for ; j < k && grid[j] == d.lx[last]; j++ {
		acc[j] += w * d.p[last]
	}
	for ; j < k; j++ {
		acc[j] += w * (1 - d.cHi*(1-phi((grid[j]-d.mu)*d.invSig)))
	}
}

// quantile returns the log latency at which F reaches p in (0, 1): the
// inverse of below, up to the table's range in the tails.
func (d *dist) quantile(p float64) float64 {
	last := d.n - 1
	if p < d.p[0] {
		return d.mu + phiInv(p/d.cLo)/d.invSig
	}
	if p > d.p[last] {
		return d.mu + phiInv(1-(1-p)/d.cHi)/d.invSig
	}
	for i := 0; i <= last; i++ {
		if p <= d.p[i] {
			if i == 0 || d.slope[i-1] == 0 {
				return d.lx[i]
			}
			return d.lx[i-1] + (p-d.p[i-1])/d.slope[i-1]
		}
	}
	return d.lx[last]
}

// FractionBelow estimates the share of a bucket's requests at or under t
// milliseconds from its percentiles; false when the bucket has none.
//
// With the known points (log p50, 0.50), (log p95, 0.95), (log p99, 0.99)
// (missing ones skipped), the CDF in log latency is linear between
// neighbouring points. Below the lowest point and above the highest it
// follows the lognormal through the two outermost points (σ = 0.5 when
// there is one point or they coincide), scaled to meet the points exactly:
//
//	F(t) = p_lo · Φ(z(t)) / Φ(z(t_lo))                     for t < t_lo
//	F(t) = 1 − (1 − p_hi) · (1 − Φ(z(t))) / (1 − Φ(z(t_hi)))  for t > t_hi
//	z(t) = (ln t − μ) / σ
//
// With an exact Φ the scale factors are 1; Φ is tabulated (error below
// 3e-5) and the factors keep F continuous. A percentile below a lower
// one is read as equal to it. F is right-continuous: at a point shared by
// several percentiles it is the highest of them.
func FractionBelow(b slorec.MetricBucket, t float64) (float64, bool) {
	d, ok := newDist(&b)
	if !ok {
		return 0, false
	}
	if !(t > 0) {
		return 0, true
	}
	return d.below(math.Log(t)), true
}

// Attainment is the request-weighted mean of FractionBelow over the
// buckets with latency data (each such bucket counts once when none has
// requests); false when no bucket has latency data.
func Attainment(buckets []slorec.MetricBucket, thresholdMs float64) (float64, bool) {
	lt := math.Inf(-1)
	if thresholdMs > 0 {
		lt = math.Log(thresholdMs)
	}
	var num, den, plain float64
	n := 0
	for i := range buckets {
		d, ok := newDist(&buckets[i])
		if !ok {
			continue
		}
		f := 0.0
		if thresholdMs > 0 {
			f = d.below(lt)
		}
		w := float64(buckets[i].Requests)
		num += w * f
		den += w
		plain += f
		n++
	}
	switch {
	case n == 0:
		return 0, false
	case den > 0:
		return num / den, true
	}
	return plain / float64(n), true
}

// Latency computes latency thresholds for one service's history (see the
// package documentation for the method). Its errors are those of
// Availability; without latency data HasData is false.
func Latency(buckets []slorec.MetricBucket, opt Options) (LatencyResult, error) {
	opt = opt.withDefaults()
	s, err := prepare(buckets, opt)
	if err != nil {
		return LatencyResult{}, err
	}
	defer s.release()
	return latency(s, opt), nil
}

// Search of the windows' smallest attaining thresholds T_w. Every window
// keeps a bracket [l, h] in log latency with attainment below target at l
// and at least target at h; at first [min q, max q] over the buckets'
// own quantiles q at the target, since a mixture's quantile lies between
// its components' quantiles. Each round evaluates every bucket's CDF on a
// geometric grid of gridPoints thresholds spanning the union of the
// brackets, and narrows each bracket to the grid points around its
// crossing. The first round spans only the buckets' quantiles at ranks
// 25% to 98% (where T_w fell in tests on noisy series), which usually
// brackets every window on a much narrower grid; a window it misses keeps
// the part of its bracket beyond, which the next round covers. When all
// brackets are narrower than gridTolerance (3%), T_w is interpolated
// linearly (in log latency) inside its bracket. A round that cannot halve
// the span (windows that disagree widely) is followed by one on
// gridFinePoints points, and after gridRounds rounds the brackets stand
// as they are.
const (
	gridPoints     = 8
	gridFinePoints = 64
	gridRounds     = 8
	gridTolerance  = 0.029558802241544403 // ln 1.03
	firstRankLo    = 0.25
	firstRankHi    = 0.98
)

func latency(s *series, opt Options) LatencyResult {
	res := LatencyResult{Quality: s.q}
	res.Quality.Reasons = slices.Clone(s.q.Reasons)
	if len(s.buckets) == 0 {
		return res
	}
	var has [3]int
	n := len(s.buckets)
	buf := &s.lat
	buf.dists = resize(buf.dists, n)
	buf.weight = resize(buf.weight, n) // requests of buckets with latency data
	buf.cumW = resize(buf.cumW, n+1)
	dists, weight, cumW := buf.dists, buf.weight, buf.cumW
	cumW[0] = 0
	withData := 0
	for i := range s.buckets {
		b := &s.buckets[i]
		for j, v := range [3]float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
			if v > 0 {
				has[j]++
			}
		}
		weight[i] = 0
		if dists[i].init(b) {
			withData++
			weight[i] = float64(b.Requests)
		}
		cumW[i+1] = cumW[i] + weight[i]
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
	var present []string
	for j, name := range []string{"p50", "p95", "p99"} {
		if has[j] > 0 {
			present = append(present, name)
		}
	}
	res.Source = fmt.Sprintf("%s p%v series, %d buckets with latency (%s present)", widthName(s.width), res.Percentile, withData, strings.Join(present, "/"))
	if withData < len(s.buckets) {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("%d of %d buckets carry no latency percentiles", len(s.buckets)-withData, len(s.buckets)))
	}
	target := res.Percentile / 100
	res.WindowDays = s.window

	// Windows with latency data and traffic, and the search range: a
	// mixture's quantile lies between its components' quantiles.
	wins := buf.wins[:0]
	for _, w := range s.windows {
		if cumW[w.hi]-cumW[w.lo] > 0 {
			wins = append(wins, w)
		}
	}
	if len(wins) == 0 {
		res.Quality.Reasons = append(res.Quality.Reasons, "no rolling window has both latency percentiles and traffic")
		return res
	}
	if skipped := len(s.windows) - len(wins); skipped > 0 {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("%d of %d rolling windows lack latency data or traffic and were skipped", skipped, len(s.windows)))
	}
	qs := buf.qs[:0]
	for i := range dists {
		if weight[i] > 0 {
			qs = append(qs, dists[i].quantile(target))
		}
	}
	buf.qs, buf.wins = qs, wins
	tw := solveWindows(buf, dists, weight, cumW, wins, qs, target)
	slices.Sort(tw)
	res.HasData = true
	res.Windows = len(tw)
	if len(tw) < 20 {
		res.Quality.Reasons = append(res.Quality.Reasons, fmt.Sprintf("latency tiers rest on only %d rolling %d-day windows", len(tw), s.window))
	}

	// Candidates. The upper quantile grows with coverage and SnapUpMs is
	// monotone, so conservative >= balanced >= aspirational; tiers that
	// snap to one threshold share its figures.
	buf.frac = resize(buf.frac, n+1) // prefix sums of weight·F(threshold)
	frac := buf.frac
	frac[0] = 0
	res.Candidates = make([]LatencyCandidate, len(Tiers))
	for i, t := range Tiers {
		raw := upperQuantile(tw, t.Coverage())
		c := LatencyCandidate{Tier: t, RawMs: raw, ThresholdMs: SnapUpMs(raw * opt.Headroom)}
		if i > 0 && res.Candidates[i-1].ThresholdMs == c.ThresholdMs {
			prev := res.Candidates[i-1]
			c.Attainment, c.BreachProbability = prev.Attainment, prev.BreachProbability
		} else {
			lt := math.Log(c.ThresholdMs)
			for j := range dists {
				f := 0.0
				if weight[j] > 0 {
					f = weight[j] * dists[j].below(lt)
				}
				frac[j+1] = frac[j] + f
			}
			c.Attainment = frac[n] / cumW[n]
			miss := 0
			for _, w := range wins {
				if (frac[w.hi]-frac[w.lo])/(cumW[w.hi]-cumW[w.lo]) < target {
					miss++
				}
			}
			c.BreachProbability = float64(miss) / float64(len(wins))
		}
		res.Candidates[i] = c
	}
	return res
}

// solveWindows returns, per window, the smallest threshold (ms) at which
// the window's request-weighted attainment reaches target (see
// gridPoints). qs are the log quantiles at target of the buckets with
// weight; they are reordered.
//
// Its working memory comes from buf, and the result is buf.tw.
func solveWindows(buf *latencyBuffers, dists []dist, weight, cumW []float64, wins []span, qs []float64, target float64) []float64 {
	buf.tw = resize(buf.tw, len(wins))
	out := buf.tw
	lo, hi := slices.Min(qs), slices.Max(qs)
	if hi-lo < 1e-12 {
		for i := range out {
			out[i] = math.Exp(lo)
		}
		return out
	}
	buf.br = resize(buf.br, len(wins))
	br := buf.br
	for i := range br {
		br[i] = bracket{lo, hi, math.NaN(), math.NaN()}
	}
	// Window sums are differences of running sums taken at the windows'
	// ends: bounds lists those bucket indexes, ascending.
	bounds := buf.bounds[:0]
	for _, w := range wins {
		bounds = append(bounds, w.lo, w.hi)
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	at := func(i int) int { j, _ := slices.BinarySearch(bounds, i); return j }
	buf.bounds = bounds
	buf.ends = resize(buf.ends, len(wins))
	ends := buf.ends // positions in bounds
	for wi, w := range wins {
		ends[wi] = span{at(w.lo), at(w.hi)}
	}
	L := nth(qs, int(firstRankLo*float64(len(qs)-1)))
	H := nth(qs, int(firstRankHi*float64(len(qs)-1)))
	if H-L < gridTolerance {
		L, H = lo, hi
	}
	points := gridPoints
	grid, sums, acc := buf.grid, buf.sums, buf.acc
	defer func() { buf.grid, buf.sums, buf.acc = grid, sums, acc }()
	for range gridRounds {
		k := points
		if (H-L)/float64(k-1) < gridTolerance {
			k = max(2, int(math.Ceil((H-L)/gridTolerance))+1)
		}
		grid = grid[:0]
		for j := range k {
			grid = append(grid, L+(H-L)*float64(j)/float64(k-1))
		}
		// sums[b·k + j] = Σ over buckets bounds[0]..bounds[b]−1 of
		// weight·F(grid_j).
		sums = slices.Grow(sums[:0], len(bounds)*k)[:len(bounds)*k]
		acc = slices.Grow(acc[:0], k)[:k]
		clear(acc)
		clear(sums[:k])
		i := bounds[0]
		for b := 1; b < len(bounds); b++ {
			for ; i < bounds[b]; i++ {
				if weight[i] > 0 {
					dists[i].addTo(acc, grid, weight[i])
				}
			}
			copy(sums[b*k:(b+1)*k], acc)
		}
		done := true
		nL, nH := math.Inf(1), math.Inf(-1)
		for wi, w := range wins {
			b := &br[wi]
			e := ends[wi]
			a0, a1 := sums[e.lo*k:(e.lo+1)*k], sums[e.hi*k:(e.hi+1)*k]
			total := cumW[w.hi] - cumW[w.lo]
			for j, g := range grid {
				if g < b.l || g > b.h {
					continue
				}
				a := (a1[j] - a0[j]) / total
				if a >= target {
					b.h, b.ah = g, a
					break
				}
				b.l, b.al = g, a
			}
			settled := b.h-b.l < gridTolerance && !math.IsNaN(b.ah) && (!math.IsNaN(b.al) || b.h == b.l)
			done = done && settled
			if !settled {
				nL, nH = min(nL, b.l), max(nH, b.h)
			}
		}
		if done {
			break
		}
		points = gridPoints
		if nH-nL > (H-L)/2 {
			points = gridFinePoints
		}
		L, H = nL, nH
	}
	for wi, b := range br {
		switch {
		case math.IsNaN(b.ah): // not reached inside [lo, hi]: only by rounding
			out[wi] = math.Exp(b.h)
		case math.IsNaN(b.al) || b.ah <= b.al:
			out[wi] = math.Exp(b.h)
		default:
			f := (target - b.al) / (b.ah - b.al)
			out[wi] = math.Exp(b.l + f*(b.h-b.l))
		}
	}
	return out
}

// Threshold is the inverse of Attainment: the smallest latency t (ms) at
// which the request-weighted share of requests at or under t, over all
// buckets, reaches p/100, found as a window threshold T_w is (see
// solveWindows). It is false when p is not in (0, 100) or no bucket has
// both latency percentiles and requests.
func Threshold(buckets []slorec.MetricBucket, p float64) (float64, bool) {
	if !(p > 0 && p < 100) {
		return 0, false
	}
	n := len(buckets)
	dists := make([]dist, n)
	weight := make([]float64, n)
	cumW := make([]float64, n+1)
	qs := make([]float64, 0, n)
	for i := range buckets {
		if dists[i].init(&buckets[i]) && buckets[i].Requests > 0 {
			weight[i] = float64(buckets[i].Requests)
			qs = append(qs, dists[i].quantile(p/100))
		}
		cumW[i+1] = cumW[i] + weight[i]
	}
	if len(qs) == 0 {
		return 0, false
	}
	return solveWindows(&latencyBuffers{}, dists, weight, cumW, []span{{0, n}}, qs, p/100)[0], true
}
