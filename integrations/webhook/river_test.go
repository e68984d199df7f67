package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/webhook"
	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/postgres"
	"github.com/slorec/slorec/store/storetest"
)

// riverDB returns a pool on a fresh database with River's schema.
func riverDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	url := pgtest.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	require.NoError(t, err)
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	require.NoError(t, err)
	return pool
}

// subscribed returns a River database and an outbox whose subscription
// sub-1 posts to a receiver answering with respond, holding a delivery
// due now for each id.
func subscribed(t *testing.T, respond func(int, http.ResponseWriter, *http.Request), ids ...string) (*pgxpool.Pool, *receiver, *outbox) {
	t.Helper()
	pool := riverDB(t)
	rc := newReceiver(t, respond)
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	for _, id := range ids {
		o.add(id, "sub-1", time.Now())
	}
	return pool, rc, o
}

// insertJobs inserts one store.DeliveryJob per id in one transaction,
// with an insert-only client, as the store's commit does.
func insertJobs(t *testing.T, pool *pgxpool.Pool, ids ...string) []int64 {
	t.Helper()
	ctx := context.Background()
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	var jobs []int64
	for _, id := range ids {
		res, err := inserter.InsertTx(ctx, tx, store.DeliveryJob{DeliveryID: id}, &river.InsertOpts{Queue: webhook.QueueName})
		require.NoError(t, err)
		jobs = append(jobs, res.Job.ID)
	}
	require.NoError(t, tx.Commit(ctx))
	return jobs
}

// startRiver starts a delivery client and stops it when the test ends.
func startRiver(t *testing.T, pool *pgxpool.Pool, o webhook.Outbox, policy webhook.Policy) *river.Client[pgx.Tx] {
	t.Helper()
	c, err := webhook.NewRiverClient(pool, o, nil, policy, nil)
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, c.Stop(ctx))
	})
	return c
}

// waitFinished waits for River to finish job id (completed, cancelled or
// discarded) and returns its row.
func waitFinished(t *testing.T, c *river.Client[pgx.Tx], id int64) *rivertype.JobRow {
	t.Helper()
	var row *rivertype.JobRow
	require.Eventually(t, func() bool {
		var err error
		row, err = c.JobGet(context.Background(), id)
		require.NoError(t, err)
		return row.FinalizedAt != nil
	}, 15*time.Second, 10*time.Millisecond)
	return row
}

func snoozes(t *testing.T, row *rivertype.JobRow) int {
	t.Helper()
	var m struct {
		Snoozes int `json:"snoozes"`
	}
	require.NoError(t, json.Unmarshal(row.Metadata, &m))
	return m.Snoozes
}

func TestRiverDeliversOnce(t *testing.T) {
	t.Parallel()
	pool, rc, o := subscribed(t, nil, "d-1")
	c := startRiver(t, pool, o, webhook.Policy{})

	job := insertJobs(t, pool, "d-1")[0]

	row := waitFinished(t, c, job)
	require.Equal(t, rivertype.JobStateCompleted, row.State)
	require.Equal(t, slorec.DeliveryDelivered, o.get("d-1").Status)
	time.Sleep(100 * time.Millisecond)
	reqs := rc.got()
	require.Len(t, reqs, 1)
	requireVerified(t, reqs)
	require.Equal(t, "d-1", reqs[0].header.Get(webhook.HeaderDeliveryID))
}

