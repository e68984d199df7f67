// Package pgtest gives each test its own empty Postgres database, created
// from DATABASE_URL and dropped when the test ends, so database tests run
// in parallel without sharing state.
//
// Without DATABASE_URL a test is skipped with the command to run, except
// when CI=true: there a missing database fails the test, so CI can never
// pass by skipping its database tests.
//
// With SLOREC_PGTEST_LOG set, each test given a database is named in that
// file (see LogEnv).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// URL creates a fresh database and returns its connection URL.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DATABASE_URL is not set but CI=true: database tests must run in CI (use `make test`)")
		}
		t.Skip("DATABASE_URL not set: run `make test`, or `sudo scripts/pg.sh start` and export DATABASE_URL=$(scripts/pg.sh url)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to DATABASE_URL: %v", err)
	}
	defer admin.Close(context.Background())

	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "slorec_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	record(t)
	return u.String()
}

// LogEnv names a file to which URL appends, for each test that gets a
// database, the test binary's working directory (its package's) and the
// test's name, tab-separated, one per line: scripts/test.sh counts the
// passed tests it lists as the ones that ran against PostgreSQL.
const LogEnv = "SLOREC_PGTEST_LOG"

func record(t testing.TB) {
	path := os.Getenv(LogEnv)
	if path == "" {
		return
	}
	// One short write per line with O_APPEND: lines from test binaries
	// running at once do not interleave.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", LogEnv, err)
	}
	defer f.Close()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if _, err := f.WriteString(dir + "\t" + t.Name() + "\n"); err != nil {
		t.Fatalf("pgtest: %s: %v", LogEnv, err)
	}
}
