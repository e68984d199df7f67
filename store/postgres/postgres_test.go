package postgres_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/postgres"
	"github.com/slorec/slorec/store/storetest"
)

func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.URL(t))
	require.NoError(t, err)
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	first, err := postgres.MigrateURL(ctx, url)
	require.NoError(t, err)
	require.Contains(t, first, "0001_init.sql")
	require.Contains(t, first, "0004_tenants.sql")
	require.Contains(t, first, "river/002_initial_schema", "River's schema comes with slorec's")
	second, err := postgres.MigrateURL(ctx, url)
	require.NoError(t, err)
	require.Empty(t, second, "nothing is pending the second time")

	conn := connect(t, url)
	var ext string
	require.NoError(t, conn.QueryRow(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'vector'`).Scan(&ext))
	require.NotEmpty(t, ext)
	var river bool
	require.NoError(t, conn.QueryRow(ctx, `SELECT to_regclass('river_job') IS NOT NULL`).Scan(&river))
	require.True(t, river)
}

func TestBrokenMigrationRollsBackEntirely(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, pgtest.URL(t))
	fsys := fstest.MapFS{
		"0001_ok.sql":     {Data: []byte(`CREATE TABLE widgets (id int PRIMARY KEY); INSERT INTO widgets VALUES (1);`)},
		"0002_broken.sql": {Data: []byte(`CREATE TABLE gadgets (id int); SELECT no_such_function();`)},
		"README.md":       {Data: []byte("ignored")},
	}
	_, err := postgres.Migrate(ctx, conn, fsys)
	require.ErrorContains(t, err, "0002_broken.sql")

	for _, table := range []string{"widgets", "gadgets", "schema_migrations"} {
		var exists bool
		require.NoError(t, conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists))
		require.False(t, exists, "table %s must not survive a failed migration run", table)
	}

	// Fixed, the same set applies in full.
	fsys["0002_broken.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE gadgets (id int);`)}
	names, err := postgres.Migrate(ctx, conn, fsys)
	require.NoError(t, err)
	require.Equal(t, []string{"0001_ok.sql", "0002_broken.sql"}, names[:2])
	for _, n := range names[2:] {
		require.True(t, strings.HasPrefix(n, "river/"), "then River's migrations: %s", n)
	}
}

func TestDuplicateMigrationNumbersAreRefused(t *testing.T) {
	_, err := postgres.LoadMigrations(fstest.MapFS{
		"0001_a.sql": {Data: []byte(`SELECT 1`)},
		"0001_b.sql": {Data: []byte(`SELECT 1`)},
	})
	require.ErrorContains(t, err, "share number 1")
}

func TestAuditLogRefusesUpdateAndDelete(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	rec, err := db.Tenant(slorec.DefaultTenant).AppendAudit(ctx, slorec.AuditRecord{Actor: "alice", Action: "slo.accept", Subject: "checkout"})
	require.NoError(t, err)

	conn := connect(t, url)
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'mallory'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		_, err := conn.Exec(ctx, stmt)
		require.ErrorContains(t, err, "append-only", stmt)
	}
	got, err := db.Tenant(slorec.DefaultTenant).Audit(ctx, slorec.AuditFilter{})
	require.NoError(t, err)
	require.Equal(t, []slorec.AuditRecord{rec}, got)
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	ctx := context.Background()
	_, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err), "error: %v", err)
	_, err = postgres.Open(ctx, "postgres://%zz")
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err), "error: %v", err)
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
