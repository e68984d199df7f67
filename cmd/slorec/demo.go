package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/internal/platformcard"
	"github.com/slorec/slorec/reasoning/depgraph"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// runDemo runs the engine on the embedded e-commerce example and answers
// the brief's two questions with the engine's numbers: how
// checkout-service's recommendation accounts for external-payment-api, and
// what cascades to api-gateway; then it asks two what-ifs and prints the
// platform scorecard.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	d, name, err := loadDataset("")
	if err != nil {
		return fmt.Errorf("load embedded example: %w", err)
	}
	in := engineInput(d)
	res, err := recommend.Recommend(ctx, in, recommend.Options{Seed: 1})
	if err != nil {
		return err
	}
	w := e.stdout
	fmt.Fprintf(w, "slorec demo on %s: %d services, %d hourly buckets\n\n", name, len(d.Graph.Services), len(d.Metrics))
	fmt.Fprintln(w, "== Recommendations (availability over 30 days; latency as p95 thresholds)")
	printTable(w, res)

	a := res.Analyses
	ext, pay, co, gw := a["external-payment-api"], a["payment-service"], a["checkout-service"], a["api-gateway"]
	if ext == nil || pay == nil || co == nil || gw == nil {
		return fmt.Errorf("the embedded example lacks a service the demo explains")
	}

	fmt.Fprintln(w, "\n== Q1. How does checkout-service's recommendation account for external-payment-api?")
	fmt.Fprintf(w, "external-payment-api delivers %s over %.0f days", pctText(ext.Availability.Observed), ext.Availability.Quality.HistoryDays)
	if sla := ext.Service.PublishedSLA; sla > 0 {
		fmt.Fprintf(w, " against a published SLA of %s", pctText(sla))
	}
	fmt.Fprintln(w, "; no SLO of ours binds it, so dependents count on what it delivers.")
	explainComposition(w, pay)
	explainComposition(w, co)
	explainObjective(w, res, "checkout-service")

	if err := demoExplanation(ctx, e, d, in, "checkout-service"); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== Q2. What cascades to api-gateway?")
	explainComposition(w, gw)
	explainObjective(w, res, "api-gateway")

	fmt.Fprintln(w, "\n== What if? (slorec impact)")
	for _, ch := range []recommend.Change{
		{Service: "payment-service", Target: 0.99},
		{Service: "checkout-service", Target: 0.99},
	} {
		rep, err := recommend.Impact(in, []recommend.Change{ch})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n$ slorec impact --set %s\n", ch)
		printImpact(e, rep)
	}

	fmt.Fprintln(w, "\n== Platform scorecard (slorec scorecard)")
	in2 := platformcard.Build(d)
	card, err := scorecard.Summarize(in2.Services)
	if err != nil {
		return fmt.Errorf("scorecard: %w", err)
	}
	printScorecard(w, name, in2, card)

	fmt.Fprintln(w, "\nEvery recommendation number above is a numbered fact in `slorec recommend --service ID`.")
	return nil
}

// explainComposition says how a service's ceiling is built.
func explainComposition(w io.Writer, a *recommend.Analysis) {
	c := a.Composition
	fmt.Fprintf(w, "%s: observed %s, intrinsic %s (%s)", a.Service.ID, pctText(a.Availability.Observed), pctText(c.Intrinsic), c.IntrinsicSource)
	var parts []string
	for _, ct := range c.Contributions {
		parts = append(parts, fmt.Sprintf("%s %s at call ratio %s -> factor %s", ct.Target, pctText(ct.Availability), num(ct.CallRatio), fmtRatio(ct.Factor)))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "; hard dependencies: %s", strings.Join(parts, "; "))
	}
	var excl []string
	for _, ct := range c.Excluded {
		excl = append(excl, fmt.Sprintf("%s (%s)", ct.Target, ct.Reason))
	}
	if len(excl) > 0 {
		fmt.Fprintf(w, "; not capping: %s", strings.Join(excl, ", "))
	}
	fmt.Fprintf(w, ".\n  ceiling %s", pctText(c.Ceiling))
	if c.Binding != nil {
		fmt.Fprintf(w, ", tightest dependency %s", c.Binding.Target)
	}
	if a.Promise < c.Ceiling-1e-12 {
		fmt.Fprintf(w, "; with dependencies held to their recommended SLOs %s", pctText(a.Promise))
	}
	fmt.Fprintf(w, "; recommended %s.\n", pctText(a.Target))
	if c.Has(depgraph.FlagCommittedAboveCeiling) {
		fmt.Fprintln(w, "  its committed SLO is above that ceiling.")
	}
}

// explainObjective prints a recommendation's current-SLO verdicts and
// mitigations.
func explainObjective(w io.Writer, res *recommend.Result, id string) {
	for _, r := range res.Recommendations {
		if r.Service != id {
			continue
		}
		for _, o := range r.Objectives {
			if o.Current == nil {
				continue
			}
			what := "availability " + pctText(o.Current.Target)
			if o.SLI == slorec.Latency {
				what = fmt.Sprintf("latency %s under %s", pctText(o.Current.Target), msText(o.Current.ThresholdMs))
			}
			fmt.Fprintf(w, "  current %s SLO: %s\n", what, o.Current.Reason)
			for i, m := range o.Mitigations {
				if i == 4 {
					fmt.Fprintf(w, "    (%d more in `slorec recommend --service %s`)\n", len(o.Mitigations)-4, id)
					break
				}
				fmt.Fprintf(w, "    * %s\n", m)
			}
		}
	}
}

func fmtRatio(v float64) string { return fmt.Sprintf("%.6f", v) }

// demoExplanation explains checkout-service's recommendation the way the
// API's ?explain=true does: the advisor retrieves knowledge with queries
// built from the facts (the shipped corpus and the dataset's incidents,
// GloVe hybrid search when its cache is set up, full text otherwise),
// drafts with the configured drafter (deterministic by default), and
// prints the guarded result with every verdict.
func demoExplanation(ctx context.Context, e *env, d *dataset.Dataset, in recommend.Input, service string) error {
	r, how, err := embeddedKnowledge(ctx, e, d)
	if err != nil {
		return err
	}
	a, _, err := newAdvisor(e, r, nil)
	if err != nil {
		return err
	}
	exp, err := a.Advise(ctx, in, service, recommend.Options{Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n== The explanation (slorec recommend --service %s --explain; knowledge: %s)\n", service, how)
	printExplanation(e.stdout, exp)
	return nil
}