func TestRiverRetries(t *testing.T) {
	t.Parallel()
	// Retries after 10 ms; a snoozed job then waits for one of River's
	// fetches (at most 1 s apart by default).
	policy := webhook.Policy{MaxAttempts: 3, Base: 10 * time.Millisecond, Max: 10 * time.Millisecond, Jitter: webhook.NoJitter}
	tests := map[string]struct {
		respond    func(int, http.ResponseWriter, *http.Request)
		wantStatus string
		wantCodes  []int
	}{
		"A receiver failing once should get the delivery on the retry.": {
			respond: failFirst(1), wantStatus: slorec.DeliveryDelivered, wantCodes: []int{500, 200},
		},
		"A receiver always failing should be given up after MaxAttempts.": {
			respond: status(http.StatusInternalServerError), wantStatus: slorec.DeliveryFailed, wantCodes: []int{500, 500, 500},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pool, rc, o := subscribed(t, tt.respond, "d-1")
			c := startRiver(t, pool, o, policy)

			job := insertJobs(t, pool, "d-1")[0]

			row := waitFinished(t, c, job)
			require.Equal(t, rivertype.JobStateCompleted, row.State, "delivered or given up, the job is done")
			require.Equal(t, tt.wantStatus, o.get("d-1").Status)
			var codes []int
			for _, a := range o.attemptsOf("d-1") {
				codes = append(codes, a.StatusCode)
			}
			require.Equal(t, tt.wantCodes, codes)
			require.Len(t, rc.got(), len(tt.wantCodes))
			requireVerified(t, rc.got())
			// Each retry was a snooze, which River does not count as an
			// attempt: the Policy alone bounds the retries.
			require.Equal(t, len(tt.wantCodes)-1, snoozes(t, row))
			require.Equal(t, 1, row.Attempt)
		})
	}
}

func TestRiverCancelsUnknownDelivery(t *testing.T) {
	t.Parallel()
	pool := riverDB(t)
	c := startRiver(t, pool, newOutbox(), webhook.Policy{})

	job := insertJobs(t, pool, "gone")[0]

	row := waitFinished(t, c, job)
	require.Equal(t, rivertype.JobStateCancelled, row.State)
}

func TestRiverReplicasDeliverEachOnce(t *testing.T) {
	t.Parallel()
	const n = 40
	pool := riverDB(t)
	rc := newReceiver(t, slow(20*time.Millisecond, http.StatusOK))
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	var ids []string
	for i := range n {
		id := fmt.Sprintf("d-%02d", i)
		o.add(id, "sub-1", time.Now())
		ids = append(ids, id)
	}
	// Two replicas: two clients on the same database and outbox, each
	// counting what it recorded.
	replicas := []*countingOutbox{{Outbox: o}, {Outbox: o}}
	a := startRiver(t, pool, replicas[0], webhook.Policy{})
	startRiver(t, pool, replicas[1], webhook.Policy{})

	jobs := insertJobs(t, pool, ids...)

	for _, job := range jobs {
		require.Equal(t, rivertype.JobStateCompleted, waitFinished(t, a, job).State)
	}
	got := rc.countByDelivery()
	require.Len(t, got, n)
	for id, c := range got {
		require.Equal(t, 1, c, "delivery %s", id)
		require.Equal(t, slorec.DeliveryDelivered, o.get(id).Status)
		require.Equal(t, 1, o.get(id).Attempts)
	}
	_, overlaps := rc.concurrency()
	require.Empty(t, overlaps)
	r0, r1 := replicas[0].recorded(), replicas[1].recorded()
	require.Equal(t, n, r0+r1)
	// Both start before the jobs are inserted, so both are woken and
	// share the work (20 and 20 in every run so far).
	require.Positive(t, r0, "replica 0 sent nothing")
	require.Positive(t, r1, "replica 1 sent nothing")
}

// countingOutbox counts the attempts recorded through it.
type countingOutbox struct {
	webhook.Outbox
	mu sync.Mutex
	n  int
}

func (c *countingOutbox) RecordAttempt(ctx context.Context, id string, a slorec.DeliveryAttempt) (slorec.Delivery, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Outbox.RecordAttempt(ctx, id, a)
}

func (c *countingOutbox) recorded() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// The Postgres store is the Requeuer serve's River client sweeps with.
var _ webhook.Requeuer = (*postgres.DB)(nil)

