package main

import (
	"context"
	"flag"
	"fmt"
	"slices"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/integrations/openslo"
	"github.com/slorec/slorec/integrations/promrules"
	"github.com/slorec/slorec/reasoning/recommend"
)

// runExport writes a dataset's SLOs (recommended or committed) as OpenSLO
// v1 YAML or as Prometheus recording and burn-rate alerting rules.
func runExport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "openslo" && args[0] != "prometheus-rules") {
		fmt.Fprintln(e.stderr, "usage: slorec export openslo|prometheus-rules [--dataset DIR] (--service ID | --all) [flags]")
		return usagef("export: name what to export: openslo or prometheus-rules")
	}
	what := args[0]
	fs := flag.NewFlagSet("export "+what, flag.ContinueOnError)
	dir := fs.String("dataset", "", "dataset directory (default: the embedded e-commerce example)")
	service := fs.String("service", "", "export this service's SLOs")
	all := fs.Bool("all", false, "export every service's SLOs")
	source := fs.String("source", app.FromRecommended, "which SLOs: recommended (the engine's objectives) or committed (the dataset's slos.json)")
	mapping := fs.String("config", "", "mapping of services to Prometheus series (YAML; default: the conventions)")
	tier := fs.String("tier", "balanced", "with --source recommended: conservative|balanced|aspirational")
	out := fs.String("out", "", "write to this file (atomically) instead of standard output")
	if err := parseFlags(fs, args[1:], e.stderr, false); err != nil {
		return err
	}
	if (*service == "") == !*all {
		fs.Usage()
		return usagef("export %s: give --service ID or --all", what)
	}
	if *source != app.FromRecommended && *source != app.FromCommitted {
		return usagef("export %s: --source %q is not recommended or committed", what, *source)
	}
	d, _, err := loadDataset(*dir)
	if err != nil {
		return err
	}
	pm, err := loadMapping(*mapping)
	if err != nil {
		return err
	}
	if *service != "" && !slices.ContainsFunc(d.Graph.Services, func(s slorec.Service) bool { return s.ID == *service }) {
		return slorec.Errorf(slorec.ENOTFOUND, "service %q is not in the dataset", *service)
	}
	var (
		slos []slorec.SLO
		recs []slorec.Recommendation
	)
	wanted := func(id string) bool { return *all || id == *service }
	switch *source {
	case app.FromRecommended:
		res, err := recommend.Recommend(ctx, engineInput(d), recommend.Options{Tier: statsTier(*tier)})
		if err != nil {
			return err
		}
		for _, r := range res.Recommendations {
			if wanted(r.Service) {
				recs = append(recs, r)
				slos = append(slos, r.SLOs()...)
			}
		}
		var notes []string
		slos, notes = app.SnapToBuckets(slos, pm)
		for _, n := range notes {
			fmt.Fprintf(e.stderr, "note: %s\n", n)
		}
	case app.FromCommitted:
		for _, s := range d.SLOs {
			if wanted(s.Service) {
				slos = append(slos, s)
			}
		}
	}
	if len(slos) == 0 {
		return slorec.Errorf(slorec.ENOTFOUND, "no %s SLOs to export", *source)
	}
	var doc []byte
	switch what {
	case "openslo":
		var svcs []slorec.Service
		for _, s := range d.Graph.Services {
			if wanted(s.ID) {
				svcs = append(svcs, s)
			}
		}
		if doc, err = openslo.Export(svcs, slos, pm, openslo.Options{Recommendations: recs}); err != nil {
			return err
		}
		// The official schemas are third-party files, not shipped; when
		// they are at hand (a checkout next to ../shared, or
		// SLOREC_OPENSLO_SCHEMAS) every export is checked against them.
		if v, err := openslo.DefaultValidator(e.getenv); err == nil {
			if err := v.Validate(doc); err != nil {
				return fmt.Errorf("the export does not pass the OpenSLO v1 schemas (a slorec bug): %w", err)
			}
			fmt.Fprintln(e.stderr, "export openslo: valid against the OpenSLO v1 schemas")
		}
	case "prometheus-rules":
		res, err := promrules.Generate(slos, pm, promrules.Options{})
		if err != nil {
			return err
		}
		for _, n := range res.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", n)
		}
		for _, n := range res.Skipped {
			fmt.Fprintf(e.stderr, "skipped: %s\n", n)
		}
		if len(res.SLOs) == 0 {
			return slorec.Errorf(slorec.EINVALID, "no SLO could be turned into rules (see the skips above)")
		}
		if doc, err = res.YAML(); err != nil {
			return err
		}
	}
	if *out == "" {
		_, err := e.stdout.Write(doc)
		return err
	}
	return writeFileAtomic(*out, doc)
}
