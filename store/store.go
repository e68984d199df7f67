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
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slorec/slorec"
)

// Store is everything slorec persists, for every tenant.
type Store interface {
	// Tenant returns the store as one tenant sees it: every method of the
	// result reads and writes that tenant's rows only, and an id that
	// belongs to another tenant is ENOTFOUND, exactly like one that does
	// not exist. It panics on an invalid id (slorec.ValidTenant); callers
	// take tenant ids from authenticated tokens or from the CLI's
	// slorec.DefaultTenant.
	Tenant(id string) TenantStore
	Tokens
	Idempotency
	Outbox
	// Close releases the store's resources.
	Close()
}

// TenantStore is one tenant's data.
type TenantStore interface {
	Catalog
	Metrics
	SLOs
	Recommendations
	Feedback
	Audit
	Webhooks
	Conversations
	Ingestions
	// CommitSLOs is the transactional outbox: in one transaction it
	// stores slos as PutSLOs does, appends audit, and queues one delivery
	// of event (its Tenant set to this tenant, its ID and At filled when
	// empty, its Data the stored SLOs when nil) for every active
	// subscription of the tenant that asks for event.Type. It returns the
	// stored SLOs and the queued deliveries, oldest subscription first;
	// on error nothing is stored. Errors: as PutSLOs, and EINVALID for a
	// bad event or audit record. Adapters hand the queued deliveries to
	// their job engine inside the same transaction (store/postgres: a
	// River job per delivery, inserted with the rows).
	CommitSLOs(ctx context.Context, slos []slorec.SLO, audit slorec.AuditRecord, event slorec.Event) ([]slorec.SLO, []slorec.Delivery, error)
}

// Tokens stores API credentials. Only a SHA-256 hash of each secret is
// kept.
type Tokens interface {
	// CreateToken stores a new token of tenant and returns it with its
	// secret (TokenPrefix and 43 base64url characters), which is never
	// retrievable again. Errors: EINVALID (bad tenant, empty or overlong
	// name, unknown role).
	CreateToken(ctx context.Context, tenant, name string, role slorec.Role) (slorec.Token, string, error)
	// Authenticate returns the token whose secret is given. Errors:
	// EUNAUTHORIZED for an unknown or revoked secret (the same error for
	// both, in time independent of which).
	Authenticate(ctx context.Context, secret string) (slorec.Token, error)
	// RevokeToken revokes a token; revoking twice is not an error.
	// Errors: ENOTFOUND.
	RevokeToken(ctx context.Context, id string) error
}

// Idempotency stores the outcomes of POSTs sent with an Idempotency-Key.
type Idempotency interface {
	// BeginIdempotent reserves (tenant, key) for a request whose body
	// hashes to requestHash. It returns nil, nil when the key is new: the
	// caller runs the request, then calls FinishIdempotent (or
	// ReleaseIdempotent when it failed with a 5xx, so a retry may run).
	// It returns the stored record when the key finished with the same
	// hash (replay it), and ECONFLICT when the key was used with another
	// hash or its first request is still running. A key reserved more
	// than IdempotencyTTL ago, finished or not, has expired and is new
	// again. Errors: EINVALID (bad tenant, empty or overlong key, empty
	// hash), ECONFLICT.
	BeginIdempotent(ctx context.Context, tenant, key, requestHash string) (*slorec.IdempotencyRecord, error)
	// FinishIdempotent stores the response (StatusCode, ContentType,
	// Body) of a key reserved with rec.RequestHash and still running.
	// Errors: EINVALID (bad record), ENOTFOUND (no such reservation).
	FinishIdempotent(ctx context.Context, rec slorec.IdempotencyRecord) error
	// ReleaseIdempotent drops a reservation that did not finish; a key
	// that finished, or is not reserved, is left alone without error.
	ReleaseIdempotent(ctx context.Context, tenant, key string) error
}

