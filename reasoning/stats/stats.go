package stats

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/slorec/slorec"
)

// Tier names a candidate target's ambition.
type Tier string

// Tiers, from the safest to the most ambitious.
const (
	Conservative Tier = "conservative" // met in >= 99% of rolling windows
	Balanced     Tier = "balanced"     // >= 95%
	Aspirational Tier = "aspirational" // >= 80%
)

// Tiers lists the tiers in order.
var Tiers = []Tier{Conservative, Balanced, Aspirational}

// Coverage is the share of rolling windows a tier's level must be met in.
func (t Tier) Coverage() float64 {
	switch t {
	case Conservative:
		return 0.99
	case Balanced:
		return 0.95
	case Aspirational:
		return 0.80
	}
	return 0.95
}

// DefaultLadder lists the availability targets a recommendation may take,
// ascending.
var DefaultLadder = []float64{0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99995, 0.99999}

// LatencyLadderMs lists round latency thresholds in milliseconds, ascending.
var LatencyLadderMs = []float64{1, 2, 5, 10, 20, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000, 60000}

// SnapDown returns the largest rung of ladder (ascending) at or below v, and
// false when v is below the lowest rung.
func SnapDown(v float64, ladder []float64) (float64, bool) {
	best, ok := 0.0, false
	for _, r := range ladder {
		if r <= v+1e-12 {
			best, ok = r, true
		}
	}
	return best, ok
}

// SnapUpMs returns the smallest round threshold at or above v; above the
// ladder, v rounded up to a whole second.
func SnapUpMs(v float64) float64 {
	for _, r := range LatencyLadderMs {
		if r >= v-1e-9 {
			return r
		}
	}
	return math.Ceil(v/1000) * 1000
}

// Options configure Availability and Latency. The zero value is the
// default.
type Options struct {
	// WindowDays is the rolling window length; zero means 28. It shrinks
	// to the history available, and the result says so.
	WindowDays int
	// StepHours is the window step, rounded to whole days; zero means 24.
	StepHours int
	// Resamples is the number of bootstrap resamples: zero means 1000, a
	// negative value skips the bootstrap.
	Resamples int
	// Seed seeds the bootstrap's PCG.
	Seed uint64
	// Ladder is the availability target ladder; nil means DefaultLadder.
	Ladder []float64
	// Headroom multiplies latency thresholds before snapping; zero means
	// 1.1.
	Headroom float64
}

func (o Options) withDefaults() Options {
	if o.WindowDays <= 0 {
		o.WindowDays = 28
	}
	if o.StepHours <= 0 {
		o.StepHours = 24
	}
	if o.Resamples == 0 {
		o.Resamples = 1000
	}
	if o.Ladder == nil {
		o.Ladder = DefaultLadder
	}
	if !(o.Headroom > 0) {
		o.Headroom = 1.1
	}
	return o
}

// Quality describes the data behind a result.
type Quality struct {
	// Buckets is the number of buckets; ExpectedBuckets the number the
	// history's span holds at the bucket width (the most common gap
	// between consecutive timestamps).
	Buckets         int     `json:"buckets"`
	ExpectedBuckets int     `json:"expected_buckets"`
	Coverage        float64 `json:"coverage"`
	HistoryDays     float64 `json:"history_days"`
	// Gaps counts runs of missing buckets.
	Gaps int `json:"gaps"`
	// ZeroTraffic counts buckets without requests.
	ZeroTraffic int   `json:"zero_traffic"`
	Requests    int64 `json:"requests"`
	Errors      int64 `json:"errors"`
	// ShortHistory is set when the history is shorter than the requested
	// window.
	ShortHistory bool `json:"short_history,omitempty"`
	// LowVolume is set when there are fewer than 10,000 requests in all,
	// or fewer than 1,000 per window on average: too few to resolve the
	// upper rungs of the ladder.
	LowVolume bool `json:"low_volume,omitempty"`
	// Drift is the availability of the last third of the history minus
	// that of the first third; zero when either has no traffic.
	Drift float64 `json:"drift"`
	// Reasons say, with numbers, what lowers trust in the result.
	Reasons []string `json:"reasons,omitempty"`
}

// series is a validated, sorted history summed per UTC day.
type series struct {
	buckets []slorec.MetricBucket // sorted by Start
	width   time.Duration
	day0    time.Time // first UTC day
	day     []int32   // day index of each bucket
	good    []int64   // per day index
	total   []int64
	q       Quality
}

