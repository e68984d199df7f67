// Package app implements slorec's use cases for the REST API and the chat,
// one tenant at a time, over a tenant's store: recommendations computed by
// the engine and cached by the tenant's data generation, guarded
// explanations, SLO commits checked against what the dependencies allow
// (an infeasible target is refused unless forced with a justification,
// which is audited) and published to webhook subscribers through the
// store's transactional outbox, impact analysis, feedback and scorecards.
//
// It declares the store methods it needs (TenantStore) and reaches the
// advisor through a constructor function, so the api package depends on
// app's types only and cmd/slorec wires everything.
package app

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prometheus"
	"github.com/slorec/slorec/integrations/prommap"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/depgraph"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/stats"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/store"
)

// TenantStore is what app reads and writes of one tenant;
// store.TenantStore fits.
type TenantStore interface {
	UpsertGraph(ctx context.Context, g slorec.Graph) (int, error)
	Service(ctx context.Context, id string) (slorec.Service, error)
	Services(ctx context.Context) ([]slorec.Service, error)
	CatalogVersion(ctx context.Context) (int, error)
	PutMetrics(ctx context.Context, buckets []slorec.MetricBucket) (int, error)
	Metrics(ctx context.Context, service string, from, to time.Time) ([]slorec.MetricBucket, error)
	CurrentSLOs(ctx context.Context, service string) ([]slorec.SLO, error)
	SLOHistory(ctx context.Context, service string, sli slorec.SLIKind) ([]slorec.SLO, error)
	PutRecommendation(ctx context.Context, r slorec.Recommendation) (slorec.Recommendation, error)
	Recommendation(ctx context.Context, id string) (slorec.Recommendation, error)
	RecommendationByInput(ctx context.Context, service, inputHash string) (slorec.Recommendation, error)
	PutFeedback(ctx context.Context, f slorec.Feedback) (slorec.Feedback, error)
	AppendAudit(ctx context.Context, rec slorec.AuditRecord) (slorec.AuditRecord, error)
	Audit(ctx context.Context, f slorec.AuditFilter) ([]slorec.AuditRecord, error)
	CommitSLOs(ctx context.Context, slos []slorec.SLO, audit slorec.AuditRecord, event slorec.Event) ([]slorec.SLO, []slorec.Delivery, error)
	PutSubscription(ctx context.Context, s slorec.Subscription) (slorec.Subscription, error)
	Subscriptions(ctx context.Context) ([]slorec.Subscription, error)
	DeleteSubscription(ctx context.Context, id string) error
	Deliveries(ctx context.Context, subscriptionID string, limit int) ([]slorec.Delivery, error)
	QueueIngestion(ctx context.Context, actor string, request []byte) (slorec.Ingestion, error)
	Ingestion(ctx context.Context, id string) (slorec.Ingestion, error)
	Ingestions(ctx context.Context, limit int) ([]slorec.Ingestion, error)
	StartIngestion(ctx context.Context, id string) (slorec.Ingestion, error)
	FinishIngestion(ctx context.Context, id string, report []byte, code, message string) (slorec.Ingestion, error)
	ConversationTurns(ctx context.Context, id string, since time.Time) ([]store.Turn, error)
	AppendTurn(ctx context.Context, id string, t store.Turn, keep int, expired time.Time) error
}

// Config configures an App.
type Config struct {
	// Tenant returns a tenant's store; required.
	Tenant func(id string) TenantStore
	// Advisor returns the advisor explanations of a tenant use, auditing
	// into that tenant's log; nil means explanations are unavailable.
	Advisor func(tenant string) *advisor.Advisor
	// Knowledge is the shared knowledge base (the shipped corpus and the
	// tenants' documents); nil means no knowledge endpoints.
	Knowledge *retrieval.Retriever
	// ChatModel, when set, lets the chat choose intents and rephrase
	// answers (always guarded); ChatModelName names it.
	ChatModel     llms.Model
	ChatModelName string
	// Prometheus is the server metric history is ingested from; nil
	// means Prometheus ingestion is unavailable.
	Prometheus prometheus.Querier
	// Mapping maps services to Prometheus series, for ingestion and for
	// the OpenSLO and alert-rule exports; nil means the conventions
	// (prommap.Default).
	Mapping *prommap.Config
	// CheckWebhookURL, when set, vets a subscription's URL before it is
	// stored (serve refuses literal private addresses with it).
	CheckWebhookURL func(url string) error
	// Notify wakes the webhook worker after a commit queued deliveries;
	// nil means nothing to wake (River polls and listens by itself).
	Notify func()
	// CacheTTL bounds how long a cached recommendation is served without
	// recomputing; writes through this App invalidate at once, the TTL
	// covers writes by other replicas. Zero means 30 s.
	CacheTTL time.Duration
	// Seed seeds the engine's bootstrap and Monte Carlo; zero means 1.
	Seed uint64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RunIngestions runs queued ingestions in this process
	// (MaxIngestions at a time); false leaves them to a job engine
	// (River on Postgres, which calls RunIngestion).
	RunIngestions bool
	// Logger logs what fails in the background; nil discards.
	Logger *slog.Logger
}

