package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/integrations/backstage"
	"github.com/slorec/slorec/integrations/prometheus"
	"github.com/slorec/slorec/integrations/prommap"
)

// runIngestPrometheus reads metric history (and optionally dependency
// edges) from a Prometheus server for the services of a topology, and
// writes it as a dataset directory (--out) or into the store.
func runIngestPrometheus(ctx context.Context, e *env, args []string) error {
	cfg := configFromEnv(e.getenv)
	fs := flag.NewFlagSet("ingest prometheus", flag.ContinueOnError)
	cfg.registerDatabase(fs)
	url := fs.String("url", "", "Prometheus base URL (env "+prometheus.EnvURL+"; credentials from SLOREC_PROMETHEUS_USERNAME/_PASSWORD or _BEARER_TOKEN)")
	mapping := fs.String("config", "", "mapping of services to series (YAML; default: the http_requests_total and http_request_duration_seconds conventions)")
	topology := fs.String("topology", "", "the services: a dataset directory, a topology.json or a Backstage catalog (.yaml file or directory)")
	out := fs.String("out", "", "write a dataset directory here (topology.json, metrics.csv; SLOs and incidents of a --topology dataset carried over) instead of the store")
	days := fs.Int("window", slorec.DefaultWindowDays, "days of hourly history to read, ending at the last whole hour")
	endFlag := fs.String("end", "", "end of the window, RFC 3339 (default: now)")
	edges := fs.Bool("edges", false, "derive dependency edges from the service-graph metrics and merge them with the declared ones")
	partial := fs.Bool("allow-partial", false, "write what was read even when some services failed")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each Prometheus request")
	retries := fs.Int("retries", 3, "retries of a request after a timeout, a connection error, a 5xx or a 429 (with backoff); 0 for none")
	format := formatFlag(fs, "table", "json")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if err := checkFormat("ingest prometheus", *format, "table", "json"); err != nil {
		return err
	}
	if *topology == "" {
		fs.Usage()
		return usagef("ingest prometheus: --topology is required (the services to read)")
	}
	if *out == "" && cfg.DatabaseURL == "" {
		return usagef("ingest prometheus: give --out DIR or a DATABASE_URL; the in-memory store would keep nothing")
	}
	if *days < 1 || *days > app.MaxIngestDays {
		return usagef("ingest prometheus: --window %d is not in [1,%d] days", *days, app.MaxIngestDays)
	}
	if *retries < 0 {
		return usagef("ingest prometheus: --retries %d is negative", *retries)
	}
	req := app.PrometheusIngest{WindowDays: *days, Edges: *edges, AllowPartial: *partial}
	if *endFlag != "" {
		t, err := time.Parse(time.RFC3339, *endFlag)
		if err != nil {
			return usagef("ingest prometheus: --end %q is not an RFC 3339 time", *endFlag)
		}
		req.End = t
	}
	base, err := readServices(*topology)
	if err != nil {
		return err
	}
	pm, err := loadMapping(*mapping)
	if err != nil {
		return err
	}
	cc := prometheus.ClientConfig{URL: *url, Timeout: *timeout, Retries: *retries}
	if *retries == 0 {
		cc.Retries = -1 // the client's "none"; its zero means the default
	}
	cc.FromEnv(e.getenv)
	client, err := prometheus.NewClient(cc)
	if err != nil {
		return err
	}
	read, err := app.ReadPrometheus(ctx, app.Prometheus{Querier: client, Mapping: pm}, base.Graph, req, time.Now())
	if read != nil && err != nil && *format == "json" {
		// A script reading the JSON sees why nothing was written.
		if werr := writeJSON(e.stdout, &read.Report); werr != nil {
			return werr
		}
	} else if read != nil && *format == "table" {
		printIngestReport(e.stdout, &read.Report)
	}
	if err != nil {
		return err
	}
	rep := &read.Report
	if *out != "" {
		d := *base
		d.Graph, d.Metrics = read.Graph, read.Metrics
		if err := dataset.Write(*out, &d); err != nil {
			return err
		}
		rep.Written, rep.MetricsWritten = true, len(read.Metrics)
		if *format == "json" {
			return writeJSON(e.stdout, rep)
		}
		fmt.Fprintf(e.stdout, "wrote dataset %s: %d services, %d metric buckets\n", *out, len(d.Graph.Services), len(d.Metrics))
		return nil
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	ts := st.Tenant(slorec.DefaultTenant)
	// The graph goes first, whole: the metrics need their services, and
	// observed edges are merged into it. It is valid on its own, so a
	// failure to store the metrics afterwards leaves a consistent store.
	if rep.CatalogVersion, err = ts.UpsertGraph(ctx, read.Graph); err != nil {
		return fmt.Errorf("store graph: %w", err)
	}
	if rep.MetricsWritten, err = ts.PutMetrics(ctx, read.Metrics); err != nil {
		return fmt.Errorf("store metrics (the graph was stored): %w", err)
	}
	rep.Written = true
	if *format == "json" {
		return writeJSON(e.stdout, rep)
	}
	fmt.Fprintf(e.stdout, "stored %d metric buckets (catalog version %d) in %s\n", rep.MetricsWritten, rep.CatalogVersion, maskURL(cfg.DatabaseURL))
	return nil
}

// readServices reads the services to ingest for: a dataset directory (its
// other files are kept for --out), a topology.json, or a Backstage
// catalog file or directory.
func readServices(path string) (*dataset.Dataset, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, usagef("ingest prometheus: --topology: %v", err)
	}
	isYAML := func(p string) bool {
		ext := strings.ToLower(filepath.Ext(p))
		return ext == ".yaml" || ext == ".yml"
	}
	switch {
	case fi.IsDir() && fileExists(filepath.Join(path, dataset.TopologyFile)):
		d, err := dataset.Load(path, dataset.LoadOptions{})
		if err != nil {
			return nil, err
		}
		d.Metrics = nil
		return d, nil
	case fi.IsDir():
		res, err := backstage.ParseDir(path)
		if err != nil {
			return nil, err
		}
		return &dataset.Dataset{Graph: res.Graph}, nil
	case isYAML(path):
		res, err := backstage.ParseFiles(path)
		if err != nil {
			return nil, err
		}
		return &dataset.Dataset{Graph: res.Graph}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g, _, err := dataset.ReadTopology(f)
	if err != nil {
		return nil, err
	}
	return &dataset.Dataset{Graph: g}, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// loadMapping reads a mapping file, or returns the conventions for "".
func loadMapping(path string) (*prommap.Config, error) {
	if path == "" {
		return prommap.Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--config: %v", err)
	}
	defer f.Close()
	c, err := prommap.Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, slorec.ErrorMessage(err))
	}
	return c, nil
}

