package webhook

import (
	"context"
	"fmt"
	"log/slog"
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
)

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

// NewRiverClient returns a River client that works store.DeliveryJob on
// the QueueName queue, RiverMaxWorkers at a time. Every `slorec serve`
// replica on the same database runs one: River locks each job row while
// a client works it (FOR UPDATE SKIP LOCKED), so a job runs on one
// replica at a time. Start it with the server's context; cancelling that
// context stops fetching and lets running sends finish (SoftStopTimeout
// is one run's Timeout). River's schema must be migrated first
// (rivermigrate). Errors: EINVALID, and River's configuration errors.
func NewRiverClient(pool *pgxpool.Pool, outbox Outbox, sender *Sender, policy Policy, logger *slog.Logger) (*river.Client[pgx.Tx], error) {
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
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:          map[string]river.QueueConfig{QueueName: {MaxWorkers: RiverMaxWorkers}},
		Workers:         workers,
		Logger:          w.dl.log,
		SoftStopTimeout: w.Timeout(nil),
	})
	if err != nil {
		return nil, fmt.Errorf("new river client: %w", err)
	}
	return c, nil
}
