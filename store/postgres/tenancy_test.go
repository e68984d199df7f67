package postgres_test

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/migrations"
	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/postgres"
	"github.com/slorec/slorec/store/storetest"
)

// openURL opens the store at url, closed when the test ends.
func openURL(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

// upTo returns the embedded migrations numbered up to last.
func upTo(t *testing.T, last string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() > last {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, e.Name())
		require.NoError(t, err)
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	return out
}

func TestExistingDataMovesToTheDefaultTenant(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	conn := connect(t, url)
	names, err := postgres.Migrate(ctx, conn, upTo(t, "0003_knowledge_rum.sql"))
	require.NoError(t, err)
	require.NotContains(t, names, "0004_tenants.sql")
	for _, stmt := range []string{
		`INSERT INTO catalog_versions (version) VALUES (1)`,
		`INSERT INTO services (id, kind, tier, version) VALUES ('checkout', 'service', 'critical', 1), ('payments', 'external', 'high', 1)`,
		`INSERT INTO dependencies (source, target, ord, type, criticality, provenance, version)
			VALUES ('checkout', 'payments', 0, 'sync', 'hard', 'declared', 1)`,
		`INSERT INTO metric_buckets (service, ts, requests, errors) VALUES ('checkout', '2026-10-01T00:00:00Z', 100, 1)`,
		`INSERT INTO slos (id, service, sli, version, target, window_days, created_at)
			VALUES ('slo_old', 'checkout', 'availability', 1, 0.995, 30, '2026-10-01T00:00:00Z')`,
		`INSERT INTO recommendations (id, service, version, input_hash, created_at, body)
			VALUES ('rec_old', 'checkout', 1, 'h1', '2026-10-01T00:00:00Z',
				'{"id": "rec_old", "service": "checkout", "version": 1, "input_hash": "h1", "objectives": [], "facts": []}')`,
		`INSERT INTO feedback (id, recommendation_id, verdict, created_at) VALUES ('fb_old', 'rec_old', 'accepted', '2026-10-01T00:00:00Z')`,
		`INSERT INTO audit_log (at, actor, action) VALUES ('2026-10-01T00:00:00Z', 'alice', 'slo.accept')`,
	} {
		_, err := conn.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	names, err = postgres.Migrate(ctx, conn, migrations.FS)
	require.NoError(t, err)
	require.Contains(t, names, "0004_tenants.sql")

	db := openURL(t, url)
	d := db.Tenant(slorec.DefaultTenant)
	svc, err := d.Service(ctx, "checkout")
	require.NoError(t, err)
	require.Equal(t, "payments", svc.Deps[0].Target)
	v, err := d.CatalogVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	m, err := d.Metrics(ctx, "checkout", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, m, 1)
	hist, err := d.SLOHistory(ctx, "checkout", slorec.Availability)
	require.NoError(t, err)
	require.Equal(t, "slo_old", hist[0].ID)
	rec, err := d.Recommendation(ctx, "rec_old")
	require.NoError(t, err)
	require.Equal(t, "h1", rec.InputHash)
	fb, err := d.Feedback(ctx, "rec_old")
	require.NoError(t, err)
	require.Equal(t, "fb_old", fb[0].ID)
	audit, err := d.Audit(ctx, slorec.AuditFilter{})
	require.NoError(t, err)
	require.Equal(t, "alice", audit[0].Actor)
	_, err = conn.Exec(ctx, `DELETE FROM audit_log`)
	require.ErrorContains(t, err, "append-only", "the audit log stays append-only")

	// The old rows are the default tenant's only; another tenant starts
	// empty and may reuse every id.
	acme := db.Tenant("acme")
	none, err := acme.Services(ctx)
	require.NoError(t, err)
	require.Empty(t, none)
	v, err = acme.UpsertGraph(ctx, slorec.Graph{Services: []slorec.Service{{ID: "checkout", Kind: slorec.KindService, Tier: slorec.TierLow}}})
	require.NoError(t, err)
	require.Equal(t, 1, v)
	slos, err := acme.PutSLOs(ctx, []slorec.SLO{{Service: "checkout", SLI: slorec.Availability, Target: 0.99}})
	require.NoError(t, err)
	require.Equal(t, 1, slos[0].Version)
	_, err = acme.Recommendation(ctx, "rec_old")
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
}

func TestTokenSecretsAreNotStoredInClear(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := openURL(t, url)
	_, secret, err := db.CreateToken(ctx, "acme", "ci", slorec.RoleEditor)
	require.NoError(t, err)
	body := strings.TrimPrefix(secret, store.TokenPrefix)

	conn := connect(t, url)
	rows, err := conn.Query(ctx, `SELECT t::text FROM api_tokens t`)
	require.NoError(t, err)
	var n int
	for rows.Next() {
		var row string
		require.NoError(t, rows.Scan(&row))
		require.NotContains(t, row, body)
		n++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 1, n)
	sum := sha256.Sum256([]byte(secret))
	var hashed int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE secret_sha256 = $1`, sum[:]).Scan(&hashed))
	require.Equal(t, 1, hashed, "only the SHA-256 of the secret is kept")
}

func TestIdempotencyKeysExpireAfterADay(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := openURL(t, url)
	rec, err := db.BeginIdempotent(ctx, "acme", "running", "h1")
	require.NoError(t, err)
	require.Nil(t, rec)
	rec, err = db.BeginIdempotent(ctx, "acme", "done", "h1")
	require.NoError(t, err)
	require.Nil(t, rec)
	require.NoError(t, db.FinishIdempotent(ctx, slorec.IdempotencyRecord{Tenant: "acme", Key: "done", RequestHash: "h1", StatusCode: 201}))

	conn := connect(t, url)
	_, err = conn.Exec(ctx, `UPDATE idempotency_keys SET created_at = created_at - interval '23 hours'`)
	require.NoError(t, err)
	_, err = db.BeginIdempotent(ctx, "acme", "running", "h2")
	require.Equal(t, slorec.ECONFLICT, slorec.ErrorCode(err), "a day is not over yet")
	rec, err = db.BeginIdempotent(ctx, "acme", "done", "h1")
	require.NoError(t, err)
	require.NotNil(t, rec)

	_, err = conn.Exec(ctx, `UPDATE idempotency_keys SET created_at = created_at - interval '1 hour'`)
	require.NoError(t, err)
	for _, key := range []string{"running", "done"} {
		rec, err := db.BeginIdempotent(ctx, "acme", key, "h2")
		require.NoError(t, err)
		require.Nil(t, rec, "%s: an expired key is new again, whatever its hash", key)
	}
}

// riverJobs returns kind, queue, max attempts and delivery id of every
// River job, oldest first.
func riverJobs(t *testing.T, url string) [][4]string {
	t.Helper()
	rows, err := connect(t, url).Query(context.Background(),
		`SELECT kind, queue, max_attempts::text, args->>'delivery_id' FROM river_job ORDER BY id`)
	require.NoError(t, err)
	var out [][4]string
	for rows.Next() {
		var j [4]string
		require.NoError(t, rows.Scan(&j[0], &j[1], &j[2], &j[3]))
		out = append(out, j)
	}
	require.NoError(t, rows.Err())
	return out
}

// commitToSubscribers seeds tenant acme of a fresh database with subs
// subscriptions to slo.accepted and commits one SLO, returning the
// database, its URL, the committed SLO and audit record, and the
// deliveries queued (one per subscription).
func commitToSubscribers(t *testing.T, subs int) (*postgres.DB, string, slorec.SLO, slorec.AuditRecord, []slorec.Delivery) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	db := openURL(t, url)
	acme := db.Tenant("acme")
	storetest.Seed(t, acme)
	for range subs {
		_, err := acme.PutSubscription(ctx, storetest.Subscription(slorec.EventSLOAccepted))
		require.NoError(t, err)
	}
	audit := slorec.AuditRecord{Actor: "alice", Action: "slo.commit", Subject: "checkout"}
	slo := slorec.SLO{Service: "checkout", SLI: slorec.Availability, Target: 0.995}
	_, dels, err := acme.CommitSLOs(ctx, []slorec.SLO{slo}, audit, slorec.Event{Type: slorec.EventSLOAccepted})
	require.NoError(t, err)
	require.Len(t, dels, subs)
	return db, url, slo, audit, dels
}

func TestCommitSLOsInsertsOneRiverJobPerDelivery(t *testing.T) {
	ctx := context.Background()
	db, url, slo, audit, dels := commitToSubscribers(t, 2)
	acme := db.Tenant("acme")

	want := [][4]string{
		{"webhook_delivery", "webhooks", "8", dels[0].ID},
		{"webhook_delivery", "webhooks", "8", dels[1].ID},
	}
	require.Equal(t, want, riverJobs(t, url))

	ghost := slo
	ghost.Service = "ghost"
	_, _, err := acme.CommitSLOs(ctx, []slorec.SLO{slo, ghost}, audit, slorec.Event{Type: slorec.EventSLOAccepted})
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	require.Equal(t, want, riverJobs(t, url), "a failed commit inserts no job")

	// No subscription, no job.
	other := db.Tenant("globex")
	storetest.Seed(t, other)
	_, dels, err = other.CommitSLOs(ctx, []slorec.SLO{slo}, audit, slorec.Event{Type: slorec.EventSLOAccepted})
	require.NoError(t, err)
	require.Empty(t, dels)
	require.Equal(t, want, riverJobs(t, url))
}

func TestCommitSLOsRollsBackWhenTheJobCannotBeInserted(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := openURL(t, url)
	acme := db.Tenant("acme")
	storetest.Seed(t, acme)
	_, err := acme.PutSubscription(ctx, storetest.Subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)

	// The job insert is the commit's last write: everything before it
	// must be undone.
	conn := connect(t, url)
	_, err = conn.Exec(ctx, `ALTER TABLE river_job RENAME TO river_job_away`)
	require.NoError(t, err)
	_, _, err = acme.CommitSLOs(ctx, []slorec.SLO{{Service: "checkout", SLI: slorec.Availability, Target: 0.995}},
		slorec.AuditRecord{Actor: "alice", Action: "slo.commit"}, slorec.Event{Type: slorec.EventSLOAccepted})
	require.Error(t, err)
	require.ErrorContains(t, err, "delivery jobs")
	storetest.RequireNothingCommitted(t, db, "acme")
}

func TestRequeueOverdueReplacesOnlyJobsRiverGaveUpOn(t *testing.T) {
	ctx := context.Background()
	db, url, _, _, dels := commitToSubscribers(t, 3)
	stuck, live, done := dels[0].ID, dels[1].ID, dels[2].ID
	c := connect(t, url)
	// River gave up on the first delivery's job; the second's is still
	// queued; the third was delivered. All three were due an hour ago.
	_, err := c.Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE args->>'delivery_id' = $1`, stuck)
	require.NoError(t, err)
	_, err = c.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 hour'`)
	require.NoError(t, err)
	_, err = db.RecordAttempt(ctx, done, slorec.DeliveryAttempt{StatusCode: 204, Delivered: true})
	require.NoError(t, err)

	n, err := db.RequeueOverdue(ctx, time.Now().Add(-15*time.Minute), 0)
	require.NoError(t, err)
	require.Equal(t, 1, n, "only the delivery without a live job gets one")
	jobs := riverJobs(t, url)
	require.Len(t, jobs, 4)
	require.Equal(t, [4]string{"webhook_delivery", "webhooks", "8", stuck}, jobs[3])

	n, err = db.RequeueOverdue(ctx, time.Now().Add(-15*time.Minute), 0)
	require.NoError(t, err)
	require.Zero(t, n, "the new job is live now, so a second sweep skips it")
	n, err = db.RequeueOverdue(ctx, time.Now().Add(-2*time.Hour), 0)
	require.NoError(t, err)
	require.Zero(t, n, "deliveries due after before are left alone")
	perDelivery := map[string]int{}
	for _, j := range riverJobs(t, url) {
		perDelivery[j[3]]++
	}
	require.Equal(t, map[string]int{stuck: 2, live: 1, done: 1}, perDelivery)
}

func TestQueueIngestionInsertsItsRiverJob(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := openURL(t, url)
	in, err := db.Tenant("acme").QueueIngestion(ctx, "alice", []byte(`{"window_days": 7}`))
	require.NoError(t, err)
	rows, err := connect(t, url).Query(ctx, `SELECT kind, queue, max_attempts::text, args->>'tenant', args->>'ingestion_id' FROM river_job ORDER BY id`)
	require.NoError(t, err)
	var jobs [][5]string
	for rows.Next() {
		var j [5]string
		require.NoError(t, rows.Scan(&j[0], &j[1], &j[2], &j[3], &j[4]))
		jobs = append(jobs, j)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, [][5]string{{"prometheus_ingest", "ingest", "3", "acme", in.ID}}, jobs)

	_, err = db.Tenant("acme").QueueIngestion(ctx, "", []byte(`{}`))
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	var n int
	require.NoError(t, connect(t, url).QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&n))
	require.Equal(t, 1, n, "a refused ingestion queues no job")
}
