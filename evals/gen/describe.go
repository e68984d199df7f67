package gen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/sim"
)

// Describe renders, as Markdown, everything a generated dataset assumes
// and what came out: the services with their rules, kinds, tiers and drawn
// parameters, the dropped nodes, every edge with its rule, the traffic
// shape, the incidents, the current SLOs against the topology's ceiling,
// and the ground truth. The READMEs of evals/datasets embed it between
// generated-section markers, so that they mirror the Go tables exactly.
func Describe(a Assumptions, cfg sim.Config, d *dataset.Dataset) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	svcWhy := map[string]ServiceRule{}
	for _, r := range a.Services {
		svcWhy[r.ID] = r
	}
	edgeWhy := map[edgeKey]EdgeRule{}
	for _, r := range a.Edges {
		edgeWhy[edgeKey{r.From, r.To}] = r
	}
	series := d.MetricsByService()
	end := cfg.Start.AddDate(0, 0, cfg.Days)
	last30 := end.AddDate(0, 0, -min(30, cfg.Days))

	// Summary.
	kinds := map[slorec.ServiceKind]int{}
	edges := map[string]int{}
	nEdges := 0
	for _, s := range cfg.Graph.Services {
		kinds[s.Kind]++
		for _, dep := range s.Deps {
			nEdges++
			edges[string(dep.Type)+" "+string(dep.Criticality)]++
		}
	}
	var kindParts, edgeParts []string
	for _, k := range []slorec.ServiceKind{slorec.KindService, slorec.KindDatastore, slorec.KindQueue, slorec.KindExternal} {
		if kinds[k] > 0 {
			kindParts = append(kindParts, fmt.Sprintf("%d %s", kinds[k], k))
		}
	}
	for _, k := range []string{"sync hard", "sync soft", "async hard", "async soft"} {
		if edges[k] > 0 {
			edgeParts = append(edgeParts, fmt.Sprintf("%d %s", edges[k], k))
		}
	}
	w("| | |\n|---|---|\n")
	w("| services | %d (%s) |\n", len(cfg.Graph.Services), strings.Join(kindParts, ", "))
	w("| edges | %d (%s) |\n", nEdges, strings.Join(edgeParts, ", "))
	if len(d.MissingNodes) > 0 {
		w("| missing nodes | %s |\n", strings.Join(d.MissingNodes, ", "))
	}
	w("| period | %s to %s UTC: %d days of %s buckets, %s rows |\n", cfg.Start.Format(time.DateOnly), end.Format(time.DateOnly), cfg.Days,
		bucketName(cfg.BucketWidth), thousands(int64(len(d.Metrics))))
	w("| seed | %d |\n", cfg.Seed)
	w("| traffic | entry rate x (1 + %.2f cos(2π(hour - %g)/24)), x %.2f on weekends, lognormal noise σ %.2f per bucket |\n",
		cfg.Traffic.DiurnalAmplitude, cfg.Traffic.PeakHourUTC, cfg.Traffic.WeekendFactor, cfg.Traffic.Noise)
	if len(d.Truth.SoftenedEdges) > 0 {
		var es []string
		for _, e := range d.Truth.SoftenedEdges {
			es = append(es, e.From+" -> "+e.To)
		}
		w("| cycles | broken by treating %s as soft and carrying no load (truth.json softened_edges) |\n", strings.Join(es, ", "))
	}

	// Services.
	w("\n### Services\n\n")
	w("Intrinsic availability and the service's own latency (without its calls) are drawn per kind and tier; traffic enters where nobody calls the service (a pure queue consumer consumes what its queues receive).\n\n")
	w("| service | kind | tier | intrinsic availability | own p50 / p99 ms | entry requests/h | why |\n|---|---|---|---|---|---|---|\n")
	for _, s := range cfg.Graph.Services {
		p := cfg.Services[s.ID]
		kind := string(s.Kind)
		if s.PublishedSLA > 0 {
			kind += fmt.Sprintf(" (published SLA %s)", percent(s.PublishedSLA, 2))
		}
		entry := ""
		if p.EntryRequestsPerHour > 0 {
			entry = thousands(int64(p.EntryRequestsPerHour))
		}
		why := svcWhy[s.ID].Why
		if r := svcWhy[s.ID]; r.Kind != "" {
			why = strings.TrimSpace("Kind set by rule. " + why)
		}
		if why == "" {
			why = "(no rule)"
		}
		w("| %s | %s | %s | %s | %s / %s | %s | %s |\n", s.ID, kind, s.Tier, percent(p.IntrinsicAvailability, 3),
			num(p.LatencyP50Ms), num(p.LatencyP99Ms), entry, cell(why))
	}
	if len(a.Drop) > 0 {
		w("\n### Dropped nodes\n\n| node | why |\n|---|---|\n")
		for _, r := range a.Drop {
			w("| %s | %s |\n", r.ID, cell(r.Why))
		}
	}

	// Edges.
	w("\n### Edges\n\n")
	w("| from | to | type | criticality | call ratio | parallel group | redundancy group | why |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range cfg.Graph.Services {
		for _, dep := range s.Deps {
			why := edgeWhy[edgeKey{s.ID, dep.Target}].Why
			if why == "" {
				why = "(no rule)"
			}
			w("| %s | %s | %s | %s | %s | %s | %s | %s |\n", s.ID, dep.Target, dep.Type, dep.Criticality, num(dep.Ratio()),
				dep.ParallelGroup, dep.RedundancyGroup, cell(why))
		}
	}

	// Incidents.
	w("\n### Incidents\n\n")
	w("Drawn by Config: one of each shape first, then random shapes. Unrecorded incidents happened (they are in the metrics and the truth) but are not in incidents.json.\n\n")
	w("| id | service | filed on | shape | start (UTC) | duration | failure fraction | latency factor | severity |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, in := range cfg.Incidents {
		id, sev := in.ID, in.Severity
		if in.Unrecorded {
			id, sev = "(unrecorded)", ""
		}
		lf := ""
		if in.LatencyFactor > 0 {
			lf = num(in.LatencyFactor) + "x"
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", id, in.Service, in.ReportedOn, Shape(in), in.Start.Format("2006-01-02 15:04"),
			duration(in.Duration), num(in.FailureFraction), lf, sev)
	}

	// SLOs.
	w("\n### Current SLOs\n\n")
	w("The ceiling of an availability SLO is the end-to-end availability the topology allows without incidents (truth.json); a target above it cannot be met. A latency SLO is feasible when its threshold is above the median hourly percentile. Observed values cover the last %d days.\n\n", min(30, cfg.Days))
	w("| service | SLI | objective | ceiling / median | observed | feasible |\n|---|---|---|---|---|---|\n")
	for _, slo := range cfg.SLOs {
		var reqs, errs int64
		var ps []float64
		for _, m := range series[slo.Service] {
			if m.Start.Before(last30) || m.Requests == 0 {
				continue
			}
			reqs += m.Requests
			errs += m.Errors
			ps = append(ps, pick(m, slo.Percentile))
		}
		switch slo.SLI {
		case slorec.Availability:
			ceiling := d.Truth.Services[slo.Service].BaselineEndToEndAvailability
			obs := ""
			if reqs > 0 {
				obs = percent(1-float64(errs)/float64(reqs), 3)
			}
			w("| %s | availability | %s | %s | %s | %s |\n", slo.Service, percent(slo.Target, 2), percent(ceiling, 3), obs, yesNo(slo.Target <= ceiling))
		case slorec.Latency:
			slices.Sort(ps)
			var median float64
			var under int
			for _, p := range ps {
				if p <= slo.ThresholdMs {
					under++
				}
			}
			if len(ps) > 0 {
				median = ps[len(ps)/2]
			}
			w("| %s | latency | p%g under %s ms in %s of requests | p%g %s ms | p%g under threshold in %s of hours | %s |\n",
				slo.Service, slo.Percentile, num(slo.ThresholdMs), percent(slo.Target, 0), slo.Percentile, num(median), slo.Percentile,
				percent(float64(under)/float64(max(len(ps), 1)), 0), yesNo(median <= slo.ThresholdMs))
		}
	}

	// Truth.
	w("\n### Ground truth and what the metrics show\n\n")
	w("True availabilities are request-weighted over the whole period (truth.json); observed availability and the median hourly percentiles cover the last %d days.\n\n", min(30, cfg.Days))
	w("| service | true intrinsic | true end-to-end | end-to-end without incidents | requests/h | observed availability | p95 ms | p99 ms |\n|---|---|---|---|---|---|---|---|\n")
	var ids []string
	for _, s := range cfg.Graph.Services {
		ids = append(ids, s.ID)
	}
	ids = append(ids, d.MissingNodes...)
	for _, id := range ids {
		ts := d.Truth.Services[id]
		var reqs, errs int64
		var p95, p99 []float64
		hours := 0
		for _, m := range series[id] {
			if m.Start.Before(last30) {
				continue
			}
			hours++
			reqs += m.Requests
			errs += m.Errors
			if m.Requests > 0 {
				p95, p99 = append(p95, m.LatencyP95Ms), append(p99, m.LatencyP99Ms)
			}
		}
		slices.Sort(p95)
		slices.Sort(p99)
		obs, m95, m99 := "", "", ""
		if reqs > 0 {
			obs = percent(1-float64(errs)/float64(reqs), 3)
			m95, m99 = num(p95[len(p95)/2]), num(p99[len(p99)/2])
		}
		perHour := int64(0)
		if hours > 0 {
			perHour = int64(float64(reqs) / (float64(hours) * cfg.BucketWidth.Hours()))
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s |\n", id, percent(ts.IntrinsicAvailability, 4), percent(ts.EndToEndAvailability, 4),
			percent(ts.BaselineEndToEndAvailability, 4), thousands(perHour), obs, m95, m99)
	}
	return b.String()
}

func pick(m slorec.MetricBucket, pct float64) float64 {
	switch pct {
	case 50:
		return m.LatencyP50Ms
	case 99:
		return m.LatencyP99Ms
	}
	return m.LatencyP95Ms
}

// percent formats a ratio as a percentage with the given decimals.
func percent(v float64, decimals int) string {
	return strconv.FormatFloat(100*v, 'f', decimals, 64) + "%"
}

// num formats a number in its shortest form.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func duration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	if d < time.Hour {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d h %d min", d/time.Hour, (d%time.Hour)/time.Minute)
}

func bucketName(w time.Duration) string {
	if w == time.Hour {
		return "hourly"
	}
	return w.String()
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
