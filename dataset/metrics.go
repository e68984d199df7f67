package dataset

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slorec/slorec"
)

// MetricsHeader is the exact header line of metrics.csv.
const MetricsHeader = "timestamp,service,requests,errors,latency_p50_ms,latency_p95_ms,latency_p99_ms"

const metricsFields = 7

var metricsColumns = strings.Split(MetricsHeader, ",")

// MetricsOptions configures ReadMetrics.
type MetricsOptions struct {
	// Now bounds timestamps: a row after Now is a problem. Zero means
	// time.Now().
	Now time.Time
	// Services, when not nil, is the set of known services; rows naming
	// any other service are problems.
	Services map[string]bool
}

// ReadMetrics reads a metrics.csv stream: the header MetricsHeader, then one
// row per service per bucket. It returns every problem found (up to
// MaxProblems) as a *ValidationError whose problems carry the file
// "metrics.csv", the line and the column.
func ReadMetrics(r io.Reader, opt MetricsOptions) ([]slorec.MetricBucket, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	var sizeHint int64
	if l, ok := r.(interface{ Len() int }); ok { // bytes.Reader, strings.Reader
		sizeHint = int64(l.Len())
	}
	c := &collector{}
	ms, err := readMetrics(r, MetricsFile, opt.Services, now, sizeHint, c)
	if err != nil {
		return nil, err
	}
	if err := c.err(""); err != nil {
		return nil, err
	}
	return ms, nil
}

// series is the per-service state of the ordering check.
type series struct {
	name     string
	last     time.Time
	lastLine int
}

