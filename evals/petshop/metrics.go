package petshop

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slorec/slorec"
)

// headerLabels are the first cells of the four header rows of an upstream
// metrics.csv: a pandas frame with a three-level column index (component,
// metric, statistic) and a unix_timestamp row index.
var headerLabels = [4]string{"microservice", "metric", "statistic", "unix_timestamp"}

// column roles; the statistic names are upstream's.
const (
	colRequests = iota // requests / Sum: a count per 5-minute bucket
	colAvail           // availability / Average: percent
	colP50             // latency / p50: seconds
	colP95             // latency / p95
	colP99             // latency / p99
	nRoles
)

// roleOf returns the role of a (metric, statistic) column, or -1 for a
// column the dataset format has no place for (latency Average and p90).
func roleOf(metric, stat string) int {
	switch metric + "/" + stat {
	case "requests/Sum":
		return colRequests
	case "availability/Average":
		return colAvail
	case "latency/p50":
		return colP50
	case "latency/p95":
		return colP95
	case "latency/p99":
		return colP99
	}
	return -1
}

var roleNames = [nRoles]string{"requests/Sum", "availability/Average", "latency/p50", "latency/p95", "latency/p99"}

// component is one component's columns in a metrics file.
type component struct {
	node *node
	cols [nRoles]int // 0-based record index of each role's column
}

// metricsFile is one upstream metrics.csv converted to buckets.
type metricsFile struct {
	buckets    []slorec.MetricBucket // sorted by (timestamp, service id)
	times      []time.Time           // distinct bucket starts, increasing
	comps      []*component          // in column order
	ignored    []string              // metric/statistic pairs dropped, sorted
	adjust     []Adjustment
	subResCell int // latency cells in (0, 0.05) ms
}

// row is one data row of a metrics file before conversion.
type row struct {
	line int
	t    time.Time
	rec  []string
}

