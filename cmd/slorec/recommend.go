package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/reasoning/recommend"
)

// embeddedName labels the embedded example in output and errors.
const embeddedName = "examples/ecommerce (embedded)"

// loadDataset loads dir, or the embedded e-commerce example when dir is
// empty.
func loadDataset(dir string) (*dataset.Dataset, string, error) {
	if dir == "" {
		d, err := dataset.LoadFS(examples.Ecommerce(), embeddedName, dataset.LoadOptions{})
		return d, embeddedName, err
	}
	d, err := dataset.Load(dir, dataset.LoadOptions{})
	return d, dir, err
}

func engineInput(d *dataset.Dataset) recommend.Input {
	return recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}
}

// formatFlag registers --format with the allowed values, the first being
// the default.
func formatFlag(fs *flag.FlagSet, allowed ...string) *string {
	return fs.String("format", allowed[0], "output format: "+strings.Join(allowed, "|"))
}

func checkFormat(cmd, got string, allowed ...string) error {
	for _, a := range allowed {
		if got == a {
			return nil
		}
	}
	return usagef("%s: -format %q is not one of %s", cmd, got, strings.Join(allowed, ", "))
}

func runRecommend(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	dir := fs.String("dataset", "", "dataset directory (default: the embedded e-commerce example)")
	service := fs.String("service", "", "recommend for this service only, with its full working")
	format := formatFlag(fs, "table", "json")
	tier := fs.String("tier", "balanced", "tier to recommend when confidence allows: conservative|balanced|aspirational")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap and Monte Carlo estimates")
	explain := fs.Bool("explain", false, "with --service: add the guarded explanation (drafter from SLOREC_LLM_PROVIDER, deterministic by default)")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if err := checkFormat("recommend", *format, "table", "json"); err != nil {
		return err
	}
	if *explain && *service == "" {
		return usagef("recommend: --explain needs --service")
	}
	d, name, err := loadDataset(*dir)
	if err != nil {
		return err
	}
	opt := recommend.Options{Tier: statsTier(*tier), Seed: *seed}
	var res *recommend.Result
	if *service != "" {
		res, err = recommend.RecommendService(ctx, engineInput(d), *service, opt)
	} else {
		res, err = recommend.Recommend(ctx, engineInput(d), opt)
	}
	if err != nil {
		return err
	}
	var exp *slorec.Explanation
	if *explain {
		if exp, err = explainResult(ctx, e, d, res, *service, *tier); err != nil {
			return err
		}
	}
	if *format == "json" {
		if exp != nil {
			return writeJSON(e.stdout, struct {
				slorec.Recommendation
				Explanation *slorec.Explanation `json:"explanation"`
			}{res.Recommendations[0], exp})
		}
		if *service != "" {
			return writeJSON(e.stdout, res.Recommendations[0])
		}
		return writeJSON(e.stdout, struct {
			Dataset         string                  `json:"dataset"`
			Recommendations []slorec.Recommendation `json:"recommendations"`
			Fleet           recommend.Fleet         `json:"fleet"`
		}{name, res.Recommendations, res.Fleet})
	}
	if *service != "" {
		printDetail(e.stdout, res.Recommendations[0])
		if exp != nil {
			fmt.Fprintln(e.stdout, "\nexplanation:")
			printExplanation(e.stdout, exp)
		}
		return nil
	}
	fmt.Fprintf(e.stdout, "dataset %s: %d services\n\n", name, len(res.Recommendations))
	printTable(e.stdout, res)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printTable prints one line per recommendation and the fleet verdicts.
func printTable(w io.Writer, res *recommend.Result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tAVAILABILITY\tTIER\tBOUND\tCURRENT\tLATENCY\tCURRENT\tCONFIDENCE\tREVIEW")
	for _, r := range res.Recommendations {
		av, lat := objective(r, slorec.Availability), objective(r, slorec.Latency)
		cols := []string{r.Service, "-", "-", "-", "-", "-", "-", fmt.Sprintf("%.2f", r.Confidence), ""}
		if av != nil {
			cols[1], cols[2], cols[3] = pctText(av.Target), av.Tier, pctText(av.Bound)
			cols[4] = checkText(av.Current, false)
		}
		if lat != nil {
			cols[5] = fmt.Sprintf("p%s<%s", num(lat.Percentile), msText(lat.ThresholdMs))
			cols[6] = checkText(lat.Current, true)
		}
		if r.NeedsReview {
			cols[8] = "needs review"
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	tw.Flush()
	f := res.Fleet
	if len(f.Infeasible) > 0 {
		fmt.Fprintf(w, "\ncurrent SLOs the dependencies make infeasible: %s\n", strings.Join(f.Infeasible, ", "))
	}
	if len(f.Cycles) > 0 {
		fmt.Fprintf(w, "dependency cycles: %v\n", f.Cycles)
	}
	if len(f.Missing) > 0 {
		fmt.Fprintf(w, "undeclared dependencies (priors used): %s\n", strings.Join(f.Missing, ", "))
	}
	if len(f.Inconsistent) > 0 {
		fmt.Fprintf(w, "BUG: targets above their adopted ceiling: %s\n", strings.Join(f.Inconsistent, ", "))
	}
}

func checkText(c *slorec.SLOCheck, latency bool) string {
	if c == nil {
		return "-"
	}
	what := pctText(c.Target)
	if latency {
		what = "<" + msText(c.ThresholdMs)
	}
	if c.Feasible {
		return what + " ok"
	}
	return what + " INFEASIBLE"
}

// printDetail prints one recommendation with its working.
func printDetail(w io.Writer, r slorec.Recommendation) {
	fmt.Fprintf(w, "%s (engine %s, input %s)\n", r.Service, r.EngineVersion, r.InputHash[:12])
	fmt.Fprintf(w, "confidence %.2f", r.Confidence)
	if r.NeedsReview {
		fmt.Fprint(w, ", NEEDS HUMAN REVIEW")
	}
	fmt.Fprintln(w)
	for _, reason := range r.ConfidenceReasons {
		fmt.Fprintf(w, "  - %s\n", reason)
	}
	for _, o := range r.Objectives {
		fmt.Fprintln(w)
		if o.SLI == slorec.Availability {
			fmt.Fprintf(w, "availability: %s over %d days (%s tier), bound %s  [%s]\n", pctText(o.Target), o.WindowDays, o.Tier, pctText(o.Bound), strings.Join(o.FactIDs, " "))
		} else {
			fmt.Fprintf(w, "latency: %s of requests under %s (p%s, %s tier), dependency floor %s  [%s]\n", pctText(o.Target), msText(o.ThresholdMs), num(o.Percentile), o.Tier, msText(o.Bound), strings.Join(o.FactIDs, " "))
		}
		fmt.Fprintf(w, "  from %s\n", o.Source)
		for _, c := range o.Candidates {
			val := pctText(c.Target)
			if o.SLI == slorec.Latency {
				val = msText(c.ThresholdMs)
			}
			state := "feasible"
			if !c.Feasible {
				state = "infeasible: " + c.Reason
			}
			fmt.Fprintf(w, "  %-13s %-9s breach %5.1f%%  %s\n", c.Tier, val, 100*c.BreachProbability, state)
		}
		if c := o.Current; c != nil {
			fmt.Fprintf(w, "  current SLO: %s  [%s]\n", c.Reason, strings.Join(c.FactIDs, " "))
		}
		for _, m := range o.Mitigations {
			fmt.Fprintf(w, "  * %s\n", m)
		}
	}
	fmt.Fprintln(w, "\nfacts:")
	for _, f := range r.Facts {
		fmt.Fprintf(w, "  %-4s %s [%s]\n", f.ID, f.Statement, f.Source)
	}
}

func objective(r slorec.Recommendation, sli slorec.SLIKind) *slorec.Objective {
	for i := range r.Objectives {
		if r.Objectives[i].SLI == sli {
			return &r.Objectives[i]
		}
	}
	return nil
}

func pctText(v float64) string {
	s := strconv.FormatFloat(v*100, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

func msText(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + " ms" }
func num(v float64) string    { return strconv.FormatFloat(v, 'f', -1, 64) }
