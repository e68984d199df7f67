package main

import (
	"context"

	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/inmem"
	"github.com/slorec/slorec/store/postgres"
)

// openStore returns the Postgres store when a database URL is configured
// (migrating it first), else a fresh in-memory store.
func openStore(ctx context.Context, cfg config) (store.Store, error) {
	if cfg.DatabaseURL == "" {
		return inmem.New(), nil
	}
	return postgres.Open(ctx, cfg.DatabaseURL)
}
