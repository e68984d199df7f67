package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/internal/platformcard"
	"github.com/slorec/slorec/reasoning/scorecard"
)

func runScorecard(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("scorecard", flag.ContinueOnError)
	dir := fs.String("dataset", "", "dataset directory (topology.json, metrics.csv, optional slos.json, incidents.json, platform.json)")
	format := formatFlag(fs, "table", "json")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if *dir == "" {
		fs.Usage()
		return usagef("scorecard: -dataset is required")
	}
	if err := checkFormat("scorecard", *format, "table", "json"); err != nil {
		return err
	}
	d, err := dataset.Load(*dir, dataset.LoadOptions{})
	if err != nil {
		return err
	}
	in := platformcard.Build(d)
	rep, err := scorecard.Summarize(in.Services)
	if err != nil {
		return fmt.Errorf("scorecard: %w", err)
	}
	if *format == "json" {
		// The report's own fields stay at the top level, so the output
		// decodes into a scorecard.Report.
		return writeJSON(e.stdout, struct {
			Dataset   string    `json:"dataset"`
			Currency  string    `json:"currency,omitempty"`
			WindowEnd time.Time `json:"window_end,omitzero"`
			scorecard.Report
			Notes []platformcard.Note `json:"notes,omitempty"`
		}{*dir, in.Currency, in.End, rep, in.Notes})
	}
	printScorecard(e.stdout, *dir, in, rep)
	return nil
}

// printScorecard prints the fleet summary, one row per card (worst first),
// the issues of every card that is not healthy, and the notes on missing
// data.
func printScorecard(w io.Writer, name string, in platformcard.Inputs, rep scorecard.Report) {
	if in.End.IsZero() {
		fmt.Fprintf(w, "dataset %s: no metrics\n", name)
	} else {
		fmt.Fprintf(w, "dataset %s: windows end %s\n", name, in.End.Format(time.RFC3339))
	}
	cost := money(rep.TotalMonthlyCost)
	if in.Currency != "" {
		cost += " " + in.Currency
	}
	fmt.Fprintf(w, "fleet: %d services (%d healthy, %d degraded, %d critical); SLOs breached %d of %d; monthly cost %s; average reliability %.1f\n\n",
		rep.TotalServices, rep.Health.Healthy, rep.Health.Degraded, rep.Health.Critical,
		rep.SLOsBreached, rep.SLOs, cost, rep.AverageReliability)

	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tHEALTH\tPOINTS\tSLOS MET\tRELIABILITY\tGOVERNANCE\tCOST TREND\tOVER BUDGET")
	for _, c := range rep.Services {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\n", c.Service, c.Health, c.Points, slosMet(c.SLOs),
			c.Reliability.Score, c.Governance.Status, costTrend(c.Cost), overBudget(c.Cost))
	}
	tw.Flush()

	first := true
	for _, c := range rep.Services {
		if c.Health == scorecard.Healthy {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nissues:")
			first = false
		}
		fmt.Fprintf(w, "  %s (%s, %d points)\n", c.Service, c.Health, c.Points)
		for _, is := range c.Issues {
			fmt.Fprintf(w, "    - %s +%d: %s\n", is.Area, is.Points, is.Reason)
		}
	}
	if len(in.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range in.Notes {
			if n.Service == "" {
				fmt.Fprintf(w, "  - %s\n", n.Message)
			} else {
				fmt.Fprintf(w, "  - %s: %s\n", n.Service, n.Message)
			}
		}
	}
}

func slosMet(slos []scorecard.SLOStatus) string {
	if len(slos) == 0 {
		return "-"
	}
	met := 0
	for _, s := range slos {
		if s.Met {
			met++
		}
	}
	return fmt.Sprintf("%d/%d", met, len(slos))
}

func costTrend(c scorecard.CostStatus) string {
	switch {
	case c.LatestMonth == "":
		return "no data"
	case c.Change == 0:
		return string(c.Trend)
	}
	return fmt.Sprintf("%s (%+.0f%%)", c.Trend, 100*c.Change)
}

func overBudget(c scorecard.CostStatus) string {
	switch {
	case !c.BudgetSet:
		return "no budget"
	case c.OverBudget:
		return "yes"
	}
	return "no"
}

// money formats an amount with two decimals and thousands separators.
func money(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + "." + frac
}
