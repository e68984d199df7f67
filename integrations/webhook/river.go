package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

// River's side of the deliveries.
const (
	// QueueName is the River queue of store.DeliveryJob: the store must
	// insert its jobs with river.InsertOpts{Queue: QueueName}, or no
	// client made by NewRiverClient will work them.
	QueueName = store.DeliveryQueue
	// RiverMaxWorkers is the number of deliveries one client sends at
	// once; replicas add up.
	RiverMaxWorkers = 4
	// SweepInterval is how often the leading client looks for pending
	// deliveries without a live job (see Requeuer), and SweepAge how long
	// past due a delivery must be to count: a delivery with a working job
	// is attempted within seconds of coming due.
	SweepInterval = 10 * time.Minute
	SweepAge      = 15 * time.Minute
)

// Requeuer is an Outbox whose deliveries are River jobs
// (store/postgres.DB): RequeueOverdue inserts the job again of each
// pending delivery due before before, at most limit, skipping those whose
// job is still live, and returns how many it inserted. Without it a
// delivery whose job River discarded (after DeliveryMaxAttempts outbox
// failures) would stay pending for ever.
type Requeuer interface {
	RequeueOverdue(ctx context.Context, before time.Time, limit int) (int, error)
}

// SweepJob is the periodic job (kind "webhook_sweep") that calls
// Requeuer.RequeueOverdue; River runs it on the leading client only.
type SweepJob struct{}

// Kind implements River's JobArgs.
func (SweepJob) Kind() string { return "webhook_sweep" }

// sweepWorker works SweepJob.
type sweepWorker struct {
	river.WorkerDefaults[SweepJob]
	requeuer Requeuer
	now      func() time.Time
	log      *slog.Logger
}

// sweepBatch bounds one sweep; a longer backlog is taken by the next.
const sweepBatch = 1000

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepJob]) error {
	n, err := w.requeuer.RequeueOverdue(ctx, w.now().Add(-SweepAge), sweepBatch)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.WarnContext(ctx, "webhook deliveries without a live job requeued", slog.Int("deliveries", n))
	}
	return nil
}

// RiverWorker is the River worker of store.DeliveryJob (kind
// "webhook_delivery"). Each run makes one attempt through the same step
// as Worker.Deliver, and tells River what the outbox now says:
//
//   - delivered or given up: nil, so River completes the job;
//   - to be retried: river.JobSnooze until the delivery's NextAttemptAt.
//     A snooze does not count as one of River's attempts, so the Policy
//     alone decides how often and how long a delivery is retried, the
//     same as with Worker, and the delivery row and the job agree on
//     when the next attempt is;
//   - the delivery no longer exists: river.JobCancel;
//   - the outbox failed (database down): the error, so River retries the
//     job with its own backoff. Only these count as River attempts; the
//     job's max_attempts (River's default 25, whoever inserts it) bounds
//     outbox failures, not HTTP ones.
type RiverWorker struct {
	river.WorkerDefaults[store.DeliveryJob]
	dl *deliverer
}

var _ river.Worker[store.DeliveryJob] = (*RiverWorker)(nil)

