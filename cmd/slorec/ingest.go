package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

func runIngest(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "prometheus":
			return runIngestPrometheus(ctx, e, args[1:])
		case "openslo":
			return runIngestOpenSLO(ctx, e, args[1:])
		}
	}
	cfg := configFromEnv(e.getenv)
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	cfg.registerDatabase(fs)
	dir := fs.String("dataset", "", "dataset directory (topology.json, metrics.csv, optional slos.json)")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if *dir == "" {
		fs.Usage()
		return usagef("ingest: -dataset is required")
	}
	// Everything is validated before anything is written.
	d, err := dataset.Load(*dir, dataset.LoadOptions{})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	ts := st.Tenant(slorec.DefaultTenant)
	version, err := ts.UpsertGraph(ctx, d.Graph)
	if err != nil {
		return fmt.Errorf("ingest graph: %w", err)
	}
	n, err := ts.PutMetrics(ctx, d.Metrics)
	if err != nil {
		return fmt.Errorf("ingest metrics: %w", err)
	}
	if len(d.SLOs) > 0 {
		if _, err := ts.PutSLOs(ctx, d.SLOs); err != nil {
			return fmt.Errorf("ingest slos: %w", err)
		}
	}
	fmt.Fprintf(e.stdout, "ingested %d services (catalog version %d), %d metric buckets, %d SLOs into %s\n",
		len(d.Graph.Services), version, n, len(d.SLOs), maskURL(cfg.DatabaseURL))
	if cfg.DatabaseURL == "" {
		fmt.Fprintln(e.stdout, "note: no DATABASE_URL, so the in-memory store was used and nothing persists; this run only validated the dataset")
	}
	return nil
}