// readMetrics parses metrics rows into buckets, adding problems to c. The
// returned error is an I/O error only. sizeHint (the file size, if known)
// presizes the result: a month of hourly rows for 10k services is 7.2M
// buckets, and regrowing that slice would copy gigabytes.
func readMetrics(r io.Reader, file string, nodes map[string]bool, now time.Time, sizeHint int64, c *collector) ([]slorec.MetricBucket, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // counted below, with a clearer message

	header, err := cr.Read()
	switch {
	case err == io.EOF:
		c.add(Problem{File: file, Line: 1, Field: "header", Message: fmt.Sprintf("empty file: want the header %q", MetricsHeader)})
		return nil, nil
	case err != nil:
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		c.add(Problem{File: file, Line: pe.Line, Field: "header", Message: fmt.Sprintf("malformed CSV: %v; want the header %q", pe.Err, MetricsHeader)})
		return nil, nil
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff") // tolerate a UTF-8 byte order mark
	if got := strings.Join(header, ","); got != MetricsHeader {
		c.add(Problem{File: file, Line: 1, Field: "header", Message: fmt.Sprintf("got %q, want %q", got, MetricsHeader)})
		return nil, nil
	}

	var out []slorec.MetricBucket
	if sizeHint > 0 {
		// Rows are 60-100 bytes; err towards over-allocating a little.
		out = make([]slorec.MetricBucket, 0, min(sizeHint/55+1, 1<<26))
	}
	var (
		seriesBy = map[string]*series{}
		reported = map[string]bool{} // bad or unknown service names, reported once
		tcache   = map[string]time.Time{}
		line     int
		ok       bool
	)
	bad := func(field, format string, args ...any) {
		ok = false
		c.add(Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if c.full() {
			c.truncated = true // more input, no room to report on it
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("read %s: %w", file, err)
			}
			c.add(Problem{File: file, Line: pe.Line, Field: "row", Message: "malformed CSV: " + pe.Err.Error()})
			continue
		}
		line, _ = cr.FieldPos(0)
		ok = true
		if len(rec) != metricsFields {
			bad("row", "%d fields, want %d (%s)", len(rec), metricsFields, MetricsHeader)
			continue
		}

		ts, tsOK := tcache[rec[0]]
		if !tsOK {
			var msg string
			if ts, msg = parseTimestamp(rec[0]); msg != "" {
				bad("timestamp", "%s", msg)
			} else {
				tsOK = true
				if len(tcache) < 1<<16 {
					tcache[strings.Clone(rec[0])] = ts
				}
			}
		}
		if tsOK && ts.After(now) {
			bad("timestamp", "%s is in the future (now is %s)", rec[0], now.UTC().Format(time.RFC3339))
		}

		st := seriesBy[rec[1]]
		if st == nil {
			name := rec[1]
			switch why := checkID(name); {
			case why != "":
				if !reported[name] {
					reported[strings.Clone(name)] = true
					bad("service", "%s", why)
				}
				ok = false
			case nodes != nil && !nodes[name]:
				if !reported[name] {
					reported[strings.Clone(name)] = true
					bad("service", "unknown service %q (not in topology.json; reported on its first row only)", name)
				}
				ok = false
			default:
				st = &series{name: strings.Clone(name)}
				seriesBy[st.name] = st
			}
		}

		req, msg := parseCount(rec[2])
		if msg != "" {
			bad("requests", "%s", msg)
		}
		errs, emsg := parseCount(rec[3])
		if emsg != "" {
			bad("errors", "%s", emsg)
		}
		if msg == "" && emsg == "" && errs > req {
			bad("errors", "%d exceeds requests %d", errs, req)
		}
		var lat [3]float64
		for i := range lat {
			v, msg := parseLatency(rec[4+i])
			if msg != "" {
				bad(metricsColumns[4+i], "%s", msg)
			}
			lat[i] = v
		}
		p50, p95, p99 := lat[0], lat[1], lat[2]
		if p50 > 0 && p95 > 0 && p95 < p50 {
			bad("latency_p95_ms", "%v is below latency_p50_ms %v", p95, p50)
		}
		if p95 > 0 && p99 > 0 && p99 < p95 {
			bad("latency_p99_ms", "%v is below latency_p95_ms %v", p99, p95)
		} else if p50 > 0 && p99 > 0 && p99 < p50 {
			bad("latency_p99_ms", "%v is below latency_p50_ms %v", p99, p50)
		}

		if st != nil && tsOK {
			if st.lastLine > 0 && !ts.After(st.last) {
				what := "before"
				if ts.Equal(st.last) {
					what = "a duplicate of"
				}
				bad("timestamp", "%s is %s the previous row of %q (line %d, %s); each service's rows must be in increasing time order",
					rec[0], what, st.name, st.lastLine, st.last.Format(time.RFC3339))
			} else {
				st.last, st.lastLine = ts, line
			}
		}
		if ok {
			out = append(out, slorec.MetricBucket{
				Service: st.name, Start: ts, Requests: req, Errors: errs,
				LatencyP50Ms: p50, LatencyP95Ms: p95, LatencyP99Ms: p99,
			})
		}
	}
	return out, nil
}

// parseTimestamp parses an RFC 3339 UTC timestamp, returning a message when
// it is not one.
func parseTimestamp(s string) (time.Time, string) {
	if n := len(s); n < len("2006-01-02T15:04:05Z") || s[n-1] != 'Z' {
		return time.Time{}, fmt.Sprintf("%q is not an RFC 3339 UTC timestamp (want e.g. 2026-10-01T13:00:00Z)", s)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Sprintf("%q is not an RFC 3339 UTC timestamp (want e.g. 2026-10-01T13:00:00Z)", s)
	}
	return t, ""
}

// parseCount parses a request or error count: a non-negative base-10
// integer.
func parseCount(s string) (int64, string) {
	if s == "" {
		return 0, "required"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		if n < 0 {
			return 0, fmt.Sprintf("%d is negative", n)
		}
		return n, ""
	}
	f, ferr := strconv.ParseFloat(s, 64)
	switch {
	case ferr == nil && (math.IsNaN(f) || math.IsInf(f, 0)):
		return 0, fmt.Sprintf("%q is not a finite number", s)
	case ferr == nil && f < 0:
		return 0, fmt.Sprintf("%q is negative", s)
	case ferr == nil && f != math.Trunc(f):
		return 0, fmt.Sprintf("%q is not an integer", s)
	case errors.Is(err, strconv.ErrRange) || (ferr == nil && f > math.MaxInt64):
		return 0, fmt.Sprintf("%q is out of range", s)
	case ferr == nil:
		return 0, fmt.Sprintf("%q is not written as a plain integer", s)
	}
	return 0, fmt.Sprintf("%q is not a number", s)
}

// parseLatency parses a latency in milliseconds; an empty cell is 0 (no
// data).
func parseLatency(s string) (float64, string) {
	if s == "" {
		return 0, ""
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Sprintf("%q is out of range", s)
	case err != nil:
		return 0, fmt.Sprintf("%q is not a number", s)
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Sprintf("%q is not a finite number", s)
	case f < 0:
		return 0, fmt.Sprintf("%q is negative", s)
	}
	return f, ""
}

// checkMetrics validates buckets held in memory, with the rules ReadMetrics
// applies to rows; problems are located by index (metrics[i]).
func checkMetrics(ms []slorec.MetricBucket, nodes map[string]bool, now time.Time, c *collector) {
	last := map[string]int{}
	reported := map[string]bool{}
	for i := range ms {
		if c.full() {
			return
		}
		b := &ms[i]
		path := "metrics[" + strconv.Itoa(i) + "]"
		add := func(field, msg string) {
			c.add(Problem{File: MetricsFile, Path: join(path, field), Field: field, Message: msg})
		}
		if err := b.Validate(); err != nil {
			f, msg := fieldOf(slorec.ErrorMessage(err))
			add(f, msg)
		}
		if why := checkID(b.Service); why != "" && b.Service != "" {
			add("service", why)
		} else if nodes != nil && b.Service != "" && !nodes[b.Service] && !reported[b.Service] {
			reported[b.Service] = true
			add("service", fmt.Sprintf("unknown service %q (not in topology.json; reported on its first row only)", b.Service))
		}
		if b.Start.After(now) {
			add("timestamp", fmt.Sprintf("%s is in the future (now is %s)", b.Start.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
		}
		if j, seen := last[b.Service]; seen && !b.Start.After(ms[j].Start) {
			add("timestamp", fmt.Sprintf("%s is not after metrics[%d] of %q (%s); each service's buckets must be in increasing time order",
				b.Start.UTC().Format(time.RFC3339), j, b.Service, ms[j].Start.UTC().Format(time.RFC3339)))
			continue
		}
		last[b.Service] = i
	}
}

// writeMetrics writes metrics.csv: rows sorted by (timestamp, service),
// timestamps in RFC 3339 UTC, latencies rounded to 0.1 ms with no trailing
// zeros, and an empty cell for a zero (absent) latency.
func writeMetrics(w io.Writer, ms []slorec.MetricBucket) error {
	less := func(a, b slorec.MetricBucket) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.Service, b.Service)
	}
	if !slices.IsSortedFunc(ms, less) {
		ms = slices.Clone(ms)
		slices.SortStableFunc(ms, less)
	}
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, MetricsHeader...)
	buf = append(buf, '\n')
	var (
		ts    []byte
		lastT time.Time
	)
	for i := range ms {
		b := &ms[i]
		if i == 0 || !b.Start.Equal(lastT) {
			lastT = b.Start
			ts = b.Start.UTC().AppendFormat(ts[:0], time.RFC3339Nano)
		}
		buf = append(buf, ts...)
		buf = append(buf, ',')
		buf = append(buf, b.Service...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, b.Requests, 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, b.Errors, 10)
		for _, v := range [3]float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
			buf = append(buf, ',')
			buf = appendLatency(buf, v)
		}
		buf = append(buf, '\n')
		if len(buf) > 60<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// appendLatency formats a latency with at most one decimal; zero (no data)
// is an empty cell.
func appendLatency(buf []byte, v float64) []byte {
	if v == 0 {
		return buf
	}
	return strconv.AppendFloat(buf, math.Round(v*10)/10, 'f', -1, 64)
}
