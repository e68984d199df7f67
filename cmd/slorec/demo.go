package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
)

// runDemo loads the embedded e-commerce example and prints, per service,
// what the last 30 days of its metrics show.
func runDemo(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	if err := parseFlags(fs, args, e.stderr, true); err != nil {
		return err
	}
	d, err := dataset.LoadFS(examples.Ecommerce(), "examples/ecommerce", dataset.LoadOptions{})
	if err != nil {
		return fmt.Errorf("load embedded example: %w", err)
	}
	byService := d.MetricsByService()
	var end time.Time
	for _, b := range d.Metrics {
		if b.Start.After(end) {
			end = b.Start
		}
	}
	from := end.Add(-30 * 24 * time.Hour)

	fmt.Fprintf(e.stdout, "e-commerce example: %d services, %d metric buckets, last 30 days to %s\n\n",
		len(d.Graph.Services), len(d.Metrics), end.Format(time.DateOnly))
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tKIND\tTIER\tAVAILABILITY\tWORST HOURLY P99\tDEPENDS ON")
	services := append(d.Graph.Services[:0:0], d.Graph.Services...)
	sort.Slice(services, func(i, j int) bool { return services[i].ID < services[j].ID })
	for _, s := range services {
		var req, errs int64
		var p99 float64
		for _, b := range byService[s.ID] {
			if b.Start.Before(from) {
				continue
			}
			req += b.Requests
			errs += b.Errors
			p99 = max(p99, b.LatencyP99Ms)
		}
		avail := "-"
		if req > 0 {
			avail = fmt.Sprintf("%.3f%%", 100*float64(req-errs)/float64(req))
		}
		deps := make([]string, len(s.Deps))
		for i, dep := range s.Deps {
			deps[i] = dep.Target
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f ms\t%s\n", s.ID, s.Kind, s.Tier, avail, p99, strings.Join(deps, ", "))
	}
	return tw.Flush()
}