// Webhooks stores a tenant's subscriptions and shows its deliveries.
type Webhooks interface {
	// PutSubscription validates and stores a new subscription, filling
	// ID, Tenant, Active and CreatedAt; the result, like every read but
	// Outbox.Delivery, has no secret. Errors: EINVALID.
	PutSubscription(ctx context.Context, s slorec.Subscription) (slorec.Subscription, error)
	// Subscriptions lists the tenant's subscriptions, oldest first,
	// without secrets.
	Subscriptions(ctx context.Context) ([]slorec.Subscription, error)
	// DeleteSubscription deactivates one, so no further deliveries are
	// queued for it; its deliveries stay visible. Deleting twice is not
	// an error. Errors: ENOTFOUND.
	DeleteSubscription(ctx context.Context, id string) error
	// Deliveries lists the deliveries of one subscription (all when
	// subscriptionID is ""), newest first, at most limit (0 means 100,
	// capped at 1000). Errors: ENOTFOUND (unknown subscription).
	Deliveries(ctx context.Context, subscriptionID string, limit int) ([]slorec.Delivery, error)
}

// Outbox is the delivery worker's view of queued deliveries, across
// tenants.
type Outbox interface {
	// Delivery returns a delivery with its subscription (secret
	// included), for sending. Errors: ENOTFOUND.
	Delivery(ctx context.Context, id string) (slorec.Delivery, slorec.Subscription, error)
	// RecordAttempt stores the outcome of one attempt of a pending
	// delivery: attempts+1, last status and error, and the status
	// (delivered, with DeliveredAt = a.At; pending with NextAttemptAt;
	// failed when not delivered and NextAttemptAt is zero). A zero a.At
	// means now. With a.DeactivateSubscription the delivery's
	// subscription is deactivated in the same write, as
	// DeleteSubscription would. Errors: EINVALID (status code outside 0-599), ENOTFOUND,
	// ECONFLICT (the delivery is no longer pending: a second worker must
	// not overwrite the outcome of the first).
	RecordAttempt(ctx context.Context, id string, a slorec.DeliveryAttempt) (slorec.Delivery, error)
	// DueDeliveries lists pending deliveries whose next attempt is at or
	// before now, the earliest due first (then the oldest), at most limit
	// (0 means 100, capped at 1000): the in-process worker's queue
	// (store/postgres's River jobs do not need it).
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]slorec.Delivery, error)
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

// Ingestions keeps the metric ingestions that run in the background.
type Ingestions interface {
	// QueueIngestion stores a new queued ingestion of request (a JSON
	// object) asked for by actor, filling ID, Tenant, Status and
	// CreatedAt. The job that runs it is queued with it: on Postgres a
	// River IngestJob inserted in the same transaction; in memory the
	// caller runs it. Errors: EINVALID (no actor, request not a JSON
	// object).
	QueueIngestion(ctx context.Context, actor string, request []byte) (slorec.Ingestion, error)
	// Ingestion returns one. Errors: ENOTFOUND.
	Ingestion(ctx context.Context, id string) (slorec.Ingestion, error)
	// Ingestions lists the tenant's ingestions, newest first (then by id,
	// descending), at most limit (0 means 100, capped at 1000).
	Ingestions(ctx context.Context, limit int) ([]slorec.Ingestion, error)
	// StartIngestion marks an unfinished ingestion running, counting the
	// attempt. Errors: ENOTFOUND, ECONFLICT (already finished: a job
	// that runs again must not run it twice).
	StartIngestion(ctx context.Context, id string) (slorec.Ingestion, error)
	// FinishIngestion records a running ingestion's outcome: succeeded
	// when code is "", otherwise failed with code and message; report
	// (a JSON object, or nil) either way. Errors: EINVALID (a bad
	// report), ENOTFOUND, ECONFLICT (not running).
	FinishIngestion(ctx context.Context, id string, report []byte, code, message string) (slorec.Ingestion, error)
}

// IngestJob is the job of running one queued ingestion: River's job args
// on Postgres (kind "prometheus_ingest"); it carries the ingestion's
// tenant and id, everything else is read from the store.
type IngestJob struct {
	Tenant      string `json:"tenant"`
	IngestionID string `json:"ingestion_id"`
}

// Kind implements River's JobArgs.
func (IngestJob) Kind() string { return "prometheus_ingest" }

// IngestQueue is the River queue of ingestion jobs.
const IngestQueue = "ingest"

// PrepareIngestion validates QueueIngestion's arguments and returns the
// new ingestion of tenant.
func PrepareIngestion(tenant, actor string, request []byte) (slorec.Ingestion, error) {
	if actor == "" {
		return slorec.Ingestion{}, slorec.Errorf(slorec.EINVALID, "ingestion: no actor")
	}
	if !jsonObject(request) {
		return slorec.Ingestion{}, slorec.Errorf(slorec.EINVALID, "ingestion: the request must be a JSON object")
	}
	return slorec.Ingestion{ID: NewID("ing"), Tenant: tenant, Actor: actor, Request: slices.Clone(request),
		Status: slorec.IngestionQueued, CreatedAt: Now()}, nil
}

