// Package postgres is the production store: PostgreSQL 17 with pgvector,
// through a pgx/v5 connection pool. Schema changes live in the migrations
// package and are applied by Open (and by `slorec migrate`), followed by
// River's own migrations: webhook deliveries are River jobs, inserted in
// the transaction that commits the SLOs (see CommitSLOs).
//
// Every tenant-owned table has a tenant column that leads its keys; each
// query of a tenant's store takes the tenant as a parameter.
//
// Driver errors are translated here: a missing row becomes ENOTFOUND, a
// constraint violation EINVALID or ECONFLICT, a connection failure
// EUNAVAILABLE. Nothing outside this package sees a pgx error.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/migrations"
	"github.com/slorec/slorec/store"
)

var (
	_ store.Store       = (*DB)(nil)
	_ store.TenantStore = (*tenantDB)(nil)
)

// DB is a Store backed by Postgres.
type DB struct {
	pool *pgxpool.Pool
	// river inserts delivery jobs; it is insert-only (no queues, no
	// workers), so it never starts and needs no Stop.
	river *river.Client[pgx.Tx]
}

// tenantDB is one tenant's view of the database: every query filters on
// (or writes) tenant, passed as a parameter.
type tenantDB struct {
	*DB
	tenant string
}

// Tenant implements store.Store.
func (db *DB) Tenant(id string) store.TenantStore {
	store.MustTenant(id)
	return &tenantDB{DB: db, tenant: id}
}

// Open connects to url, applies pending migrations and returns a ready
// store. The pgvector types are registered on every pooled connection, which
// needs the extension the first migration creates.
func Open(ctx context.Context, url string) (*DB, error) {
	if _, err := MigrateURL(ctx, url); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "parse DATABASE_URL: %v", err)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		return pgxvec.RegisterTypes(ctx, c)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, unavailable("open pool", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, unavailable("ping", err)
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &DB{pool: pool, river: rc}, nil
}

// MigrateURL connects to url and applies the embedded migrations, then
// River's, returning the names applied.
func MigrateURL(ctx context.Context, url string) ([]string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "parse DATABASE_URL: %v", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, unavailable("connect", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return Migrate(ctx, conn, migrations.FS)
}

// Pool returns the underlying pool, for adapters that share the database
// (the retrieval index).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

// inTx runs fn in a transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return translate("begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return translate("commit", tx.Commit(ctx))
}

func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %v", op, slorec.Errorf(slorec.EUNAVAILABLE, "database unavailable"), err)
}

