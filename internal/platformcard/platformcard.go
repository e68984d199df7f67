// Package platformcard derives the inputs of the platform scorecard
// (reasoning/scorecard) from a dataset: SLO attainment and reliability from
// metrics.csv and incidents.json, cost, change failure rate and governance
// from platform.json, teams from platform.json or the topology.
//
// Every window ends at the dataset's last metric timestamp, not at the
// clock, so a scorecard of a dataset is the same whenever it is computed. A
// window of W days holds the buckets that start in (end − W days, end]: for
// hourly data, exactly 24·W buckets.
package platformcard

import (
	"fmt"
	"math"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// ReliabilityDays is the period of the reliability record (uptime, MTTR,
// incident count), as scorecard.Reliability defines it.
const ReliabilityDays = 30

// Inputs is what Build derives from a dataset.
type Inputs struct {
	// Services holds one scorecard input per declared service, in topology
	// order. Missing nodes (undeclared dependency targets) get none.
	Services []scorecard.Service
	// Currency is platform.json's currency; empty when not given.
	Currency string
	// End closes every window: the latest metric timestamp of the
	// dataset. It is zero when the dataset has no metric buckets.
	End time.Time
	// Notes say what was missing and what was assumed instead: notes on
	// the whole fleet first (Service empty), then per service in topology
	// order.
	Notes []Note
}

// Note is a caveat on a scorecard input.
type Note struct {
	// Service is empty for a note on the whole fleet.
	Service string `json:"service,omitempty"`
	Message string `json:"message"`
}

// Build derives the scorecard inputs of every declared service of d. It
// never fails: what the dataset lacks is assumed as documented on each
// field below and said in a note.
//
//   - SLOs: each current SLO of the service, with Current its attainment
//     over the SLO's window (window_days, default 30): for availability
//     (Σrequests − Σerrors) / Σrequests, for latency the request-weighted
//     share of requests under threshold_ms (see shareBelow). An SLO
//     without traffic (or latency data) in its window is left out.
//   - Reliability: Uptime is the availability over the last 30 days (0,
//     the worst tier, when there was no traffic); MTTRMinutes the mean
//     duration of the service's incidents that started in those 30 days
//     (0 when none), an open incident counting until the end of the
//     window; Incidents30d their number; ChangeFailureRate from
//     platform.json, 0 when absent.
//   - Cost and Governance from platform.json. Without a platform entry a
//     service has no budget and no cost entries, and its only governance
//     check that can pass is ownership, which passes when the topology
//     names an owner.
//   - Team from platform.json, else the topology's owner.
func Build(d *dataset.Dataset) Inputs {
	in := Inputs{End: lastTimestamp(d.Metrics)}
	if d.Platform != nil {
		in.Currency = d.Platform.Currency
	}
	note := func(service, format string, args ...any) {
		in.Notes = append(in.Notes, Note{Service: service, Message: fmt.Sprintf(format, args...)})
	}
	if in.End.IsZero() {
		note("", "no metric buckets: no SLO can be measured and every uptime is scored as 0")
	}
	if d.Platform == nil {
		note("", "no %s: no cost data or budgets, change failure rates taken as 0, governance from %s only (ownership)", dataset.PlatformFile, dataset.TopologyFile)
	}

	metrics := d.MetricsByService()
	slos := make(map[string][]slorec.SLO)
	for _, s := range d.SLOs {
		slos[s.Service] = append(slos[s.Service], s)
	}
	incidents := make(map[string][]slorec.Incident)
	for _, i := range d.Incidents {
		incidents[i.Service] = append(incidents[i.Service], i)
	}

	for _, svc := range d.Graph.Services {
		id := svc.ID
		series := metrics[id]
		out := scorecard.Service{ID: id, Team: svc.Owner}

		for _, slo := range slos[id] {
			days := slo.WindowDays
			if days == 0 {
				days = slorec.DefaultWindowDays
			}
			w := window(series, in.End, days)
			var current float64
			var ok bool
			switch slo.SLI {
			case slorec.Availability:
				current, ok = availability(w)
			case slorec.Latency:
				current, ok = latencyAttainment(w, slo.ThresholdMs)
			}
			if !ok {
				if !in.End.IsZero() {
					note(id, "%s SLO left out: no %s in its %d-day window", slo.SLI, dataFor(slo.SLI), days)
				}
				continue
			}
			out.SLOs = append(out.SLOs, scorecard.SLOMeasurement{
				Name: string(slo.SLI), Target: slo.Target, Current: current, WindowDays: slo.WindowDays,
			})
		}

		if up, ok := availability(window(series, in.End, ReliabilityDays)); ok {
			out.Reliability.Uptime = up
		} else if !in.End.IsZero() {
			note(id, "no traffic in the last %d days: uptime scored as 0", ReliabilityDays)
		}
		mttr, n, open := incidentRecord(incidents[id], in.End)
		out.Reliability.MTTRMinutes, out.Reliability.Incidents30d = mttr, n
		if open > 0 {
			note(id, "%d incident(s) without an end: MTTR counts them until %s", open, in.End.Format(time.RFC3339))
		}

		entry, has := d.PlatformEntry(id)
		if entry.Team != "" {
			out.Team = entry.Team
		}
		if entry.ChangeFailureRate != nil {
			out.Reliability.ChangeFailureRate = *entry.ChangeFailureRate
		}
		out.Cost.BudgetMonthly = entry.Cost.BudgetMonthly
		for _, e := range entry.Cost.Entries {
			out.Cost.Entries = append(out.Cost.Entries, scorecard.CostEntry{Month: e.Month, Amount: e.Amount})
		}
		if g := entry.Governance; g != nil {
			out.Governance = scorecard.Governance{
				Runbook: g.Runbook, Monitoring: g.Monitoring, Owner: g.Owner,
				Documentation: g.Documentation, IncidentResponse: g.IncidentResponse,
			}
		} else {
			out.Governance = scorecard.Governance{Owner: svc.Owner != ""}
		}
		switch {
		case d.Platform == nil:
			// Said once for the fleet.
		case !has:
			note(id, "no %s entry: no cost data or budget, change failure rate taken as 0, governance from %s only (ownership)", dataset.PlatformFile, dataset.TopologyFile)
		default:
			if entry.ChangeFailureRate == nil {
				note(id, "no change_failure_rate in %s: taken as 0", dataset.PlatformFile)
			}
			if entry.Governance == nil {
				note(id, "no governance in %s: from %s only (ownership)", dataset.PlatformFile, dataset.TopologyFile)
			}
		}
		in.Services = append(in.Services, out)
	}
	return in
}

func dataFor(sli slorec.SLIKind) string {
	if sli == slorec.Latency {
		return "latency data"
	}
	return "traffic"
}

func lastTimestamp(ms []slorec.MetricBucket) time.Time {
	var end time.Time
	for i := range ms {
		if ms[i].Start.After(end) {
			end = ms[i].Start
		}
	}
	return end
}

// window returns the buckets of series that start in (end − days, end].
func window(series []slorec.MetricBucket, end time.Time, days int) []slorec.MetricBucket {
	if end.IsZero() {
		return nil
	}
	from := end.Add(-time.Duration(days) * 24 * time.Hour)
	var out []slorec.MetricBucket
	for _, b := range series {
		if b.Start.After(from) && !b.Start.After(end) {
			out = append(out, b)
		}
	}
	return out
}

// availability is (Σrequests − Σerrors) / Σrequests; false without
// requests.
func availability(buckets []slorec.MetricBucket) (float64, bool) {
	var req, errs int64
	for _, b := range buckets {
		req += b.Requests
		errs += b.Errors
	}
	if req == 0 {
		return 0, false
	}
	return float64(req-errs) / float64(req), true
}

// latencyAttainment is the request-weighted mean of shareBelow over the
// buckets with requests and at least one latency percentile; false when
// there are none.
func latencyAttainment(buckets []slorec.MetricBucket, thresholdMs float64) (float64, bool) {
	var sum float64
	var weight int64
	for _, b := range buckets {
		if b.Requests == 0 {
			continue
		}
		share, ok := shareBelow(b, thresholdMs)
		if !ok {
			continue
		}
		sum += share * float64(b.Requests)
		weight += b.Requests
	}
	if weight == 0 {
		return 0, false
	}
	return sum / float64(weight), true
}

// incidentRecord returns the mean duration in minutes and the number of
// the incidents that started in the reliability period ending at end, and
// how many of them have no end (counted until end).
func incidentRecord(incs []slorec.Incident, end time.Time) (mttrMinutes float64, n, open int) {
	if end.IsZero() {
		return 0, 0, 0
	}
	from := end.Add(-ReliabilityDays * 24 * time.Hour)
	var total time.Duration
	for _, i := range incs {
		if !i.Start.After(from) || i.Start.After(end) {
			continue
		}
		stop := i.End
		if stop.IsZero() {
			stop = end
			open++
		}
		total += stop.Sub(i.Start)
		n++
	}
	if n == 0 {
		return 0, 0, 0
	}
	return total.Minutes() / float64(n), n, open
}

// shareBelow estimates the share of a bucket's requests that took at most
// thresholdMs, from its p50, p95 and p99 (whichever are set): the CDF is
// piecewise linear in log latency between the known points (0.5, 0.95,
// 0.99). Outside them it follows the lognormal through the outermost two
// points, which meets the interpolated middle continuously and keeps the
// tails short of 0 and 1 (a spread of 0.5 in log space when only one
// percentile is known). False when the bucket has no percentile.
//
// reasoning/stats estimates attainment the same way; this copy keeps the
// scorecard independent of the engine.
func shareBelow(b slorec.MetricBucket, thresholdMs float64) (float64, bool) {
	var x, p [3]float64
	n := 0
	for _, kp := range [3][2]float64{{b.LatencyP50Ms, 0.50}, {b.LatencyP95Ms, 0.95}, {b.LatencyP99Ms, 0.99}} {
		if kp[0] > 0 {
			x[n], p[n] = math.Log(kp[0]), kp[1]
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	if !(thresholdMs > 0) {
		return 0, true
	}
	lt := math.Log(thresholdMs)
	first, last := 0, n-1
	if lt >= x[first] && lt <= x[last] {
		// From the top, so that a threshold on several equal points gets
		// the highest share.
		for i := last; i > first; i-- {
			if lt >= x[i-1] {
				if x[i] == x[i-1] {
					return p[i], true
				}
				return p[i-1] + (lt-x[i-1])/(x[i]-x[i-1])*(p[i]-p[i-1]), true
			}
		}
		return p[first], true // a single point, hit exactly
	}
	zlo, zhi := probit(p[first]), probit(p[last])
	var sigma float64
	switch {
	case n == 1:
		sigma = defaultSigma
	case x[last] > x[first]:
		sigma = (x[last] - x[first]) / (zhi - zlo)
	default: // all known percentiles equal: a step
		if lt < x[first] {
			return 0, true
		}
		return 1, true
	}
	mu := x[first] - zlo*sigma
	return phi((lt - mu) / sigma), true
}

// defaultSigma is the log-space spread assumed when a bucket has a single
// percentile, as in reasoning/stats.
const defaultSigma = 0.5

func phi(z float64) float64    { return 0.5 * math.Erfc(-z/math.Sqrt2) }
func probit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