func TestRiverSweepRequeuesADeliveryWhoseJobWasDiscarded(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t, nil)
	db, err := postgres.Open(ctx, pgtest.URL(t))
	require.NoError(t, err)
	t.Cleanup(db.Close)
	acme := db.Tenant("acme")
	storetest.Seed(t, acme)
	sub := storetest.Subscription(slorec.EventSLOAccepted)
	sub.URL = rc.URL
	_, err = acme.PutSubscription(ctx, sub)
	require.NoError(t, err)
	slo := slorec.SLO{Service: "checkout", SLI: slorec.Availability, Target: 0.995}
	_, dels, err := acme.CommitSLOs(ctx, []slorec.SLO{slo}, slorec.AuditRecord{Actor: "alice", Action: "slo.commit", Subject: "checkout"}, slorec.Event{Type: slorec.EventSLOAccepted})
	require.NoError(t, err)
	require.Len(t, dels, 1)
	// River gave up on the job (say the database was down for each of
	// its attempts) while the delivery, due an hour ago, stayed pending.
	_, err = db.Pool().Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now()`)
	require.NoError(t, err)
	_, err = db.Pool().Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 hour'`)
	require.NoError(t, err)

	startRiver(t, db.Pool(), db, webhook.Policy{})

	require.Eventually(t, func() bool {
		d, _, err := db.Delivery(ctx, dels[0].ID)
		require.NoError(t, err)
		return d.Status == slorec.DeliveryDelivered
	}, 20*time.Second, 20*time.Millisecond, "the sweep at start requeues the delivery and it is sent")
	require.Len(t, rc.got(), 1)
}

// A job left running by a process that died is retried once it has been
// running RescueMargin past the longest timeout, not after River's
// default hour; one still within that time is left alone.
func TestRiverRescuesAnAbandonedJob(t *testing.T) {
	t.Parallel()
	pool, _, o := subscribed(t, nil, "d-1", "d-2")
	jobs := insertJobs(t, pool, "d-1", "d-2")
	ctx := context.Background()
	// Both taken by a worker that is gone: d-1 twenty minutes ago, past
	// the margin but well within River's default hour; d-2 a minute ago.
	for i, ago := range []string{"20 minutes", "1 minute"} {
		_, err := pool.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
			attempted_at = now() - $2::interval, attempted_by = ARRAY['gone'] WHERE id = $1`, jobs[i], ago)
		require.NoError(t, err)
	}
	c := startRiver(t, pool, o, webhook.Policy{})

	var row *rivertype.JobRow
	require.Eventually(t, func() bool {
		var err error
		row, err = c.JobGet(ctx, jobs[0])
		require.NoError(t, err)
		return row.FinalizedAt != nil
	}, time.Minute, 50*time.Millisecond, "the abandoned job was not rescued")
	require.Equal(t, rivertype.JobStateCompleted, row.State)
	require.Equal(t, 2, row.Attempt, "rescued, then worked once more")
	require.Equal(t, slorec.DeliveryDelivered, o.get("d-1").Status)

	recent, err := c.JobGet(ctx, jobs[1])
	require.NoError(t, err)
	require.Equal(t, rivertype.JobStateRunning, recent.State, "a job within its timeout and margin may still be running elsewhere")
}

func TestNewRiverClientRejectsIncompleteJobs(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), "postgres://127.0.0.1:1/none") // never connected
	require.NoError(t, err)
	defer pool.Close()
	add := func(*river.Workers) error { return nil }
	for name, jobs := range map[string]webhook.RiverJobs{
		"no queue":           {MaxWorkers: 1, Timeout: time.Minute, Add: add},
		"the webhooks' own":  {Queue: webhook.QueueName, MaxWorkers: 1, Timeout: time.Minute, Add: add},
		"no workers":         {Queue: "other", Timeout: time.Minute, Add: add},
		"no timeout":         {Queue: "other", MaxWorkers: 1, Add: add},
		"no worker function": {Queue: "other", MaxWorkers: 1, Timeout: time.Minute},
	} {
		_, err := webhook.NewRiverClient(pool, newOutbox(), nil, webhook.Policy{}, nil, jobs)
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err), name)
	}
	_, err = webhook.NewRiverClient(pool, newOutbox(), nil, webhook.Policy{}, nil,
		webhook.RiverJobs{Queue: "other", MaxWorkers: 1, Timeout: time.Minute, Add: add})
	require.NoError(t, err)
}
