package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/slorec/slorec"
)

// series is one service's validated history, sorted, with the indexes that
// Availability and Latency share.
type series struct {
	// buckets are sorted by Start. When the caller's slice is already
	// sorted it is used as is, and never written.
	buckets []slorec.MetricBucket
	ts      []int64 // Start in Unix nanoseconds, per bucket
	width   time.Duration
	first   int64 // first bucket's start, Unix ns
	end     int64 // last bucket's start + width, Unix ns
	// cumGood and cumTotal are prefix sums over buckets (length n+1), so
	// any run of buckets sums in O(1).
	cumGood, cumTotal []int64
	// days are the bootstrap blocks: per-UTC-calendar-day sums, for the
	// days with traffic only.
	days []daySum
	// window is the window length used, in days; windows are the rolling
	// windows as bucket ranges [lo, hi), the latest first.
	window  int
	windows []span
	// short is set when the history is shorter than one day, so the only
	// window is the whole history.
	short bool
	q     Quality

	// Working memory of Availability and Latency, reused from one series
	// to the next through seriesPool; nothing a result holds points here.
	avail, boot []float64
	lat         latencyBuffers
}

// seriesPool recycles series with their buffers. A fleet run analyses
// thousands of histories of the same length; reusing the memory keeps it
// warm in cache and spares the garbage collector about 100 kB per
// service.
var seriesPool = sync.Pool{New: func() any { return new(series) }}

// newSeries returns an empty series that keeps a recycled one's buffers.
func newSeries() *series {
	old := seriesPool.Get().(*series)
	*old = series{
		ts: old.ts[:0], cumGood: old.cumGood[:0], cumTotal: old.cumTotal[:0],
		days: old.days[:0], windows: old.windows[:0],
		avail: old.avail[:0], boot: old.boot[:0], lat: old.lat,
	}
	return old
}

// release returns s to the pool; s must not be used afterwards.
func (s *series) release() {
	s.buckets = nil // do not pin the caller's history
	seriesPool.Put(s)
}

// resize returns a slice of length n, reusing buf's array when it is large
// enough. The elements are not cleared.
func resize[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n, n+n/8)
	}
	return buf[:n]
}

type daySum struct{ good, total int64 }

type span struct{ lo, hi int }

const day = 24 * time.Hour