// readMetrics parses an upstream wide metrics.csv whose components must all
// be in g, and converts it with the rules of doc.go. file labels errors and
// adjustments.
func readMetrics(r io.Reader, file string, g *graphFile) (*metricsFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	bad := func(line int, format string, args ...any) error {
		return slorec.Errorf(slorec.EINVALID, "%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}

	var header [4][]string
	for i := range header {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, bad(i+1, "file ends inside the header: want four header rows (%s)", strings.Join(headerLabels[:], ", "))
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		if i == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if rec[0] != headerLabels[i] {
			return nil, bad(i+1, "first cell %q, want %q (the PetShop wide format has header rows %s)", rec[0], headerLabels[i], strings.Join(headerLabels[:], ", "))
		}
		if i > 0 && len(rec) != len(header[0]) {
			return nil, bad(i+1, "%d cells, want %d as in the first header row", len(rec), len(header[0]))
		}
		header[i] = slices.Clone(rec)
	}
	width := len(header[0])
	if width < 2 {
		return nil, bad(1, "no component columns")
	}
	for j := 1; j < width; j++ {
		if header[3][j] != "" {
			return nil, bad(4, "column %d: %q, want an empty cell in the unix_timestamp row", j+1, header[3][j])
		}
	}

	mf := &metricsFile{}
	byNode := map[*node]*component{}
	seenCol := map[[3]string]int{}
	ignored := map[string]bool{}
	for j := 1; j < width; j++ {
		raw, metric, stat := header[0][j], header[1][j], header[2][j]
		n := g.byRaw[raw]
		if n == nil {
			return nil, bad(1, "column %d: component %q is not in graph.csv", j+1, raw)
		}
		k := [3]string{raw, metric, stat}
		if first, dup := seenCol[k]; dup {
			return nil, bad(1, "column %d: %s %s/%s repeats column %d", j+1, raw, metric, stat, first+1)
		}
		seenCol[k] = j
		c := byNode[n]
		if c == nil {
			c = &component{node: n}
			for i := range c.cols {
				c.cols[i] = -1
			}
			byNode[n] = c
			mf.comps = append(mf.comps, c)
		}
		role := roleOf(metric, stat)
		if role < 0 {
			ignored[metric+"/"+stat] = true
			continue
		}
		c.cols[role] = j
	}
	for _, c := range mf.comps {
		for _, role := range []int{colRequests, colAvail} {
			if c.cols[role] < 0 {
				return nil, bad(1, "component %q has no %s column", c.node.raw, roleNames[role])
			}
		}
	}
	for k := range ignored {
		mf.ignored = append(mf.ignored, k)
	}
	slices.Sort(mf.ignored)

	// Data rows: timestamps on the 5-minute grid; an exact duplicate row is
	// dropped, a conflicting one is an error.
	var rows []row
	byTime := map[int64]int{} // unix seconds -> index in rows
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != width {
			return nil, bad(line, "%d cells, want %d as in the header", len(rec), width)
		}
		sec, msg := parseUnix(rec[0])
		if msg != "" {
			return nil, bad(line, "column 1 (unix_timestamp): %s", msg)
		}
		if i, dup := byTime[sec]; dup {
			if slices.Equal(rows[i].rec, rec) {
				mf.adjust = append(mf.adjust, Adjustment{File: file, Line: line, Action: Dropped,
					Reason: fmt.Sprintf("row repeats line %d exactly (timestamp %s)", rows[i].line, rec[0])})
				continue
			}
			return nil, bad(line, "timestamp %s repeats line %d with different values; cannot tell which row is right", rec[0], rows[i].line)
		}
		byTime[sec] = len(rows)
		rows = append(rows, row{line: line, t: time.Unix(sec, 0).UTC(), rec: slices.Clone(rec)})
	}
	if len(rows) == 0 {
		return nil, bad(5, "no data rows after the header")
	}
	slices.SortFunc(rows, func(a, b row) int { return a.t.Compare(b.t) })

	comps := slices.Clone(mf.comps)
	slices.SortFunc(comps, func(a, b *component) int { return cmp.Compare(a.node.id, b.node.id) })
	for _, rw := range rows {
		mf.times = append(mf.times, rw.t)
		for _, c := range comps {
			b, keep, err := convert(rw, c, file, mf)
			if err != nil {
				return nil, err
			}
			if keep {
				mf.buckets = append(mf.buckets, b)
			}
		}
	}
	return mf, nil
}

// convert turns one component's cells of one row into a bucket. keep is
// false when the bucket is dropped (recorded in mf.adjust).
func convert(rw row, c *component, file string, mf *metricsFile) (b slorec.MetricBucket, keep bool, err error) {
	id := c.node.id
	var vals [nRoles]float64
	var has [nRoles]bool
	for role, j := range c.cols {
		if j < 0 || rw.rec[j] == "" {
			continue
		}
		v, err := strconv.ParseFloat(rw.rec[j], 64)
		switch {
		case err != nil:
			return b, false, cellError(file, rw.line, j, c, role, fmt.Sprintf("%q is not a number", rw.rec[j]))
		case math.IsNaN(v) || math.IsInf(v, 0):
			return b, false, cellError(file, rw.line, j, c, role, fmt.Sprintf("%q is not a finite number", rw.rec[j]))
		case v < 0:
			return b, false, cellError(file, rw.line, j, c, role, fmt.Sprintf("%q is negative", rw.rec[j]))
		}
		// A zero latency is "no data" in the dataset format; treating it
		// as absent keeps it out of the percentile sort below.
		if v == 0 && role >= colP50 {
			continue
		}
		vals[role], has[role] = v, true
	}
	adj := func(action Action, reason string) {
		mf.adjust = append(mf.adjust, Adjustment{File: file, Line: rw.line, Component: id, Action: action, Reason: reason})
	}

	if !has[colRequests] {
		adj(Dropped, "no request count")
		return b, false, nil
	}
	req := vals[colRequests]
	if req != math.Trunc(req) || req > 1<<53 {
		return b, false, cellError(file, rw.line, c.cols[colRequests], c, colRequests, fmt.Sprintf("%q is not a whole count", rw.rec[c.cols[colRequests]]))
	}
	b = slorec.MetricBucket{Service: id, Start: rw.t, Requests: int64(req)}
	latency := has[colP50] || has[colP95] || has[colP99]
	if b.Requests == 0 {
		if latency {
			adj(Fixed, "latency without requests; latency cleared")
		}
		return b, true, nil
	}
	if !has[colAvail] {
		adj(Dropped, "requests but no availability, so the error count is unknown")
		return b, false, nil
	}
	a := vals[colAvail]
	if a > 100+1e-9 {
		return b, false, cellError(file, rw.line, c.cols[colAvail], c, colAvail, fmt.Sprintf("%q is above 100 percent", rw.rec[c.cols[colAvail]]))
	}
	b.Errors = min(max(int64(math.Round(req*(1-a/100))), 0), b.Requests)

	// Latency: seconds to milliseconds; present percentiles out of order
	// are sorted among themselves.
	var ms []float64
	for _, role := range []int{colP50, colP95, colP99} {
		if has[role] {
			v := vals[role] * 1000
			if v > 0 && v < 0.05 {
				mf.subResCell++
			}
			ms = append(ms, v)
		}
	}
	if !slices.IsSorted(ms) {
		slices.Sort(ms)
		adj(Fixed, "latency percentiles out of order (p50 <= p95 <= p99 violated); sorted")
	}
	for _, role := range []int{colP50, colP95, colP99} {
		if !has[role] {
			continue
		}
		v := ms[0]
		ms = ms[1:]
		switch role {
		case colP50:
			b.LatencyP50Ms = v
		case colP95:
			b.LatencyP95Ms = v
		case colP99:
			b.LatencyP99Ms = v
		}
	}
	return b, true, nil
}

// cellError names the file, line, column, component and statistic of a bad
// cell.
func cellError(file string, line, j int, c *component, role int, msg string) error {
	return slorec.Errorf(slorec.EINVALID, "%s:%d: column %d (%s %s): %s", file, line, j+1, c.node.raw, roleNames[role], msg)
}

// maxUnix is 2100-01-01T00:00:00Z. Bounding timestamps keeps every span
// far below the 292 years a time.Duration can hold.
const maxUnix = 4102444800

// parseUnix parses an upstream unix timestamp ("1693922400.0"): whole
// seconds on the 5-minute grid.
func parseUnix(s string) (int64, string) {
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		return 0, fmt.Sprintf("%q is not a unix timestamp", s)
	case f != math.Trunc(f):
		return 0, fmt.Sprintf("%q is not a whole second", s)
	case f <= 0 || f >= maxUnix:
		return 0, fmt.Sprintf("%q is out of range (want a unix time between 1970 and 2100)", s)
	}
	sec := int64(f)
	if sec%int64(BucketSize/time.Second) != 0 {
		return 0, fmt.Sprintf("%s (%s) is not on the 5-minute grid", s, time.Unix(sec, 0).UTC().Format(time.RFC3339))
	}
	return sec, ""
}
