package main

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/integrations/webhook"
	"github.com/slorec/slorec/store"
)

// IngestTimeout bounds one run of a queued ingestion: minutes for a
// fleet of hundreds of services, far beyond an HTTP request's deadline.
const IngestTimeout = 30 * time.Minute

// ingestWorker runs store.IngestJob: a queued Prometheus ingestion.
type ingestWorker struct {
	river.WorkerDefaults[store.IngestJob]
	app *app.App
}

// Work runs the ingestion; app.RunIngestion records its outcome and
// fails only when the store could not, so River retries just that.
func (w *ingestWorker) Work(ctx context.Context, job *river.Job[store.IngestJob]) error {
	return w.app.RunIngestion(ctx, job.Args.Tenant, job.Args.IngestionID)
}

// Timeout implements river.Worker.
func (w *ingestWorker) Timeout(*river.Job[store.IngestJob]) time.Duration { return IngestTimeout }

// ingestJobs are the ingestion jobs of the River client, app.MaxIngestions at a
// time per replica.
func ingestJobs(a *app.App) webhook.RiverJobs {
	return webhook.RiverJobs{Queue: store.IngestQueue, MaxWorkers: app.MaxIngestions, Timeout: IngestTimeout, Add: func(ws *river.Workers) error {
		return river.AddWorkerSafely(ws, &ingestWorker{app: a})
	}}
}