// prepare validates, sorts and indexes buckets and fills their Quality.
// The series comes from seriesPool: the caller releases it when done, and
// prepare releases it itself on error.
func prepare(buckets []slorec.MetricBucket, opt Options) (*series, error) {
	s := newSeries()
	if err := s.fill(buckets, opt); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

func (s *series) fill(buckets []slorec.MetricBucket, opt Options) error {
	if len(buckets) == 0 {
		s.q.Reasons = []string{"no metrics"}
		return nil
	}
	n := len(buckets)
	s.ts = resize(s.ts, n)
	inOrder := true
	for i := range buckets {
		// Unix nanoseconds overflow outside 1678–2262; such timestamps
		// are surely wrong.
		if sec := buckets[i].Start.Unix(); sec < -9e9 || sec > 9e9 {
			return slorec.Errorf(slorec.EINVALID, "bucket %s: timestamp out of range", buckets[i].Start.Format(time.RFC3339))
		}
		s.ts[i] = buckets[i].Start.UnixNano()
		inOrder = inOrder && (i == 0 || s.ts[i] >= s.ts[i-1])
	}
	sorted := buckets // only read, never written
	if !inOrder {
		sorted = slices.Clone(buckets)
		slices.SortStableFunc(sorted, func(a, b slorec.MetricBucket) int { return a.Start.Compare(b.Start) })
		for i := range sorted {
			s.ts[i] = sorted[i].Start.UnixNano()
		}
	}
	svc := sorted[0].Service
	for i := range sorted {
		b := &sorted[i]
		if b.Service != svc {
			return slorec.Errorf(slorec.EINVALID, "buckets of two services (%q, %q) in one series", svc, b.Service)
		}
		if err := b.Validate(); err != nil {
			return slorec.Errorf(slorec.EINVALID, "bucket %s: %s", b.Start.Format(time.RFC3339), slorec.ErrorMessage(err))
		}
		if i > 0 && s.ts[i] == s.ts[i-1] {
			return slorec.Errorf(slorec.EINVALID, "two buckets at %s", b.Start.UTC().Format(time.RFC3339Nano))
		}
	}
	s.buckets = sorted
	s.width = modeGap(s.ts)
	s.first, s.end = s.ts[0], s.ts[n-1]+int64(s.width)
	hist := time.Duration(s.end - s.first)

	q := &s.q
	q.Buckets = n
	q.ExpectedBuckets = max(int(hist/s.width), n)
	q.Coverage = float64(n) / float64(q.ExpectedBuckets)
	q.HistoryDays = hist.Hours() / 24
	for i := 1; i < n; i++ {
		if s.ts[i]-s.ts[i-1] > int64(s.width) {
			q.Gaps++
		}
	}

	s.cumGood, s.cumTotal = resize(s.cumGood, n+1), resize(s.cumTotal, n+1)
	s.cumGood[0], s.cumTotal[0] = 0, 0
	dayOf := func(ts int64) int64 { return floorDiv(ts, int64(day)) }
	cur, sum := dayOf(s.ts[0]), daySum{}
	for i := range sorted {
		b := &sorted[i]
		s.cumGood[i+1] = s.cumGood[i] + b.Requests - b.Errors
		s.cumTotal[i+1] = s.cumTotal[i] + b.Requests
		if b.Requests == 0 {
			q.ZeroTraffic++
		}
		if d := dayOf(s.ts[i]); d != cur {
			if sum.total > 0 {
				s.days = append(s.days, sum)
			}
			cur, sum = d, daySum{}
		}
		sum.good += b.Requests - b.Errors
		sum.total += b.Requests
	}
	if sum.total > 0 {
		s.days = append(s.days, sum)
	}
	q.Requests = s.cumTotal[n]
	q.Errors = q.Requests - s.cumGood[n]

	s.rollingWindows(opt)
	s.drift()

	if q.Buckets < q.ExpectedBuckets {
		q.Reasons = append(q.Reasons, fmt.Sprintf("%d of %d expected %s buckets present (%.1f%% coverage, %d gaps)",
			q.Buckets, q.ExpectedBuckets, widthName(s.width), 100*q.Coverage, q.Gaps))
	}
	if q.ZeroTraffic > 0 {
		q.Reasons = append(q.Reasons, fmt.Sprintf("%d of %d buckets carry no traffic", q.ZeroTraffic, q.Buckets))
	}
	if q.ShortHistory {
		r := fmt.Sprintf("only %.1f days of history (%d-day windows need %d); windows shrunk to %d days", q.HistoryDays, opt.WindowDays, opt.WindowDays, s.window)
		if s.short {
			r = fmt.Sprintf("only %.1f days of history (%d-day windows need %d); one window over the whole history", q.HistoryDays, opt.WindowDays, opt.WindowDays)
		}
		if q.HistoryDays < 7 {
			r += "; under a week of history, so confidence must be low"
		}
		q.Reasons = append(q.Reasons, r)
	}
	var inWindows int64
	for _, w := range s.windows {
		inWindows += s.cumTotal[w.hi] - s.cumTotal[w.lo]
	}
	perWindow := float64(inWindows) / float64(len(s.windows))
	if q.Requests < lowVolumeTotal || perWindow < lowVolumePerWindow {
		q.LowVolume = true
		q.Reasons = append(q.Reasons, fmt.Sprintf("low volume: %d requests in all and %.0f per %d-day window on average (want at least %d and %d)",
			q.Requests, perWindow, s.window, lowVolumeTotal, lowVolumePerWindow))
	}
	return nil
}

// rollingWindows picks the window length and lays the windows out: each
// covers the buckets starting in [e − W, e), with e = end, end − step,
// end − 2·step, … while the window lies inside the history. A history
// shorter than the requested window shrinks it to its whole days (at
// least one); a history under a day is a single window.
func (s *series) rollingWindows(opt Options) {
	q := &s.q
	s.window = opt.WindowDays
	if q.HistoryDays < float64(opt.WindowDays) {
		q.ShortHistory = true
		s.window = max(1, int(math.Floor(q.HistoryDays+1e-9)))
	}
	w := int64(s.window) * int64(day)
	step := int64(opt.StepHours) * int64(time.Hour)
	for e := s.end; e-w >= s.first; e -= step {
		s.windows = append(s.windows, span{s.search(e - w), s.search(e)})
	}
	if len(s.windows) == 0 {
		s.short = true
		s.windows = []span{{0, len(s.buckets)}}
	}
}

// search returns the index of the first bucket starting at or after ts.
func (s *series) search(ts int64) int {
	return sort.Search(len(s.ts), func(i int) bool { return s.ts[i] >= ts })
}

// drift fills Quality.Drift from the buckets starting in the first third
// and in the last third of the history's span.
func (s *series) drift() {
	third := (s.end - s.first) / 3
	a := s.search(s.first + third)
	b := s.search(s.end - third)
	n := len(s.ts)
	first, ok1 := ratio(s.cumGood[a], s.cumTotal[a])
	last, ok2 := ratio(s.cumGood[n]-s.cumGood[b], s.cumTotal[n]-s.cumTotal[b])
	if ok1 && ok2 && b >= a {
		s.q.Drift = last - first
	}
}

// modeGap is the most common gap between consecutive timestamps (the
// smallest of equally common ones), or an hour for a single bucket.
func modeGap(ts []int64) time.Duration {
	if len(ts) < 2 {
		return time.Hour
	}
	// Regular series have a majority gap; Boyer–Moore finds it without a
	// map, and a count confirms it.
	cand, votes := int64(0), 0
	for i := 1; i < len(ts); i++ {
		g := ts[i] - ts[i-1]
		switch {
		case votes == 0:
			cand, votes = g, 1
		case g == cand:
			votes++
		default:
			votes--
		}
	}
	count := 0
	for i := 1; i < len(ts); i++ {
		if ts[i]-ts[i-1] == cand {
			count++
		}
	}
	if 2*count > len(ts)-1 {
		return time.Duration(cand)
	}
	gaps := make([]int64, len(ts)-1)
	for i := range gaps {
		gaps[i] = ts[i+1] - ts[i]
	}
	slices.Sort(gaps)
	best, bestN := gaps[0], 0
	for i := 0; i < len(gaps); {
		j := i
		for j < len(gaps) && gaps[j] == gaps[i] {
			j++
		}
		if j-i > bestN {
			best, bestN = gaps[i], j-i
		}
		i = j
	}
	return time.Duration(best)
}

// widthName names a bucket width for reasons: "hourly", "daily",
// "5-minute", …
func widthName(w time.Duration) string {
	switch {
	case w == time.Hour:
		return "hourly"
	case w == day:
		return "daily"
	case w == time.Minute:
		return "per-minute"
	case w%time.Hour == 0:
		return fmt.Sprintf("%d-hour", w/time.Hour)
	case w%time.Minute == 0:
		return fmt.Sprintf("%d-minute", w/time.Minute)
	case w%time.Second == 0:
		return fmt.Sprintf("%d-second", w/time.Second)
	}
	return w.String()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ratio(good, total int64) (float64, bool) {
	if total <= 0 {
		return 0, false
	}
	return float64(good) / float64(total), true
}
