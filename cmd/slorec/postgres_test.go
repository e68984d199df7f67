package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/store/postgres"
)

func TestPostgresMigrateTwiceThenIngest(t *testing.T) {
	vars := map[string]string{"DATABASE_URL": pgtest.URL(t)}
	code, stdout, stderr := invoke(t, vars, "migrate")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "applied 0001_init.sql")
	code, stdout, stderr = invoke(t, vars, "migrate")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "schema is up to date\n", stdout)

	code, stdout, stderr = invoke(t, vars, "ingest", "-dataset", "../../examples/ecommerce")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "17280 metric buckets")
	require.Contains(t, stdout, "postgres://postgres@127.0.0.1")
	// Re-ingesting the same dataset changes no catalog version.
	code, stdout, stderr = invoke(t, vars, "ingest", "-dataset", "../../examples/ecommerce")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "(catalog version 1)")
}

func TestTokenCreateAndRevoke(t *testing.T) {
	vars := map[string]string{"DATABASE_URL": pgtest.URL(t)}
	code, stdout, stderr := invoke(t, vars, "token", "create", "--tenant", "acme", "--name", "portal", "--role", "editor")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "(tenant acme, role editor)")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	secret := lines[len(lines)-1]
	require.True(t, strings.HasPrefix(secret, "slorec_"), secret)
	id := strings.Fields(lines[0])[1]

	db, err := postgres.Open(context.Background(), vars["DATABASE_URL"])
	require.NoError(t, err)
	defer db.Close()
	tok, err := db.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	require.Equal(t, id, tok.ID)

	code, _, stderr = invoke(t, vars, "token", "revoke", id)
	require.Equal(t, 0, code, stderr)
	_, err = db.Authenticate(context.Background(), secret)
	require.Equal(t, "unauthorized", slorec.ErrorCode(err))

	code, _, stderr = invoke(t, vars, "token", "create", "--role", "owner", "--name", "x")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "role")
	code, _, _ = invoke(t, nil, "token", "create")
	require.Equal(t, 2, code, "no database")
}
