package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/stats"
)

// changeList collects repeated --set flags.
type changeList []recommend.Change

func (c *changeList) String() string {
	parts := make([]string, len(*c))
	for i, ch := range *c {
		parts[i] = ch.String()
	}
	return strings.Join(parts, ",")
}

// Set parses "service:availability=0.99" (or "=99%").
func (c *changeList) Set(s string) error {
	svc, rest, ok := strings.Cut(s, ":")
	if !ok || svc == "" {
		return fmt.Errorf("%q: want service:availability=TARGET", s)
	}
	sli, val, ok := strings.Cut(rest, "=")
	if !ok {
		return fmt.Errorf("%q: want service:availability=TARGET", s)
	}
	if sli != "availability" {
		return fmt.Errorf("%q: only availability changes are analysed (got %q)", s, sli)
	}
	percent := strings.HasSuffix(val, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(val, "%"), 64)
	if err != nil {
		return fmt.Errorf("%q: target %q is not a number", s, val)
	}
	if percent {
		v /= 100
	}
	if !(v > 0 && v < 1) {
		return fmt.Errorf("%q: target %v is not a ratio in (0,1) (write 0.99 or 99%%)", s, v)
	}
	*c = append(*c, recommend.Change{Service: svc, Target: v})
	return nil
}

func runImpact(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("impact", flag.ContinueOnError)
	dir := fs.String("dataset", "", "dataset directory (default: the embedded e-commerce example)")
	var changes changeList
	fs.Var(&changes, "set", "proposed change, service:availability=TARGET (repeatable)")
	format := formatFlag(fs, "table", "json")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if err := checkFormat("impact", *format, "table", "json"); err != nil {
		return err
	}
	if len(changes) == 0 {
		fs.Usage()
		return usagef("impact: at least one -set service:availability=TARGET is required")
	}
	d, name, err := loadDataset(*dir)
	if err != nil {
		return err
	}
	rep, err := recommend.Impact(engineInput(d), changes)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, rep)
	}
	fmt.Fprintf(e.stdout, "dataset %s\n", name)
	printImpact(e, rep)
	return nil
}

func printImpact(e *env, rep *recommend.ImpactReport) {
	for _, c := range rep.Changes {
		before := "none"
		if c.Before > 0 {
			before = pctText(c.Before)
		}
		fmt.Fprintf(e.stdout, "change: %s availability SLO %s -> %s (its ceiling %s", c.Service, before, pctText(c.After), pctText(c.Ceiling))
		if !c.Feasible {
			fmt.Fprint(e.stdout, ", so the new target is itself INFEASIBLE")
		}
		fmt.Fprintf(e.stdout, "); dependents count on %s -> %s\n", pctText(c.EffectiveBefore), pctText(c.EffectiveAfter))
	}
	if len(rep.Affected) == 0 {
		fmt.Fprintf(e.stdout, "no dependent's ceiling moves (%d transitive dependents checked)\n", rep.Checked)
		return
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nDEPENDENT\tHOPS\tCEILING BEFORE\tAFTER\tCOMMITTED\tHEADROOM BEFORE\tAFTER\tSTATUS")
	for _, a := range rep.Affected {
		target, hb, ha, st := "-", "-", "-", "no committed SLO"
		if a.Target > 0 {
			target, st = pctText(a.Target), a.Status
			hb, ha = signedPct(a.HeadroomBefore), signedPct(a.HeadroomAfter)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Service, a.Distance, pctText(a.CeilingBefore), pctText(a.CeilingAfter), target, hb, ha, st)
	}
	tw.Flush()
	if len(rep.Infeasible) > 0 {
		fmt.Fprintf(e.stdout, "\ncommitted SLOs this change makes infeasible: %s\n", strings.Join(rep.Infeasible, ", "))
	}
}

func signedPct(v float64) string {
	s := strconv.FormatFloat(v*100, 'f', 4, 64)
	if v >= 0 {
		s = "+" + s
	}
	return s + " pp"
}

func statsTier(s string) stats.Tier { return stats.Tier(s) }
