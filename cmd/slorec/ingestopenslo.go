package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/integrations/openslo"
)

// runIngestOpenSLO imports OpenSLO v1 files as current SLOs: into a
// dataset directory's slos.json (--dataset) or into the store. Every file
// is read and every SLO checked before anything is written.
func runIngestOpenSLO(ctx context.Context, e *env, args []string) error {
	cfg := configFromEnv(e.getenv)
	fs := flag.NewFlagSet("ingest openslo", flag.ContinueOnError)
	cfg.registerDatabase(fs)
	dir := fs.String("dataset", "", "dataset directory whose slos.json receives the SLOs (instead of the store)")
	dry := fs.Bool("dry-run", false, "read and check the files, print the SLOs, write nothing")
	files, err := parseInterleaved(fs, args, e.stderr)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usagef("ingest openslo: name at least one OpenSLO v1 file")
	}
	if *dir == "" && cfg.DatabaseURL == "" && !*dry {
		return usagef("ingest openslo: give --dataset DIR or a DATABASE_URL (or --dry-run); the in-memory store would keep nothing")
	}
	var slos []slorec.SLO
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return usagef("ingest openslo: %v", err)
		}
		got, warns, err := openslo.Import(f)
		f.Close()
		if err != nil {
			return slorec.Errorf(slorec.ErrorCode(err), "%s: %s", path, slorec.ErrorMessage(err))
		}
		for _, w := range warns {
			fmt.Fprintf(e.stderr, "%s: warning: %s\n", path, w)
		}
		slos = append(slos, got...)
	}
	for i, s := range slos {
		for _, o := range slos[:i] {
			if o.Service == s.Service && o.SLI == s.SLI {
				return slorec.Errorf(slorec.EINVALID, "two %s SLOs for %s in the files given", s.SLI, s.Service)
			}
		}
	}
	if len(slos) == 0 {
		return slorec.Errorf(slorec.EINVALID, "no SLO slorec can use in the files given (see the warnings)")
	}
	for _, s := range slos {
		line := fmt.Sprintf("%s %s target %s", s.Service, s.SLI, pctText(s.Target))
		if s.SLI == slorec.Latency {
			line += " under " + msText(s.ThresholdMs)
		}
		fmt.Fprintf(e.stdout, "%s over %d days\n", line, s.WindowDays)
	}
	if *dry {
		return nil
	}
	if *dir != "" {
		d, err := dataset.Load(*dir, dataset.LoadOptions{})
		if err != nil {
			return err
		}
		d.SLOs = mergeSLOs(d.SLOs, slos)
		if err := d.Validate(time.Now()); err != nil {
			return err
		}
		if err := dataset.Write(*dir, d); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %d SLOs to %s\n", len(slos), *dir)
		return nil
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	stored, err := st.Tenant(slorec.DefaultTenant).PutSLOs(ctx, slos)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "stored %d SLOs in %s\n", len(stored), maskURL(cfg.DatabaseURL))
	return nil
}

// mergeSLOs replaces, per service and SLI, the current SLO with the new
// one, as the next version; the rest keep their order.
func mergeSLOs(current, next []slorec.SLO) []slorec.SLO {
	out := slices.Clone(current)
	for _, n := range next {
		i := slices.IndexFunc(out, func(c slorec.SLO) bool { return c.Service == n.Service && c.SLI == n.SLI })
		if i < 0 {
			n.Version = max(n.Version, 1)
			out = append(out, n)
			continue
		}
		n.Version = max(out[i].Version, 1) + 1
		out[i] = n
	}
	return out
}