// translate maps driver errors to slorec errors, keeping the cause in the
// chain for logs.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *slorec.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, slorec.Errorf(slorec.ENOTFOUND, "not found"))
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "23": // integrity constraint violation
			code := slorec.EINVALID
			if pe.Code == "23505" {
				code = slorec.ECONFLICT
			}
			return fmt.Errorf("%s: %w: %v", op, slorec.Errorf(code, "constraint %s violated", pe.ConstraintName), err)
		case "08", "57": // connection exception, operator intervention
			return unavailable(op, err)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	if pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded) {
		return unavailable(op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// UpsertGraph implements store.Catalog.
func (t *tenantDB) UpsertGraph(ctx context.Context, g slorec.Graph) (int, error) {
	g, err := store.PrepareGraph(g)
	if err != nil {
		return 0, err
	}
	var version int
	err = t.inTx(ctx, func(tx pgx.Tx) error {
		// One writer per tenant at a time: versions are a counter.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('catalog:' || $1))`, t.tenant); err != nil {
			return translate("lock catalog", err)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM catalog_versions WHERE tenant = $1`, t.tenant).Scan(&version); err != nil {
			return translate("read catalog version", err)
		}
		current, err := loadServices(ctx, tx, t.tenant, ids(g.Services))
		if err != nil {
			return err
		}
		next := version + 1
		var changed []slorec.Service
		for _, s := range g.Services {
			if old, ok := current[s.ID]; ok && store.SameService(old, s) {
				continue
			}
			changed = append(changed, s)
		}
		if len(changed) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO catalog_versions (tenant, version) VALUES ($1, $2)`, t.tenant, next); err != nil {
			return translate("insert catalog version", err)
		}
		batch := &pgx.Batch{}
		for _, s := range changed {
			batch.Queue(`INSERT INTO services (tenant, id, name, kind, tier, owner, published_sla, version, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
				ON CONFLICT (tenant, id) DO UPDATE SET name = $3, kind = $4, tier = $5, owner = $6,
					published_sla = $7, version = $8, updated_at = now()`,
				t.tenant, s.ID, s.Name, s.Kind, s.Tier, s.Owner, s.PublishedSLA, next)
			batch.Queue(`DELETE FROM dependencies WHERE tenant = $1 AND source = $2`, t.tenant, s.ID)
			for i, d := range s.Deps {
				batch.Queue(`INSERT INTO dependencies (tenant, source, target, ord, type, criticality,
					redundancy_group, parallel_group, call_ratio, provenance, version)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
					t.tenant, s.ID, d.Target, i, d.Type, d.Criticality, d.RedundancyGroup, d.ParallelGroup, d.CallRatio, d.Provenance, next)
			}
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return translate("write services", err)
		}
		version = next
		return nil
	})
	return version, err
}

func ids(svcs []slorec.Service) []string {
	out := make([]string, len(svcs))
	for i, s := range svcs {
		out[i] = s.ID
	}
	return out
}

// querier is what pgxpool.Pool and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// loadServices returns the named services of tenant (all when only is
// nil) with their dependencies, keyed by id.
func loadServices(ctx context.Context, q querier, tenant string, only []string) (map[string]slorec.Service, error) {
	rows, err := q.Query(ctx, `SELECT id, name, kind, tier, owner, published_sla, version
		FROM services WHERE tenant = $1 AND ($2::text[] IS NULL OR id = ANY($2))`, tenant, only)
	if err != nil {
		return nil, translate("read services", err)
	}
	out := map[string]slorec.Service{}
	var s slorec.Service
	_, err = pgx.ForEachRow(rows, []any{&s.ID, &s.Name, &s.Kind, &s.Tier, &s.Owner, &s.PublishedSLA, &s.Version}, func() error {
		out[s.ID] = s
		return nil
	})
	if err != nil {
		return nil, translate("read services", err)
	}
	rows, err = q.Query(ctx, `SELECT source, target, type, criticality, redundancy_group, parallel_group, call_ratio, provenance
		FROM dependencies WHERE tenant = $1 AND ($2::text[] IS NULL OR source = ANY($2)) ORDER BY source, ord`, tenant, only)
	if err != nil {
		return nil, translate("read dependencies", err)
	}
	var src string
	var d slorec.Dependency
	_, err = pgx.ForEachRow(rows, []any{&src, &d.Target, &d.Type, &d.Criticality, &d.RedundancyGroup, &d.ParallelGroup, &d.CallRatio, &d.Provenance}, func() error {
		s := out[src]
		s.Deps = append(s.Deps, d)
		out[src] = s
		return nil
	})
	if err != nil {
		return nil, translate("read dependencies", err)
	}
	return out, nil
}

// Service implements store.Catalog.
func (t *tenantDB) Service(ctx context.Context, id string) (slorec.Service, error) {
	m, err := loadServices(ctx, t.pool, t.tenant, []string{id})
	if err != nil {
		return slorec.Service{}, err
	}
	s, ok := m[id]
	if !ok {
		return slorec.Service{}, slorec.Errorf(slorec.ENOTFOUND, "service %q not found", id)
	}
	return s, nil
}

// Services implements store.Catalog.
func (t *tenantDB) Services(ctx context.Context) ([]slorec.Service, error) {
	m, err := loadServices(ctx, t.pool, t.tenant, nil)
	if err != nil {
		return nil, err
	}
	out := make([]slorec.Service, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	slicesSortByID(out)
	return out, nil
}

// CatalogVersion implements store.Catalog.
func (t *tenantDB) CatalogVersion(ctx context.Context) (int, error) {
	var v int
	err := t.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM catalog_versions WHERE tenant = $1`, t.tenant).Scan(&v)
	return v, translate("read catalog version", err)
}

// PutMetrics implements store.Metrics. Buckets are copied into a temporary
// table and merged with one INSERT ... ON CONFLICT, so a batch of any size
// is one round trip of COPY plus one statement, all in one transaction.
func (t *tenantDB) PutMetrics(ctx context.Context, buckets []slorec.MetricBucket) (int, error) {
	buckets, err := store.PrepareMetrics(buckets)
	if err != nil {
		return 0, err
	}
	if len(buckets) == 0 {
		return 0, nil
	}
	err = t.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE metric_import (LIKE metric_buckets INCLUDING DEFAULTS) ON COMMIT DROP`); err != nil {
			return translate("create import table", err)
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"metric_import"},
			[]string{"tenant", "service", "ts", "requests", "errors", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms"},
			pgx.CopyFromSlice(len(buckets), func(i int) ([]any, error) {
				b := buckets[i]
				return []any{t.tenant, b.Service, b.Start, b.Requests, b.Errors, b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms}, nil
			}))
		if err != nil {
			return translate("copy metrics", err)
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT service FROM metric_import m
			WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.tenant = $1 AND s.id = m.service) ORDER BY service`, t.tenant)
		if err != nil {
			return translate("check services", err)
		}
		missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return translate("check services", err)
		}
		if len(missing) > 0 {
			return store.UnknownServicesError(missing)
		}
		_, err = tx.Exec(ctx, `INSERT INTO metric_buckets (tenant, service, ts, requests, errors,
				latency_p50_ms, latency_p95_ms, latency_p99_ms)
			SELECT tenant, service, ts, requests, errors, latency_p50_ms, latency_p95_ms, latency_p99_ms FROM metric_import
			ON CONFLICT (tenant, service, ts) DO UPDATE SET requests = excluded.requests, errors = excluded.errors,
				latency_p50_ms = excluded.latency_p50_ms, latency_p95_ms = excluded.latency_p95_ms,
				latency_p99_ms = excluded.latency_p99_ms`)
		return translate("merge metrics", err)
	})
	if err != nil {
		return 0, err
	}
	return len(buckets), nil
}

// Metrics implements store.Metrics.
func (t *tenantDB) Metrics(ctx context.Context, service string, from, to time.Time) ([]slorec.MetricBucket, error) {
	rows, err := t.pool.Query(ctx, `SELECT ts, requests, errors, latency_p50_ms, latency_p95_ms, latency_p99_ms
		FROM metric_buckets WHERE tenant = $1 AND service = $2
			AND ($3::timestamptz IS NULL OR ts >= $3) AND ($4::timestamptz IS NULL OR ts < $4)
		ORDER BY ts`, t.tenant, service, nullTime(from), nullTime(to))
	if err != nil {
		return nil, translate("read metrics", err)
	}
	out := []slorec.MetricBucket{}
	b := slorec.MetricBucket{Service: service}
	_, err = pgx.ForEachRow(rows, []any{&b.Start, &b.Requests, &b.Errors, &b.LatencyP50Ms, &b.LatencyP95Ms, &b.LatencyP99Ms}, func() error {
		b.Start = b.Start.UTC()
		out = append(out, b)
		return nil
	})
	return out, translate("read metrics", err)
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// PutSLOs implements store.SLOs.
func (t *tenantDB) PutSLOs(ctx context.Context, slos []slorec.SLO) ([]slorec.SLO, error) {
	slos, err := store.PrepareSLOs(slos)
	if err != nil {
		return nil, err
	}
	err = t.inTx(ctx, func(tx pgx.Tx) error { return t.putSLOs(ctx, tx, slos, store.Now()) })
	if err != nil {
		return nil, err
	}
	return slos, nil
}

// putSLOs inserts prepared SLOs in tx, filling ID, Version and CreatedAt.
func (t *tenantDB) putSLOs(ctx context.Context, tx pgx.Tx, slos []slorec.SLO, now time.Time) error {
	for i := range slos {
		o := &slos[i]
		// The row lock on the service serialises version numbering.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM services WHERE tenant = $1 AND id = $2 FOR UPDATE`, t.tenant, o.Service).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return slorec.Errorf(slorec.ENOTFOUND, "service %q not found", o.Service)
		}
		if err != nil {
			return translate("lock service", err)
		}
		o.ID, o.CreatedAt = store.NewID("slo"), now
		err = tx.QueryRow(ctx, `INSERT INTO slos (tenant, id, service, sli, version, target, threshold_ms, percentile,
				window_days, recommendation_id, forced, justification, author, created_at)
			SELECT $1, $2, $3, $4, coalesce(max(version), 0) + 1, $5, $6, $7, $8, $9, $10, $11, $12, $13
			FROM slos WHERE tenant = $1 AND service = $3 AND sli = $4
			RETURNING version`,
			t.tenant, o.ID, o.Service, o.SLI, o.Target, o.ThresholdMs, o.Percentile, o.WindowDays,
			o.RecommendationID, o.Forced, o.Justification, o.Author, o.CreatedAt).Scan(&o.Version)
		if err != nil {
			return translate("insert slo", err)
		}
	}
	return nil
}

const sloColumns = `id, service, sli, version, target, threshold_ms, percentile, window_days,
	recommendation_id, forced, justification, author, created_at`

func scanSLOs(rows pgx.Rows) ([]slorec.SLO, error) {
	out := []slorec.SLO{}
	var o slorec.SLO
	_, err := pgx.ForEachRow(rows, []any{&o.ID, &o.Service, &o.SLI, &o.Version, &o.Target, &o.ThresholdMs, &o.Percentile,
		&o.WindowDays, &o.RecommendationID, &o.Forced, &o.Justification, &o.Author, &o.CreatedAt}, func() error {
		o.CreatedAt = o.CreatedAt.UTC()
		out = append(out, o)
		return nil
	})
	return out, translate("read slos", err)
}

// CurrentSLOs implements store.SLOs.
func (t *tenantDB) CurrentSLOs(ctx context.Context, service string) ([]slorec.SLO, error) {
	rows, err := t.pool.Query(ctx, `SELECT DISTINCT ON (service, sli) `+sloColumns+`
		FROM slos WHERE tenant = $1 AND ($2 = '' OR service = $2) ORDER BY service, sli, version DESC`, t.tenant, service)
	if err != nil {
		return nil, translate("read slos", err)
	}
	return scanSLOs(rows)
}

// SLOHistory implements store.SLOs.
func (t *tenantDB) SLOHistory(ctx context.Context, service string, sli slorec.SLIKind) ([]slorec.SLO, error) {
	rows, err := t.pool.Query(ctx, `SELECT `+sloColumns+` FROM slos WHERE tenant = $1 AND service = $2 AND sli = $3 ORDER BY version`,
		t.tenant, service, sli)
	if err != nil {
		return nil, translate("read slo history", err)
	}
	return scanSLOs(rows)
}

// PutRecommendation implements store.Recommendations.
func (t *tenantDB) PutRecommendation(ctx context.Context, r slorec.Recommendation) (slorec.Recommendation, error) {
	if err := store.PrepareRecommendation(r); err != nil {
		return slorec.Recommendation{}, err
	}
	r.ID, r.CreatedAt = store.NewID("rec"), store.Now()
	err := t.inTx(ctx, func(tx pgx.Tx) error {
		// Serialise version numbering per service.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('rec:' || $1 || ':' || $2))`, t.tenant, r.Service); err != nil {
			return translate("lock recommendations", err)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM recommendations WHERE tenant = $1 AND service = $2`,
			t.tenant, r.Service).Scan(&r.Version); err != nil {
			return translate("next recommendation version", err)
		}
		body, err := json.Marshal(r)
		if err != nil {
			return slorec.Errorf(slorec.EINVALID, "recommendation: %v", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO recommendations (tenant, id, service, version, input_hash, created_at, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.tenant, r.ID, r.Service, r.Version, r.InputHash, r.CreatedAt, body)
		return translate("insert recommendation", err)
	})
	if err != nil {
		return slorec.Recommendation{}, err
	}
	return jsonRoundTrip(r)
}

// jsonRoundTrip returns r as it will read back from the body column.
func jsonRoundTrip(r slorec.Recommendation) (slorec.Recommendation, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return slorec.Recommendation{}, err
	}
	var out slorec.Recommendation
	return out, json.Unmarshal(b, &out)
}

func (t *tenantDB) oneRecommendation(ctx context.Context, notFound error, sql string, args ...any) (slorec.Recommendation, error) {
	var body []byte
	if err := t.pool.QueryRow(ctx, sql, args...).Scan(&body); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return slorec.Recommendation{}, notFound
		}
		return slorec.Recommendation{}, translate("read recommendation", err)
	}
	var r slorec.Recommendation
	if err := json.Unmarshal(body, &r); err != nil {
		return slorec.Recommendation{}, fmt.Errorf("decode recommendation: %w", err)
	}
	return r, nil
}

// Recommendation implements store.Recommendations.
func (t *tenantDB) Recommendation(ctx context.Context, id string) (slorec.Recommendation, error) {
	return t.oneRecommendation(ctx, slorec.Errorf(slorec.ENOTFOUND, "recommendation %q not found", id),
		`SELECT body FROM recommendations WHERE tenant = $1 AND id = $2`, t.tenant, id)
}

// RecommendationByInput implements store.Recommendations.
func (t *tenantDB) RecommendationByInput(ctx context.Context, service, inputHash string) (slorec.Recommendation, error) {
	return t.oneRecommendation(ctx, slorec.Errorf(slorec.ENOTFOUND, "no recommendation of %q for input %s", service, inputHash),
		`SELECT body FROM recommendations WHERE tenant = $1 AND service = $2 AND input_hash = $3 ORDER BY version DESC LIMIT 1`,
		t.tenant, service, inputHash)
}

// Recommendations implements store.Recommendations.
func (t *tenantDB) Recommendations(ctx context.Context, service string) ([]slorec.Recommendation, error) {
	rows, err := t.pool.Query(ctx, `SELECT body FROM recommendations WHERE tenant = $1 AND service = $2 ORDER BY version`, t.tenant, service)
	if err != nil {
		return nil, translate("read recommendations", err)
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, translate("read recommendations", err)
	}
	out := make([]slorec.Recommendation, 0, len(bodies))
	for _, b := range bodies {
		var r slorec.Recommendation
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("decode recommendation: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// PutFeedback implements store.Feedback.
func (t *tenantDB) PutFeedback(ctx context.Context, f slorec.Feedback) (slorec.Feedback, error) {
	if err := f.Validate(); err != nil {
		return slorec.Feedback{}, err
	}
	f.ID, f.CreatedAt = store.NewID("fb"), store.Now()
	tag, err := t.pool.Exec(ctx, `INSERT INTO feedback (tenant, id, recommendation_id, verdict, reason, comment, actor, created_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM recommendations WHERE tenant = $1 AND id = $3)`,
		t.tenant, f.ID, f.RecommendationID, f.Verdict, f.Reason, f.Comment, f.Actor, f.CreatedAt)
	if err != nil {
		return slorec.Feedback{}, translate("insert feedback", err)
	}
	if tag.RowsAffected() == 0 {
		return slorec.Feedback{}, slorec.Errorf(slorec.ENOTFOUND, "recommendation %q not found", f.RecommendationID)
	}
	return f, nil
}

// Feedback implements store.Feedback.
func (t *tenantDB) Feedback(ctx context.Context, recommendationID string) ([]slorec.Feedback, error) {
	rows, err := t.pool.Query(ctx, `SELECT id, recommendation_id, verdict, reason, comment, actor, created_at
		FROM feedback WHERE tenant = $1 AND recommendation_id = $2 ORDER BY created_at, id`, t.tenant, recommendationID)
	if err != nil {
		return nil, translate("read feedback", err)
	}
	var out []slorec.Feedback
	var f slorec.Feedback
	_, err = pgx.ForEachRow(rows, []any{&f.ID, &f.RecommendationID, &f.Verdict, &f.Reason, &f.Comment, &f.Actor, &f.CreatedAt}, func() error {
		f.CreatedAt = f.CreatedAt.UTC()
		out = append(out, f)
		return nil
	})
	return out, translate("read feedback", err)
}

// AppendAudit implements store.Audit.
func (t *tenantDB) AppendAudit(ctx context.Context, rec slorec.AuditRecord) (slorec.AuditRecord, error) {
	if err := store.PrepareAudit(rec); err != nil {
		return slorec.AuditRecord{}, err
	}
	return t.appendAudit(ctx, t.pool, rec, store.Now())
}

// appendAudit inserts a prepared record through q (the pool or a
// transaction).
func (t *tenantDB) appendAudit(ctx context.Context, q querier, rec slorec.AuditRecord, now time.Time) (slorec.AuditRecord, error) {
	detail, err := json.Marshal(rec.Detail)
	if err != nil {
		return slorec.AuditRecord{}, slorec.Errorf(slorec.EINVALID, "audit: detail: %v", err)
	}
	if rec.Detail == nil {
		detail = []byte("{}")
	}
	rec.At = now
	err = q.QueryRow(ctx, `INSERT INTO audit_log (tenant, at, actor, action, subject, detail)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`, t.tenant, rec.At, rec.Actor, rec.Action, rec.Subject, detail).Scan(&rec.Seq)
	if err != nil {
		return slorec.AuditRecord{}, translate("append audit", err)
	}
	rec.Detail = nil
	if err := json.Unmarshal(detail, &rec.Detail); err != nil {
		return slorec.AuditRecord{}, err
	}
	if len(rec.Detail) == 0 {
		rec.Detail = nil
	}
	return rec, nil
}

// Audit implements store.Audit.
func (t *tenantDB) Audit(ctx context.Context, f slorec.AuditFilter) ([]slorec.AuditRecord, error) {
	rows, err := t.pool.Query(ctx, `SELECT seq, at, actor, action, subject, detail FROM audit_log
		WHERE tenant = $1 AND ($2 = '' OR actor = $2) AND ($3 = '' OR action = $3) AND ($4 = '' OR subject = $4)
			AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
		ORDER BY seq DESC LIMIT $7`,
		t.tenant, f.Actor, f.Action, f.Subject, nullTime(f.Since), nullTime(f.Until), store.AuditLimit(f))
	if err != nil {
		return nil, translate("read audit", err)
	}
	var out []slorec.AuditRecord
	var r slorec.AuditRecord
	var detail []byte
	_, err = pgx.ForEachRow(rows, []any{&r.Seq, &r.At, &r.Actor, &r.Action, &r.Subject, &detail}, func() error {
		r.At = r.At.UTC()
		r.Detail = nil
		if err := json.Unmarshal(detail, &r.Detail); err != nil {
			return err
		}
		if len(r.Detail) == 0 {
			r.Detail = nil
		}
		out = append(out, r)
		return nil
	})
	return out, translate("read audit", err)
}

func slicesSortByID(s []slorec.Service) {
	slices.SortFunc(s, func(a, b slorec.Service) int { return strings.Compare(a.ID, b.ID) })
}