// MaxIngestions is how many queued ingestions one process runs at once
// (Config.RunIngestions).
const MaxIngestions = 2

// App runs the use cases. It is safe for concurrent use.
type App struct {
	cfg Config

	mu    sync.Mutex
	gen   map[string]uint64 // tenant -> data generation
	cache map[cacheKey]cached
	chats map[string]chatEngine

	// Ingestions run in this process (Config.RunIngestions) use bg,
	// which Close cancels.
	bg          context.Context
	stopBG      context.CancelFunc
	ingests     sync.WaitGroup
	ingestSlots chan struct{}
}

type cacheKey struct {
	tenant, service, tier string
	explain               bool
}

type cached struct {
	gen  uint64
	at   time.Time
	view *RecommendationView
}

// New validates cfg and returns an App.
func New(cfg Config) (*App, error) {
	if cfg.Tenant == nil {
		return nil, fmt.Errorf("app: Tenant is required")
	}
	cfg.CacheTTL = cmp.Or(cfg.CacheTTL, 30*time.Second)
	cfg.Seed = cmp.Or(cfg.Seed, 1)
	if cfg.Mapping == nil {
		cfg.Mapping = prommap.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	bg, stop := context.WithCancel(context.Background())
	return &App{cfg: cfg, gen: map[string]uint64{}, cache: map[cacheKey]cached{}, chats: map[string]chatEngine{},
		bg: bg, stopBG: stop, ingestSlots: make(chan struct{}, MaxIngestions)}, nil
}

func (a *App) log() *slog.Logger { return a.cfg.Logger }

// Close cancels the ingestions this process runs (Config.RunIngestions)
// and waits for them to stop.
func (a *App) Close() {
	a.stopBG()
	a.ingests.Wait()
}

// changed marks a tenant's inputs as changed: cached recommendations of
// the tenant are recomputed on their next read.
func (a *App) changed(tenant string) {
	a.mu.Lock()
	a.gen[tenant]++
	a.mu.Unlock()
}

// Input reads everything the engine needs of a tenant: services, all
// metric buckets and the current SLOs.
func (a *App) Input(ctx context.Context, tenant string) (recommend.Input, error) {
	st := a.cfg.Tenant(tenant)
	svcs, err := st.Services(ctx)
	if err != nil {
		return recommend.Input{}, err
	}
	in := recommend.Input{Services: svcs, Metrics: map[string][]slorec.MetricBucket{}}
	for _, s := range svcs {
		b, err := st.Metrics(ctx, s.ID, time.Time{}, time.Time{})
		if err != nil {
			return recommend.Input{}, err
		}
		if len(b) > 0 {
			in.Metrics[s.ID] = b
		}
	}
	if in.SLOs, err = st.CurrentSLOs(ctx, ""); err != nil {
		return recommend.Input{}, err
	}
	return in, nil
}

// RecommendationView is a stored recommendation with, when asked, its
// guarded explanation.
type RecommendationView struct {
	Recommendation slorec.Recommendation `json:"recommendation"`
	Explanation    *slorec.Explanation   `json:"explanation,omitempty"`
	// Cached is true when the result was served from the cache.
	Cached bool `json:"cached"`
	// JSON is the view encoded, when served from the cache: encoded once
	// when cached, not per request; nil for a fresh result. ETag is the
	// view's weak entity tag, 128 bits of the SHA-256 of the cached
	// encoding: a fresh result and the cached ones after it differ only
	// in Cached, so they share it.
	JSON []byte `json:"-"`
	ETag string `json:"-"`
}

// Encode returns the view as JSON with its entity tag: the cached
// encoding when there is one, otherwise a fresh one.
func (v *RecommendationView) Encode() ([]byte, string, error) {
	if v.JSON != nil {
		return v.JSON, v.ETag, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, "", slorec.Errorf(slorec.EINTERNAL, "encode recommendation: %v", err)
	}
	tag := v.ETag
	if tag == "" {
		tag = entityTag(b)
	}
	return b, tag, nil
}

// entityTag is a weak entity tag of body: 128 bits of its SHA-256.
func entityTag(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
}

// Recommend returns the recommendation of service for the tier asked
// ("" means balanced), computing it when the tenant's inputs changed and
// storing it as a new version only when its input hash is new. Errors:
// ENOTFOUND (unknown service), EINVALID (unknown tier).
func (a *App) Recommend(ctx context.Context, tenant, service, tier string, explain bool) (*RecommendationView, error) {
	t, err := parseTier(tier)
	if err != nil {
		return nil, err
	}
	key := cacheKey{tenant, service, string(t), explain}
	a.mu.Lock()
	gen := a.gen[tenant]
	c, ok := a.cache[key]
	a.mu.Unlock()
	if ok && c.gen == gen && a.cfg.Now().Sub(c.at) < a.cfg.CacheTTL {
		v := *c.view // a copy: callers may change its fields
		return &v, nil
	}
	st := a.cfg.Tenant(tenant)
	if _, err := st.Service(ctx, service); err != nil {
		return nil, err
	}
	in, err := a.Input(ctx, tenant)
	if err != nil {
		return nil, err
	}
	res, err := recommend.RecommendService(ctx, in, service, recommend.Options{Tier: t, Seed: a.cfg.Seed})
	if err != nil {
		return nil, err
	}
	rec, err := a.store(ctx, st, res.Recommendations[0])
	if err != nil {
		return nil, err
	}
	view := &RecommendationView{Recommendation: rec}
	if explain {
		if a.cfg.Advisor == nil {
			return nil, slorec.Errorf(slorec.EUNAVAILABLE, "explanations are not configured on this server")
		}
		exp, err := a.cfg.Advisor(tenant).Explain(ctx, res, service, string(t))
		if err != nil {
			return nil, err
		}
		view.Explanation = exp
	}
	// The cache holds the view as every hit serves it, encoded once.
	hit := *view
	hit.Cached = true
	body, err := json.Marshal(&hit)
	if err != nil {
		return nil, slorec.Errorf(slorec.EINTERNAL, "encode recommendation: %v", err)
	}
	hit.JSON, hit.ETag = body, entityTag(body)
	view.ETag = hit.ETag
	a.mu.Lock()
	a.cache[key] = cached{gen: gen, at: a.cfg.Now(), view: &hit}
	a.mu.Unlock()
	return view, nil
}

// store returns the stored recommendation with r's input hash, storing r
// as a new version when there is none.
func (a *App) store(ctx context.Context, st TenantStore, r slorec.Recommendation) (slorec.Recommendation, error) {
	old, err := st.RecommendationByInput(ctx, r.Service, r.InputHash)
	if err == nil {
		return old, nil
	}
	if slorec.ErrorCode(err) != slorec.ENOTFOUND {
		return slorec.Recommendation{}, err
	}
	return st.PutRecommendation(ctx, r)
}

func parseTier(t string) (stats.Tier, error) {
	switch stats.Tier(t) {
	case "":
		return stats.Balanced, nil
	case stats.Conservative, stats.Balanced, stats.Aspirational:
		return stats.Tier(t), nil
	}
	return "", slorec.Errorf(slorec.EINVALID, "tier: unknown %q (want conservative, balanced or aspirational)", t)
}

// Impact runs an impact analysis of proposed availability SLO changes on
// the tenant's fleet. Errors: EINVALID (bad change), ENOTFOUND.
func (a *App) Impact(ctx context.Context, tenant string, changes []recommend.Change) (*recommend.ImpactReport, error) {
	if len(changes) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "changes: at least one")
	}
	in, err := a.Input(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return recommend.Impact(in, changes)
}