// FinishedIngestion applies FinishIngestion's outcome to a running
// ingestion at now.
func FinishedIngestion(in slorec.Ingestion, report []byte, code, message string, now time.Time) (slorec.Ingestion, error) {
	if report != nil && !jsonObject(report) {
		return in, slorec.Errorf(slorec.EINVALID, "ingestion %s: the report must be a JSON object", in.ID)
	}
	if in.Status != slorec.IngestionRunning {
		return in, slorec.Errorf(slorec.ECONFLICT, "ingestion %s is %s, not running", in.ID, in.Status)
	}
	in.Status, in.Report, in.Code, in.Error, in.FinishedAt = slorec.IngestionSucceeded, slices.Clone(report), "", "", now
	if code != "" {
		in.Status, in.Code, in.Error = slorec.IngestionFailed, code, message
	}
	return in, nil
}

// IngestionLimit is Ingestions' limit: 0 means 100, at most 1000.
func IngestionLimit(limit int) int {
	if limit <= 0 {
		return 100
	}
	return min(limit, 1000)
}

// NewestIngestionFirst orders ingestions as Ingestions lists them.
func NewestIngestionFirst(a, b slorec.Ingestion) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

func jsonObject(b []byte) bool {
	t := bytes.TrimSpace(b)
	return json.Valid(t) && len(t) > 0 && t[0] == '{'
}

// Conversations keeps the chat's conversations, so that a follow-up
// question finds its context on any API replica, after a restart and
// after the tenant's data changes. A turn's data is opaque to the store:
// the chat's JSON.
type Conversations interface {
	// ConversationTurns returns conversation id's turns recorded at or
	// after since, oldest first; none (nil) for an unknown conversation.
	// Errors: EINVALID (a bad id).
	ConversationTurns(ctx context.Context, id string, since time.Time) ([]Turn, error)
	// AppendTurn stores t as conversation id's newest turn and keeps its
	// newest keep turns. In the same write it drops up to PruneBatch of
	// the tenant's turns recorded before expired (conversations nobody
	// continued), so storage stays bounded without a sweeper. Errors:
	// EINVALID (a bad id, keep below 1, a zero At, Data not a JSON
	// object).
	AppendTurn(ctx context.Context, id string, t Turn, keep int, expired time.Time) error
}

// Turn is one stored turn of a conversation.
type Turn struct {
	At   time.Time
	Data []byte // a JSON object
}

const (
	// MaxConversationIDBytes bounds a conversation id.
	MaxConversationIDBytes = 128
	// PruneBatch is how many expired turns one AppendTurn drops at most.
	PruneBatch = 100
)

// CheckTurn validates AppendTurn's arguments.
func CheckTurn(id string, t Turn, keep int) error {
	if err := CheckConversationID(id); err != nil {
		return err
	}
	switch {
	case keep < 1:
		return slorec.Errorf(slorec.EINVALID, "conversation %q: keep %d turns (want at least 1)", id, keep)
	case t.At.IsZero():
		return slorec.Errorf(slorec.EINVALID, "conversation %q: a turn needs its time", id)
	case !jsonObject(t.Data):
		return slorec.Errorf(slorec.EINVALID, "conversation %q: a turn's data must be a JSON object", id)
	}
	return nil
}

// CheckConversationID validates a conversation id: 1 to
// MaxConversationIDBytes bytes of UTF-8.
func CheckConversationID(id string) error {
	switch {
	case id == "":
		return slorec.Errorf(slorec.EINVALID, "conversation id: empty")
	case len(id) > MaxConversationIDBytes:
		return slorec.Errorf(slorec.EINVALID, "conversation id: longer than %d bytes", MaxConversationIDBytes)
	case !utf8.ValidString(id):
		return slorec.Errorf(slorec.EINVALID, "conversation id: not UTF-8")
	}
	return nil
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

// DeliveryQueue is the River queue of delivery jobs; the worker that
// consumes them listens on it.
const DeliveryQueue = "webhooks"

// DeliveryMaxAttempts is how often a delivery is tried before it is
// failed, the same for River's job and the worker's retry policy.
const DeliveryMaxAttempts = 8
