// Package migrations holds slorec's Postgres schema as numbered SQL files
// (NNNN_name.sql), embedded in the binary. store/postgres applies the
// pending ones in one transaction. It imports nothing.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