// Feedback stores a developer's verdict on one of the tenant's
// recommendations. Errors: EINVALID, ENOTFOUND.
func (a *App) Feedback(ctx context.Context, tenant, actor string, f slorec.Feedback) (slorec.Feedback, error) {
	f.Actor = actor
	if err := f.Validate(); err != nil {
		return slorec.Feedback{}, err
	}
	st := a.cfg.Tenant(tenant)
	out, err := st.PutFeedback(ctx, f)
	if err != nil {
		return slorec.Feedback{}, err
	}
	_, err = st.AppendAudit(ctx, slorec.AuditRecord{Actor: actor, Action: "feedback." + string(f.Verdict), Subject: f.RecommendationID,
		Detail: map[string]any{"reason": f.Reason}})
	return out, err
}

// IngestGraph stores a graph as a new catalog version. Errors: EINVALID.
func (a *App) IngestGraph(ctx context.Context, tenant, actor string, g slorec.Graph, provenance string) (int, error) {
	st := a.cfg.Tenant(tenant)
	v, err := st.UpsertGraph(ctx, g)
	if err != nil {
		return 0, err
	}
	a.changed(tenant)
	ids := make([]string, len(g.Services))
	for i, s := range g.Services {
		ids[i] = s.ID
	}
	slices.Sort(ids)
	_, err = st.AppendAudit(ctx, slorec.AuditRecord{Actor: actor, Action: "catalog.upsert", Subject: fmt.Sprintf("catalog/%d", v),
		Detail: map[string]any{"services": len(ids), "provenance": provenance}})
	return v, err
}

