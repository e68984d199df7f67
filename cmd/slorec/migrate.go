package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/slorec/slorec/store/postgres"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	cfg := configFromEnv(e.getenv)
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.registerDatabase(fs)
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return usagef("migrate: DATABASE_URL (or -database-url) is required")
	}
	applied, err := postgres.MigrateURL(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "schema is up to date")
		return nil
	}
	for _, name := range applied {
		fmt.Fprintf(e.stdout, "applied %s\n", name)
	}
	return nil
}