// printIngestReport prints one line per service, then the edges and the
// warnings.
func printIngestReport(w io.Writer, rep *app.PrometheusReport) {
	fmt.Fprintf(w, "window %s to %s, step %ds\n", rep.Start.Format(time.RFC3339), rep.End.Format(time.RFC3339), rep.StepSeconds)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tBUCKETS\tSTATUS")
	for _, s := range rep.Services {
		status := "ok"
		switch {
		case s.Code == slorec.ENOTFOUND:
			status = "no data: " + s.Error
		case s.Code != "":
			status = "FAILED (" + s.Code + "): " + s.Error
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Service, s.Buckets, status)
	}
	tw.Flush()
	if rep.Edges != nil {
		if rep.Edges.Error != "" {
			fmt.Fprintf(w, "service graph: FAILED (%s): %s\n", rep.Edges.Code, rep.Edges.Error)
		} else {
			fmt.Fprintf(w, "service graph: %d edges observed", rep.Edges.Edges)
			if m := rep.Merge; m != nil {
				fmt.Fprintf(w, "; %d added, %d confirmed, %d declared but not observed, %d to unknown services", len(m.Added), len(m.Confirmed), len(m.Unobserved), len(m.Unknown))
				for _, r := range m.Added {
					fmt.Fprintf(w, "\n  added %s -> %s (observed)", r.From, r.To)
				}
				for _, r := range m.Unknown {
					fmt.Fprintf(w, "\n  not added %s -> %s: an end is not a declared service", r.From, r.To)
				}
			}
			fmt.Fprintln(w)
		}
	}
	for _, wn := range rep.Warnings {
		if wn.Service != "" {
			fmt.Fprintf(w, "warning: %s: %s\n", wn.Service, wn.Message)
		} else {
			fmt.Fprintf(w, "warning: %s\n", wn.Message)
		}
	}
}

// serverPrometheus reads the server's Prometheus settings: the mapping
// file SLOREC_PROMETHEUS_CONFIG (default: the conventions) and, when
// SLOREC_PROMETHEUS_URL is set, a client for ingestion. Without the URL
// the ingestion endpoint answers 503; exports work either way.
func serverPrometheus(getenv func(string) string) (*prommap.Config, prometheus.Querier, error) {
	mapping, err := loadMapping(getenv("SLOREC_PROMETHEUS_CONFIG"))
	if err != nil {
		return nil, nil, fmt.Errorf("SLOREC_PROMETHEUS_CONFIG: %w", err)
	}
	if getenv(prometheus.EnvURL) == "" {
		return mapping, nil, nil
	}
	var cc prometheus.ClientConfig
	cc.FromEnv(getenv)
	client, err := prometheus.NewClient(cc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", prometheus.EnvURL, err)
	}
	return mapping, client, nil
}