// IngestMetrics stores metric buckets. Errors: EINVALID.
func (a *App) IngestMetrics(ctx context.Context, tenant, actor string, buckets []slorec.MetricBucket) (int, error) {
	st := a.cfg.Tenant(tenant)
	n, err := st.PutMetrics(ctx, buckets)
	if err != nil {
		return 0, err
	}
	a.changed(tenant)
	_, err = st.AppendAudit(ctx, slorec.AuditRecord{Actor: actor, Action: "metrics.put", Detail: map[string]any{"buckets": n}})
	return n, err
}

// ServiceDetail is one service with its place in the graph.
type ServiceDetail struct {
	Service slorec.Service `json:"service"`
	// Dependents are the services that call it directly.
	Dependents  []string             `json:"dependents"`
	BlastRadius depgraph.BlastRadius `json:"blast_radius"`
}

// Services lists the tenant's services, sorted by id.
func (a *App) Services(ctx context.Context, tenant string) ([]slorec.Service, error) {
	return a.cfg.Tenant(tenant).Services(ctx)
}

// Service returns one service with its dependencies, dependents and
// blast radius (transitive dependents weighted by traffic and tier).
// Errors: ENOTFOUND.
func (a *App) Service(ctx context.Context, tenant, id string) (*ServiceDetail, error) {
	st := a.cfg.Tenant(tenant)
	svc, err := st.Service(ctx, id)
	if err != nil {
		return nil, err
	}
	all, err := st.Services(ctx)
	if err != nil {
		return nil, err
	}
	g := depgraph.New(all)
	br, err := g.BlastRadius(id, nil)
	if err != nil {
		return nil, err
	}
	deps := g.Dependents(id)
	if deps == nil {
		deps = []string{}
	}
	return &ServiceDetail{Service: svc, Dependents: deps, BlastRadius: br}, nil
}

// SLOHistory lists every version of the service's SLOs, availability
// first, oldest first within each. Errors: ENOTFOUND.
func (a *App) SLOHistory(ctx context.Context, tenant, service string) ([]slorec.SLO, error) {
	st := a.cfg.Tenant(tenant)
	if _, err := st.Service(ctx, service); err != nil {
		return nil, err
	}
	out := []slorec.SLO{}
	for _, sli := range []slorec.SLIKind{slorec.Availability, slorec.Latency} {
		h, err := st.SLOHistory(ctx, service, sli)
		if err != nil {
			return nil, err
		}
		out = append(out, h...)
	}
	return out, nil
}

// Audit returns the tenant's audit records matching f, newest first.
func (a *App) Audit(ctx context.Context, tenant string, f slorec.AuditFilter) ([]slorec.AuditRecord, error) {
	return a.cfg.Tenant(tenant).Audit(ctx, f)
}