// prepare validates and indexes buckets.
func prepare(buckets []slorec.MetricBucket, window int) (*series, error) {
	s := &series{}
	if len(buckets) == 0 {
		s.q.Reasons = []string{"no metrics"}
		return s, nil
	}
	svc := buckets[0].Service
	byStart := func(a, b slorec.MetricBucket) int { return a.Start.Compare(b.Start) }
	sorted := buckets // only read, never modified
	if !slices.IsSortedFunc(buckets, byStart) {
		sorted = slices.Clone(buckets)
		slices.SortFunc(sorted, byStart)
	}
	for i := range sorted {
		b := &sorted[i]
		if b.Service != svc {
			return nil, slorec.Errorf(slorec.EINVALID, "buckets of two services (%s, %s) in one series", svc, b.Service)
		}
		if err := b.Validate(); err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "bucket %s: %s", b.Start.Format(time.RFC3339), slorec.ErrorMessage(err))
		}
		if i > 0 && b.Start.Equal(sorted[i-1].Start) {
			return nil, slorec.Errorf(slorec.EINVALID, "two buckets at %s", b.Start.Format(time.RFC3339))
		}
	}
	s.buckets = sorted
	s.width = modeGap(sorted)
	first, last := sorted[0].Start, sorted[len(sorted)-1].Start
	span := last.Sub(first) + s.width
	q := &s.q
	q.Buckets = len(sorted)
	q.ExpectedBuckets = max(int(span/s.width), q.Buckets)
	q.Coverage = float64(q.Buckets) / float64(q.ExpectedBuckets)
	q.HistoryDays = span.Hours() / 24
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Start.Sub(sorted[i-1].Start) > s.width {
			q.Gaps++
		}
	}
	s.day0 = first.UTC().Truncate(24 * time.Hour)
	days := int(last.UTC().Truncate(24*time.Hour).Sub(s.day0)/(24*time.Hour)) + 1
	s.good, s.total = make([]int64, days), make([]int64, days)
	s.day = make([]int32, len(sorted))
	for i := range sorted {
		b := &sorted[i]
		d := int(b.Start.Sub(s.day0) / (24 * time.Hour))
		s.day[i] = int32(d)
		s.good[d] += b.Requests - b.Errors
		s.total[d] += b.Requests
		q.Requests += b.Requests
		q.Errors += b.Errors
		if b.Requests == 0 {
			q.ZeroTraffic++
		}
	}
	third := max(days/3, 1)
	if days >= 3 {
		a1, ok1 := ratio(sum(s.good[:third]), sum(s.total[:third]))
		a2, ok2 := ratio(sum(s.good[days-third:]), sum(s.total[days-third:]))
		if ok1 && ok2 {
			q.Drift = a2 - a1
		}
	}
	if q.Coverage < 0.999 {
		q.Reasons = append(q.Reasons, fmt.Sprintf("%d of %d expected buckets present (%.1f%% coverage, %d gaps)", q.Buckets, q.ExpectedBuckets, 100*q.Coverage, q.Gaps))
	}
	if q.ZeroTraffic > 0 {
		q.Reasons = append(q.Reasons, fmt.Sprintf("%d of %d buckets carry no traffic", q.ZeroTraffic, q.Buckets))
	}
	if q.HistoryDays < float64(window) {
		q.ShortHistory = true
		r := fmt.Sprintf("only %.1f days of history (%d-day windows need %d); windows shrunk to %d days", q.HistoryDays, window, window, max(1, int(q.HistoryDays)))
		if q.HistoryDays < 7 {
			r += "; under a week, so confidence must be low"
		}
		q.Reasons = append(q.Reasons, r)
	}
	windows := max(1, days-window+1)
	if q.Requests < 10000 || q.Requests/int64(windows) < 1000 {
		q.LowVolume = true
		q.Reasons = append(q.Reasons, fmt.Sprintf("low volume: %d requests in all", q.Requests))
	}
	return s, nil
}

// modeGap is the most common gap between consecutive timestamps, or an
// hour for a single bucket.
func modeGap(sorted []slorec.MetricBucket) time.Duration {
	counts := map[time.Duration]int{}
	best, n := time.Hour, 0
	for i := 1; i < len(sorted); i++ {
		g := sorted[i].Start.Sub(sorted[i-1].Start)
		counts[g]++
		if c := counts[g]; c > n || (c == n && g < best) {
			best, n = g, c
		}
	}
	return best
}

func sum(v []int64) int64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return s
}

func ratio(good, total int64) (float64, bool) {
	if total <= 0 {
		return 0, false
	}
	return float64(good) / float64(total), true
}

// windowDays returns the window actually used for a history of the given
// number of whole days.
func windowDays(requested int, q Quality) int {
	if q.ShortHistory {
		return max(1, int(q.HistoryDays))
	}
	return requested
}

// lowerQuantile returns a[⌊(1−coverage)·n⌋] of ascending a: the largest
// value that at least coverage of the values reach.
func lowerQuantile(a []float64, coverage float64) float64 {
	k := int(math.Floor((1 - coverage) * float64(len(a))))
	return a[min(k, len(a)-1)]
}

// upperQuantile returns the smallest value of ascending a that at least
// coverage of the values stay at or below.
func upperQuantile(a []float64, coverage float64) float64 {
	k := int(math.Ceil(coverage*float64(len(a)))) - 1
	return a[max(0, min(k, len(a)-1))]
}
