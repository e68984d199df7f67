package prometheus

import (
	"slices"
	"strings"
	"time"

	"github.com/slorec/slorec"
)

// span is one range query's evaluation times: start, start+step, ..., end.
type span struct {
	start, end time.Time
}

// chunks splits the evaluation times start, start+step, ... (up to end)
// into spans of at most maxPoints times each. Prometheus evaluates a range
// query at floor((end-start)/step)+1 times; the spans continue one another
// on the same grid (each starts one step after the previous one ends), so
// together they hold every time exactly once.
func chunks(start, end time.Time, step time.Duration, maxPoints int) ([]span, error) {
	switch {
	case step <= 0:
		return nil, slorec.Errorf(slorec.EINVALID, "range query: step %s is not positive", step)
	case end.Before(start):
		return nil, slorec.Errorf(slorec.EINVALID, "range query: end %s is before start %s", stamp(end), stamp(start))
	case maxPoints < 1:
		return nil, slorec.Errorf(slorec.EINVALID, "range query: max points %d is not positive", maxPoints)
	}
	n := int64(end.Sub(start)/step) + 1
	last := start.Add(time.Duration(n-1) * step)
	per := int64(maxPoints)
	out := make([]span, 0, (n+per-1)/per)
	for i := int64(0); i < n; i += per {
		s := start.Add(time.Duration(i) * step)
		e := s.Add(time.Duration(per-1) * step)
		if e.After(last) {
			e = last
		}
		out = append(out, span{s, e})
	}
	return out, nil
}

// clip drops the points outside the span, so a server that answers a
// little more than it was asked for cannot make the stitched series
// repeat a time.
func clip(m Matrix, s span) Matrix {
	out := m[:0]
	for _, ser := range m {
		pts := slices.DeleteFunc(ser.Points, func(p Point) bool { return p.T.Before(s.start) || p.T.After(s.end) })
		if len(pts) > 0 {
			ser.Points = pts
			out = append(out, ser)
		}
	}
	return out
}

// stitch joins the answers of consecutive spans series by series. The
// spans are in time order and disjoint, so appending keeps every series in
// increasing time order without duplicates.
func stitch(parts []Matrix) Matrix {
	if len(parts) == 1 {
		return parts[0]
	}
	index := map[string]int{}
	var out Matrix
	for _, m := range parts {
		for _, ser := range m {
			key := labelString(ser.Labels)
			i, ok := index[key]
			if !ok {
				index[key] = len(out)
				out = append(out, Series{Labels: ser.Labels, Points: slices.Clone(ser.Points)})
				continue
			}
			out[i].Points = append(out[i].Points, ser.Points...)
		}
	}
	slices.SortFunc(out, func(a, b Series) int { return strings.Compare(labelString(a.Labels), labelString(b.Labels)) })
	return out
}