// NewRiverWorker returns the River worker of deliveries. A nil sender
// means NewSender's defaults; a nil logger discards. Errors: EINVALID.
func NewRiverWorker(outbox Outbox, sender *Sender, policy Policy, logger *slog.Logger) (*RiverWorker, error) {
	if outbox == nil {
		return nil, slorec.Errorf(slorec.EINVALID, "webhook river worker: no outbox")
	}
	if err := policy.Validate(); err != nil {
		return nil, err
	}
	if sender == nil {
		sender = NewSender(SenderConfig{})
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &RiverWorker{dl: &deliverer{outbox: outbox, sender: sender, policy: policy, now: sender.now, log: logger}}, nil
}

// Timeout bounds one run: the POST, and reading and writing the outbox
// around it.
func (w *RiverWorker) Timeout(*river.Job[store.DeliveryJob]) time.Duration {
	return w.dl.sender.Timeout() + 2*recordTimeout
}

// Work makes one attempt of the job's delivery.
func (w *RiverWorker) Work(ctx context.Context, job *river.Job[store.DeliveryJob]) error {
	d, err := w.dl.deliver(ctx, job.Args.DeliveryID)
	switch {
	case slorec.ErrorCode(err) == slorec.ENOTFOUND:
		return river.JobCancel(err)
	case err != nil:
		return err
	case d.Status == slorec.DeliveryPending:
		return river.JobSnooze(max(d.NextAttemptAt.Sub(w.dl.now()), 0))
	}
	return nil
}

// RiverJobs are other jobs for NewRiverClient's client: their queue, how
// many run at once, the longest one of their runs may take (their
// workers' Timeout), and a function adding their workers.
type RiverJobs struct {
	Queue      string
	MaxWorkers int
	Timeout    time.Duration
	Add        func(*river.Workers) error
}

// RescueMargin is how long past the longest run's timeout a job still
// marked running is taken for abandoned (its process died) and retried.
const RescueMargin = 5 * time.Minute

// rescueAfter is River's RescueStuckJobsAfter for a client whose runs
// take at most the given timeouts: the longest plus RescueMargin, so that
// a job is never rescued while it may still run, and an abandoned one is
// retried minutes later rather than after River's default hour.
func rescueAfter(timeouts ...time.Duration) time.Duration {
	return slices.Max(timeouts) + RescueMargin
}

// NewRiverClient returns a River client that works store.DeliveryJob on
// the QueueName queue, RiverMaxWorkers at a time. Every `slorec serve`
// replica on the same database runs one: River locks each job row while
// a client works it (FOR UPDATE SKIP LOCKED), so a job runs on one
// replica at a time. Start it with the server's context; cancelling that
// context stops fetching and lets running sends finish (SoftStopTimeout
// is one run's Timeout). River's schema must be migrated first
// (rivermigrate). When outbox is a Requeuer, the client also sweeps
// (SweepJob, every SweepInterval and once at start, on the leader only).
// More adds other kinds of jobs to the same client (one River client per
// process: one leader election, one fetch loop per queue). Errors:
// EINVALID, and River's configuration errors.
func NewRiverClient(pool *pgxpool.Pool, outbox Outbox, sender *Sender, policy Policy, logger *slog.Logger, more ...RiverJobs) (*river.Client[pgx.Tx], error) {
	if pool == nil {
		return nil, slorec.Errorf(slorec.EINVALID, "webhook river client: no pool")
	}
	w, err := NewRiverWorker(outbox, sender, policy, logger)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, fmt.Errorf("add webhook worker: %w", err)
	}
	var periodic []*river.PeriodicJob
	if r, ok := outbox.(Requeuer); ok {
		if err := river.AddWorkerSafely(workers, &sweepWorker{requeuer: r, now: w.dl.now, log: w.dl.log}); err != nil {
			return nil, fmt.Errorf("add webhook sweep worker: %w", err)
		}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(SweepInterval),
			func() (river.JobArgs, *river.InsertOpts) { return SweepJob{}, &river.InsertOpts{Queue: QueueName} },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	queues := map[string]river.QueueConfig{QueueName: {MaxWorkers: RiverMaxWorkers}}
	timeouts := []time.Duration{w.Timeout(nil)}
	for _, m := range more {
		if m.Queue == "" || m.Queue == QueueName || m.MaxWorkers < 1 || m.Timeout <= 0 || m.Add == nil {
			return nil, slorec.Errorf(slorec.EINVALID, "webhook river client: jobs of queue %q: a queue of their own, a worker count, a timeout and workers are required", m.Queue)
		}
		timeouts = append(timeouts, m.Timeout)
		if err := m.Add(workers); err != nil {
			return nil, fmt.Errorf("add the workers of queue %s: %w", m.Queue, err)
		}
		queues[m.Queue] = river.QueueConfig{MaxWorkers: m.MaxWorkers}
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:               queues,
		Workers:              workers,
		PeriodicJobs:         periodic,
		Logger:               w.dl.log,
		SoftStopTimeout:      w.Timeout(nil),
		RescueStuckJobsAfter: rescueAfter(timeouts...),
	})
	if err != nil {
		return nil, fmt.Errorf("new river client: %w", err)
	}
	return c, nil
}
