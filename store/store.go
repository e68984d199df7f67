// Package store declares how slorec persists its catalog, metrics, SLOs,
// recommendations, feedback and audit log. Two adapters implement Store:
// store/postgres (pgx/v5, the production backend) and store/inmem (the
// embedded default). Both pass the one contract suite in store/storetest.
//
// Every method that writes more than one row is atomic: when it returns an
// error, nothing of its input has been stored.
//
// This package imports only the root package; adapters import it, never
// each other.
package store

import (
	"context"
	"time"

	"github.com/slorec/slorec"
)

// Store is everything slorec persists.
type Store interface {
	Catalog
	Metrics
	SLOs
	Recommendations
	Feedback
	Audit
	// Close releases the store's resources.
	Close()
}

// Catalog stores services and their dependency edges.
type Catalog interface {
	// UpsertGraph validates g and stores it as a new catalog version: new
	// or changed services are written with that version, and each listed
	// service's dependencies are replaced by the listed ones. Services not
	// in g are left alone, so partial graphs can be ingested. Edges without
	// provenance are recorded as declared. It returns the catalog version,
	// which is unchanged when g changes nothing. Errors: EINVALID.
	UpsertGraph(ctx context.Context, g slorec.Graph) (version int, err error)
	// Service returns one service with its dependencies. Errors: ENOTFOUND.
	Service(ctx context.Context, id string) (slorec.Service, error)
	// Services returns every service, sorted by id, with dependencies.
	Services(ctx context.Context) ([]slorec.Service, error)
	// CatalogVersion returns the current catalog version, 0 when empty.
	CatalogVersion(ctx context.Context) (int, error)
}

// Metrics stores metric buckets.
type Metrics interface {
	// PutMetrics validates and stores buckets. A bucket for a (service,
	// timestamp) already stored or repeated in the batch replaces the
	// earlier one. It returns how many distinct buckets were written.
	// Errors: EINVALID (bad bucket or unknown service; nothing is written).
	PutMetrics(ctx context.Context, buckets []slorec.MetricBucket) (int, error)
	// Metrics returns the service's buckets with from <= timestamp < to,
	// oldest first; a zero from or to leaves that side open.
	Metrics(ctx context.Context, service string, from, to time.Time) ([]slorec.MetricBucket, error)
}

// SLOs stores committed SLOs, versioned per service and SLI.
type SLOs interface {
	// PutSLOs validates and stores each SLO as the next version for its
	// (service, SLI), filling ID, Version and CreatedAt in the result.
	// Errors: EINVALID (bad SLO; nothing is written), ENOTFOUND (unknown
	// service).
	PutSLOs(ctx context.Context, slos []slorec.SLO) ([]slorec.SLO, error)
	// CurrentSLOs returns the latest version of each SLO of service, or of
	// every service when service is "", sorted by service and SLI.
	CurrentSLOs(ctx context.Context, service string) ([]slorec.SLO, error)
	// SLOHistory returns every version of one SLO, oldest first.
	SLOHistory(ctx context.Context, service string, sli slorec.SLIKind) ([]slorec.SLO, error)
}

// Recommendations stores engine results, versioned per service.
type Recommendations interface {
	// PutRecommendation stores r as the service's next version, filling
	// ID, Version and CreatedAt in the result. Errors: EINVALID.
	PutRecommendation(ctx context.Context, r slorec.Recommendation) (slorec.Recommendation, error)
	// Recommendation returns one recommendation. Errors: ENOTFOUND.
	Recommendation(ctx context.Context, id string) (slorec.Recommendation, error)
	// RecommendationByInput returns the newest recommendation of service
	// computed from inputHash. Errors: ENOTFOUND.
	RecommendationByInput(ctx context.Context, service, inputHash string) (slorec.Recommendation, error)
	// Recommendations returns every version for service, oldest first.
	Recommendations(ctx context.Context, service string) ([]slorec.Recommendation, error)
}

// Feedback stores developers' verdicts on recommendations.
type Feedback interface {
	// PutFeedback stores f, filling ID and CreatedAt. Errors: EINVALID,
	// ENOTFOUND (unknown recommendation).
	PutFeedback(ctx context.Context, f slorec.Feedback) (slorec.Feedback, error)
	// Feedback returns the feedback on one recommendation, oldest first.
	Feedback(ctx context.Context, recommendationID string) ([]slorec.Feedback, error)
}

// Audit is the append-only audit log: records can be added and read, never
// changed or removed.
type Audit interface {
	// AppendAudit stores rec, filling Seq and At. Errors: EINVALID.
	AppendAudit(ctx context.Context, rec slorec.AuditRecord) (slorec.AuditRecord, error)
	// Audit returns matching records, newest first.
	Audit(ctx context.Context, f slorec.AuditFilter) ([]slorec.AuditRecord, error)
}

// DeliveryJob is the job of sending one webhook delivery: River's job
// args on Postgres (kind "webhook_delivery"), the in-process worker's
// unit of work otherwise. It carries only the delivery's id; everything
// else is read from the outbox when the job runs.
type DeliveryJob struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind implements River's JobArgs.
func (DeliveryJob) Kind() string { return "webhook_delivery" }
