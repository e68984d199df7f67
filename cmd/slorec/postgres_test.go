package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/internal/pgtest"
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
