// Package inmem is the embedded store: everything lives in process memory
// behind one mutex. It is the default when no DATABASE_URL is set and obeys
// the same contract as store/postgres (see store/storetest).
package inmem

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

var (
	_ store.Store       = (*Store)(nil)
	_ store.TenantStore = (*tenant)(nil)
)

// Store keeps all state in memory. The zero value is not usable; call New.
type Store struct {
	mu      sync.RWMutex
	now     func() time.Time
	tenants map[string]*tenantData
	// auditSeq numbers audit records across tenants, as a Postgres
	// sequence does.
	auditSeq   int64
	tokens     map[string]*tokenEntry               // id -> token
	tokenBySum map[[sha256.Size]byte]string         // secret hash -> id
	idem       map[idemKey]slorec.IdempotencyRecord // StatusCode 0 while in progress
	subs       map[string]slorec.Subscription       // id -> subscription, secret included
	deliveries map[string]slorec.Delivery           // id -> delivery
	// deliveryOrder lists delivery ids in creation order.
	deliveryOrder []string
}

// tenantData is one tenant's catalog, metrics, SLOs, recommendations,
// feedback, audit log and subscriptions.
type tenantData struct {
	version  int
	services map[string]slorec.Service
	metrics  map[string]map[int64]slorec.MetricBucket // service -> unix nanos -> bucket
	slos     map[sloKey][]slorec.SLO
	recs     map[string]slorec.Recommendation
	recsBy   map[string][]string // service -> ids, oldest first
	feedback map[string][]slorec.Feedback
	audit    []slorec.AuditRecord
	subs     []string // subscription ids, oldest first
	convs    map[string][]store.Turn
	ingests  map[string]slorec.Ingestion
}

type sloKey struct {
	service string
	sli     slorec.SLIKind
}

type tokenEntry struct {
	token slorec.Token
	sum   [sha256.Size]byte
}

type idemKey struct{ tenant, key string }

// New returns an empty store.
func New() *Store { return NewWithClock(store.Now) }

// NewWithClock returns an empty store that reads the time from now, so
// tests can move it (idempotency keys expire after store.IdempotencyTTL).
func NewWithClock(now func() time.Time) *Store {
	return &Store{
		now:        func() time.Time { return now().UTC().Truncate(time.Microsecond) },
		tenants:    map[string]*tenantData{},
		tokens:     map[string]*tokenEntry{},
		tokenBySum: map[[sha256.Size]byte]string{},
		idem:       map[idemKey]slorec.IdempotencyRecord{},
		subs:       map[string]slorec.Subscription{},
		deliveries: map[string]slorec.Delivery{},
	}
}

// Close does nothing; it exists to satisfy store.Store.
func (s *Store) Close() {}

// Tenant implements store.Store.
func (s *Store) Tenant(id string) store.TenantStore {
	store.MustTenant(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tenants[id] == nil {
		s.tenants[id] = &tenantData{
			services: map[string]slorec.Service{},
			metrics:  map[string]map[int64]slorec.MetricBucket{},
			slos:     map[sloKey][]slorec.SLO{},
			recs:     map[string]slorec.Recommendation{},
			recsBy:   map[string][]string{},
			feedback: map[string][]slorec.Feedback{},
			convs:    map[string][]store.Turn{},
			ingests:  map[string]slorec.Ingestion{},
		}
	}
	return &tenant{s: s, id: id, d: s.tenants[id]}
}

// tenant is one tenant's view of the store. d is guarded by s.mu.
type tenant struct {
	s  *Store
	id string
	d  *tenantData
}

// UpsertGraph implements store.Catalog.
func (t *tenant) UpsertGraph(_ context.Context, g slorec.Graph) (int, error) {
	g, err := store.PrepareGraph(g)
	if err != nil {
		return 0, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	d := t.d
	next := d.version + 1
	changed := false
	for _, svc := range g.Services {
		if old, ok := d.services[svc.ID]; ok && store.SameService(old, svc) {
			continue
		}
		svc.Version = next
		d.services[svc.ID] = svc
		changed = true
	}
	if changed {
		d.version = next
	}
	return d.version, nil
}

// Service implements store.Catalog.
func (t *tenant) Service(_ context.Context, id string) (slorec.Service, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	svc, ok := t.d.services[id]
	if !ok {
		return slorec.Service{}, slorec.Errorf(slorec.ENOTFOUND, "service %q not found", id)
	}
	return cloneService(svc), nil
}

// Services implements store.Catalog.
func (t *tenant) Services(_ context.Context) ([]slorec.Service, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	out := make([]slorec.Service, 0, len(t.d.services))
	for _, id := range slices.Sorted(maps.Keys(t.d.services)) {
		out = append(out, cloneService(t.d.services[id]))
	}
	return out, nil
}

// CatalogVersion implements store.Catalog.
func (t *tenant) CatalogVersion(_ context.Context) (int, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	return t.d.version, nil
}

func cloneService(svc slorec.Service) slorec.Service {
	svc.Deps = slices.Clone(svc.Deps)
	return svc
}

// PutMetrics implements store.Metrics.
func (t *tenant) PutMetrics(_ context.Context, buckets []slorec.MetricBucket) (int, error) {
	buckets, err := store.PrepareMetrics(buckets)
	if err != nil {
		return 0, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	d := t.d
	missing := store.MissingServices(buckets, func(id string) bool { _, ok := d.services[id]; return ok })
	if len(missing) > 0 {
		return 0, store.UnknownServicesError(missing)
	}
	for _, b := range buckets {
		m := d.metrics[b.Service]
		if m == nil {
			m = map[int64]slorec.MetricBucket{}
			d.metrics[b.Service] = m
		}
		m[b.Start.UnixNano()] = b
	}
	return len(buckets), nil
}

// Metrics implements store.Metrics.
func (t *tenant) Metrics(_ context.Context, service string, from, to time.Time) ([]slorec.MetricBucket, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	m := t.d.metrics[service]
	out := make([]slorec.MetricBucket, 0, len(m))
	for _, b := range m {
		if (!from.IsZero() && b.Start.Before(from)) || (!to.IsZero() && !b.Start.Before(to)) {
			continue
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// PutSLOs implements store.SLOs.
func (t *tenant) PutSLOs(_ context.Context, slos []slorec.SLO) ([]slorec.SLO, error) {
	slos, err := store.PrepareSLOs(slos)
	if err != nil {
		return nil, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if err := t.checkServices(slos); err != nil {
		return nil, err
	}
	t.numberSLOs(slos, t.s.now())
	t.storeSLOs(slos)
	return slos, nil
}

// The SLO helpers below work on prepared SLOs; the caller holds the write
// lock.

// checkServices returns ENOTFOUND for the first SLO of an unknown service.
func (t *tenant) checkServices(slos []slorec.SLO) error {
	for _, o := range slos {
		if _, ok := t.d.services[o.Service]; !ok {
			return slorec.Errorf(slorec.ENOTFOUND, "service %q not found", o.Service)
		}
	}
	return nil
}

// numberSLOs fills ID, Version and CreatedAt without storing anything.
func (t *tenant) numberSLOs(slos []slorec.SLO, now time.Time) {
	pending := map[sloKey]int{}
	for i := range slos {
		k := sloKey{slos[i].Service, slos[i].SLI}
		pending[k]++
		slos[i].ID = store.NewID("slo")
		slos[i].Version = len(t.d.slos[k]) + pending[k]
		slos[i].CreatedAt = now
	}
}

// storeSLOs appends numbered SLOs to their histories.
func (t *tenant) storeSLOs(slos []slorec.SLO) {
	for _, o := range slos {
		k := sloKey{o.Service, o.SLI}
		t.d.slos[k] = append(t.d.slos[k], o)
	}
}

// CurrentSLOs implements store.SLOs.
func (t *tenant) CurrentSLOs(_ context.Context, service string) ([]slorec.SLO, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	var out []slorec.SLO
	for k, versions := range t.d.slos {
		if service != "" && k.service != service {
			continue
		}
		out = append(out, versions[len(versions)-1])
	}
	slices.SortFunc(out, func(a, b slorec.SLO) int {
		if c := strings.Compare(a.Service, b.Service); c != 0 {
			return c
		}
		return strings.Compare(string(a.SLI), string(b.SLI))
	})
	return out, nil
}

// SLOHistory implements store.SLOs.
func (t *tenant) SLOHistory(_ context.Context, service string, sli slorec.SLIKind) ([]slorec.SLO, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	return slices.Clone(t.d.slos[sloKey{service, sli}]), nil
}

// PutRecommendation implements store.Recommendations.
func (t *tenant) PutRecommendation(_ context.Context, r slorec.Recommendation) (slorec.Recommendation, error) {
	if err := store.PrepareRecommendation(r); err != nil {
		return slorec.Recommendation{}, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	d := t.d
	r.ID = store.NewID("rec")
	r.Version = len(d.recsBy[r.Service]) + 1
	r.CreatedAt = t.s.now()
	r = jsonClone(r)
	d.recs[r.ID] = r
	d.recsBy[r.Service] = append(d.recsBy[r.Service], r.ID)
	return jsonClone(r), nil
}

// Recommendation implements store.Recommendations.
func (t *tenant) Recommendation(_ context.Context, id string) (slorec.Recommendation, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	r, ok := t.d.recs[id]
	if !ok {
		return slorec.Recommendation{}, slorec.Errorf(slorec.ENOTFOUND, "recommendation %q not found", id)
	}
	return jsonClone(r), nil
}

// RecommendationByInput implements store.Recommendations.
func (t *tenant) RecommendationByInput(_ context.Context, service, inputHash string) (slorec.Recommendation, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	ids := t.d.recsBy[service]
	for i := len(ids) - 1; i >= 0; i-- {
		if r := t.d.recs[ids[i]]; r.InputHash == inputHash {
			return jsonClone(r), nil
		}
	}
	return slorec.Recommendation{}, slorec.Errorf(slorec.ENOTFOUND, "no recommendation of %q for input %s", service, inputHash)
}

// Recommendations implements store.Recommendations.
func (t *tenant) Recommendations(_ context.Context, service string) ([]slorec.Recommendation, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	var out []slorec.Recommendation
	for _, id := range t.d.recsBy[service] {
		out = append(out, jsonClone(t.d.recs[id]))
	}
	return out, nil
}

// jsonClone deep-copies v through JSON, which is also how store/postgres
// keeps recommendation bodies and audit details, so both adapters hand back
// the same shapes (numbers in maps come back as float64).
func jsonClone[T any](v T) T {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("inmem: clone %T: %v", v, err)) // only for unmarshalable values, a programming error
	}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("inmem: clone %T: %v", v, err))
	}
	return out
}

// PutFeedback implements store.Feedback.
func (t *tenant) PutFeedback(_ context.Context, f slorec.Feedback) (slorec.Feedback, error) {
	if err := f.Validate(); err != nil {
		return slorec.Feedback{}, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if _, ok := t.d.recs[f.RecommendationID]; !ok {
		return slorec.Feedback{}, slorec.Errorf(slorec.ENOTFOUND, "recommendation %q not found", f.RecommendationID)
	}
	f.ID = store.NewID("fb")
	f.CreatedAt = t.s.now()
	t.d.feedback[f.RecommendationID] = append(t.d.feedback[f.RecommendationID], f)
	return f, nil
}

// Feedback implements store.Feedback.
func (t *tenant) Feedback(_ context.Context, recommendationID string) ([]slorec.Feedback, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	return slices.Clone(t.d.feedback[recommendationID]), nil
}

// AppendAudit implements store.Audit.
func (t *tenant) AppendAudit(_ context.Context, rec slorec.AuditRecord) (slorec.AuditRecord, error) {
	if err := store.PrepareAudit(rec); err != nil {
		return slorec.AuditRecord{}, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return t.appendAudit(rec), nil
}

// appendAudit appends a prepared record; the caller holds the write lock.
func (t *tenant) appendAudit(rec slorec.AuditRecord) slorec.AuditRecord {
	t.s.auditSeq++
	rec.Seq = t.s.auditSeq
	rec.At = t.s.now()
	rec.Detail = jsonClone(rec.Detail)
	t.d.audit = append(t.d.audit, rec)
	rec.Detail = jsonClone(rec.Detail)
	return rec
}

// Audit implements store.Audit.
func (t *tenant) Audit(_ context.Context, f slorec.AuditFilter) ([]slorec.AuditRecord, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	limit := store.AuditLimit(f)
	var out []slorec.AuditRecord
	for i := len(t.d.audit) - 1; i >= 0 && len(out) < limit; i-- {
		r := t.d.audit[i]
		if (f.Actor != "" && r.Actor != f.Actor) || (f.Action != "" && r.Action != f.Action) ||
			(f.Subject != "" && r.Subject != f.Subject) ||
			(!f.Since.IsZero() && r.At.Before(f.Since)) || (!f.Until.IsZero() && !r.At.Before(f.Until)) {
			continue
		}
		r.Detail = jsonClone(r.Detail)
		out = append(out, r)
	}
	return out, nil
}

// PutSubscription implements store.Webhooks.
func (t *tenant) PutSubscription(_ context.Context, sub slorec.Subscription) (slorec.Subscription, error) {
	sub, err := store.PrepareSubscription(sub)
	if err != nil {
		return slorec.Subscription{}, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	sub.ID = store.NewID("whs")
	sub.Tenant = t.id
	sub.Active = true
	sub.CreatedAt = t.s.now()
	t.s.subs[sub.ID] = cloneSubscription(sub)
	t.d.subs = append(t.d.subs, sub.ID)
	sub.Secret = ""
	return sub, nil
}

// Subscriptions implements store.Webhooks.
func (t *tenant) Subscriptions(_ context.Context) ([]slorec.Subscription, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	out := make([]slorec.Subscription, 0, len(t.d.subs))
	for _, id := range t.d.subs {
		sub := cloneSubscription(t.s.subs[id])
		sub.Secret = ""
		out = append(out, sub)
	}
	return out, nil
}

// subscription returns the tenant's subscription id; the caller holds the
// lock.
func (t *tenant) subscription(id string) (slorec.Subscription, error) {
	sub, ok := t.s.subs[id]
	if !ok || sub.Tenant != t.id {
		return slorec.Subscription{}, slorec.Errorf(slorec.ENOTFOUND, "subscription %q not found", id)
	}
	return sub, nil
}

// DeleteSubscription implements store.Webhooks.
func (t *tenant) DeleteSubscription(_ context.Context, id string) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	sub, err := t.subscription(id)
	if err != nil {
		return err
	}
	sub.Active = false
	t.s.subs[id] = sub
	return nil
}

// Deliveries implements store.Webhooks.
func (t *tenant) Deliveries(_ context.Context, subscriptionID string, limit int) ([]slorec.Delivery, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	if subscriptionID != "" {
		if _, err := t.subscription(subscriptionID); err != nil {
			return nil, err
		}
	}
	var all []slorec.Delivery
	for _, id := range t.s.deliveryOrder {
		d := t.s.deliveries[id]
		if d.Tenant == t.id && (subscriptionID == "" || d.SubscriptionID == subscriptionID) {
			all = append(all, d)
		}
	}
	slices.SortStableFunc(all, newestFirst)
	out := make([]slorec.Delivery, 0, min(len(all), store.ListLimit(limit)))
	for _, d := range all[:min(len(all), store.ListLimit(limit))] {
		out = append(out, cloneDelivery(d))
	}
	return out, nil
}

// newestFirst orders deliveries as store/postgres does: by creation time,
// then id, descending.
func newestFirst(a, b slorec.Delivery) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// CommitSLOs implements store.TenantStore.
func (t *tenant) CommitSLOs(_ context.Context, slos []slorec.SLO, audit slorec.AuditRecord, event slorec.Event) ([]slorec.SLO, []slorec.Delivery, error) {
	slos, err := store.PrepareSLOs(slos)
	if err != nil {
		return nil, nil, err
	}
	if err := store.PrepareAudit(audit); err != nil {
		return nil, nil, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	now := t.s.now()
	event, err = store.PrepareEvent(event, t.id, now)
	if err != nil {
		return nil, nil, err
	}
	// Everything that can fail is done before the first write, which is
	// how one mutex makes the commit atomic. The payload carries the SLOs
	// as they will be stored, so they are numbered first.
	if err := t.checkServices(slos); err != nil {
		return nil, nil, err
	}
	t.numberSLOs(slos, now)
	payload, err := store.EventPayload(event, slos)
	if err != nil {
		return nil, nil, err
	}
	t.storeSLOs(slos)
	t.appendAudit(audit)
	deliveries := []slorec.Delivery{}
	for _, id := range t.d.subs {
		sub := t.s.subs[id]
		if !store.Subscribes(sub, event.Type) {
			continue
		}
		d := store.NewDelivery(event, sub, slices.Clone(payload), now)
		t.s.deliveries[d.ID] = d
		t.s.deliveryOrder = append(t.s.deliveryOrder, d.ID)
		deliveries = append(deliveries, cloneDelivery(d))
	}
	return slos, deliveries, nil
}

func cloneSubscription(s slorec.Subscription) slorec.Subscription {
	s.Events = slices.Clone(s.Events)
	return s
}

func cloneDelivery(d slorec.Delivery) slorec.Delivery {
	d.Payload = slices.Clone(d.Payload)
	return d
}

// CreateToken implements store.Tokens.
func (s *Store) CreateToken(_ context.Context, tenantID, name string, role slorec.Role) (slorec.Token, string, error) {
	if err := store.PrepareToken(tenantID, name, role); err != nil {
		return slorec.Token{}, "", err
	}
	secret := store.NewTokenSecret()
	sum := store.HashTokenSecret(secret)
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := slorec.Token{ID: store.NewID("tok"), Tenant: tenantID, Name: name, Role: role, CreatedAt: s.now()}
	s.tokens[tok.ID] = &tokenEntry{token: tok, sum: sum}
	s.tokenBySum[sum] = tok.ID
	return tok, secret, nil
}

// Authenticate implements store.Tokens. The secret's hash is looked up,
// then compared in constant time; an unknown secret is compared with a
// dummy hash so that it costs what a revoked one does.
func (s *Store) Authenticate(_ context.Context, secret string) (slorec.Token, error) {
	if !store.WellFormedTokenSecret(secret) {
		return slorec.Token{}, store.ErrUnauthorized()
	}
	sum := store.HashTokenSecret(secret)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var stored [sha256.Size]byte
	e := s.tokens[s.tokenBySum[sum]]
	if e != nil {
		stored = e.sum
	}
	if !store.SameTokenHash(stored[:], sum[:]) || e == nil || e.token.Revoked {
		return slorec.Token{}, store.ErrUnauthorized()
	}
	return e.token, nil
}

// RevokeToken implements store.Tokens.
func (s *Store) RevokeToken(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.tokens[id]
	if !ok {
		return slorec.Errorf(slorec.ENOTFOUND, "token %q not found", id)
	}
	e.token.Revoked = true
	return nil
}

// BeginIdempotent implements store.Idempotency.
func (s *Store) BeginIdempotent(_ context.Context, tenantID, key, requestHash string) (*slorec.IdempotencyRecord, error) {
	if err := store.PrepareIdempotencyKey(tenantID, key, requestHash); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	k := idemKey{tenantID, key}
	rec, ok := s.idem[k]
	if !ok || now.Sub(rec.CreatedAt) >= store.IdempotencyTTL {
		s.idem[k] = slorec.IdempotencyRecord{Tenant: tenantID, Key: key, RequestHash: requestHash, CreatedAt: now}
		return nil, nil
	}
	switch {
	case rec.RequestHash != requestHash:
		return nil, store.ErrIdempotencyConflict(key)
	case rec.StatusCode == 0:
		return nil, store.ErrIdempotencyInProgress(key)
	}
	rec.Body = slices.Clone(rec.Body)
	return &rec, nil
}

// FinishIdempotent implements store.Idempotency.
func (s *Store) FinishIdempotent(_ context.Context, rec slorec.IdempotencyRecord) error {
	rec, err := store.PrepareIdempotencyRecord(rec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey{rec.Tenant, rec.Key}
	cur, ok := s.idem[k]
	if !ok || cur.StatusCode != 0 || cur.RequestHash != rec.RequestHash {
		return store.ErrNoReservation(rec.Key)
	}
	cur.StatusCode, cur.ContentType, cur.Body = rec.StatusCode, rec.ContentType, rec.Body
	s.idem[k] = cur
	return nil
}

// ReleaseIdempotent implements store.Idempotency.
func (s *Store) ReleaseIdempotent(_ context.Context, tenantID, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := idemKey{tenantID, key}
	if rec, ok := s.idem[k]; ok && rec.StatusCode == 0 {
		delete(s.idem, k)
	}
	return nil
}

// Delivery implements store.Outbox.
func (s *Store) Delivery(_ context.Context, id string) (slorec.Delivery, slorec.Subscription, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.deliveries[id]
	if !ok {
		return slorec.Delivery{}, slorec.Subscription{}, slorec.Errorf(slorec.ENOTFOUND, "delivery %q not found", id)
	}
	return cloneDelivery(d), cloneSubscription(s.subs[d.SubscriptionID]), nil
}

// RecordAttempt implements store.Outbox.
func (s *Store) RecordAttempt(_ context.Context, id string, a slorec.DeliveryAttempt) (slorec.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[id]
	if !ok {
		return slorec.Delivery{}, slorec.Errorf(slorec.ENOTFOUND, "delivery %q not found", id)
	}
	d, err := store.ApplyAttempt(d, a, s.now())
	if err != nil {
		return slorec.Delivery{}, err
	}
	if sub, ok := s.subs[d.SubscriptionID]; ok && a.DeactivateSubscription {
		sub.Active = false
		s.subs[d.SubscriptionID] = sub
	}
	s.deliveries[id] = d
	return cloneDelivery(d), nil
}

// DueDeliveries implements store.Outbox.
func (s *Store) DueDeliveries(_ context.Context, now time.Time, limit int) ([]slorec.Delivery, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var due []slorec.Delivery
	for _, id := range s.deliveryOrder {
		d := s.deliveries[id]
		if d.Status == slorec.DeliveryPending && !d.NextAttemptAt.After(now) {
			due = append(due, d)
		}
	}
	slices.SortStableFunc(due, func(a, b slorec.Delivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	due = due[:min(len(due), store.ListLimit(limit))]
	for i := range due {
		due[i] = cloneDelivery(due[i])
	}
	return due, nil
}

// MaxConversations bounds the conversations the store keeps per tenant:
// past it, AppendTurn forgets the one continued longest ago.
const MaxConversations = 1000

// ConversationTurns implements store.Conversations.
func (t *tenant) ConversationTurns(_ context.Context, id string, since time.Time) ([]store.Turn, error) {
	if err := store.CheckConversationID(id); err != nil {
		return nil, err
	}
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	var out []store.Turn
	for _, turn := range t.d.convs[id] {
		if !turn.At.Before(since) {
			out = append(out, store.Turn{At: turn.At, Data: slices.Clone(turn.Data)})
		}
	}
	return out, nil
}

// AppendTurn implements store.Conversations.
func (t *tenant) AppendTurn(_ context.Context, id string, turn store.Turn, keep int, expired time.Time) error {
	if err := store.CheckTurn(id, turn, keep); err != nil {
		return err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	turns := append(t.d.convs[id], store.Turn{At: turn.At.UTC().Truncate(time.Microsecond), Data: slices.Clone(turn.Data)})
	if n := len(turns) - keep; n > 0 {
		turns = slices.Delete(turns, 0, n)
	}
	t.d.convs[id] = turns
	pruned := 0
	for cid, ts := range t.d.convs {
		if pruned == store.PruneBatch {
			break
		}
		i := 0
		for i < len(ts) && ts[i].At.Before(expired) && pruned < store.PruneBatch {
			i++
			pruned++
		}
		if i == len(ts) {
			delete(t.d.convs, cid)
		} else if i > 0 {
			t.d.convs[cid] = slices.Delete(ts, 0, i)
		}
	}
	if len(t.d.convs) > MaxConversations {
		oldest, at := "", time.Time{}
		for cid, ts := range t.d.convs {
			if last := ts[len(ts)-1].At; cid != id && (oldest == "" || last.Before(at)) {
				oldest, at = cid, last
			}
		}
		delete(t.d.convs, oldest)
	}
	return nil
}

func cloneIngestion(in slorec.Ingestion) slorec.Ingestion {
	in.Request, in.Report = slices.Clone(in.Request), slices.Clone(in.Report)
	return in
}

// QueueIngestion implements store.Ingestions. Nothing runs it: the
// caller does (app, in process).
func (t *tenant) QueueIngestion(_ context.Context, actor string, request []byte) (slorec.Ingestion, error) {
	in, err := store.PrepareIngestion(t.id, actor, request)
	if err != nil {
		return slorec.Ingestion{}, err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	in.CreatedAt = t.s.now()
	t.d.ingests[in.ID] = in
	return cloneIngestion(in), nil
}

// Ingestion implements store.Ingestions.
func (t *tenant) Ingestion(_ context.Context, id string) (slorec.Ingestion, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	in, ok := t.d.ingests[id]
	if !ok {
		return slorec.Ingestion{}, slorec.Errorf(slorec.ENOTFOUND, "ingestion %s: not found", id)
	}
	return cloneIngestion(in), nil
}

// Ingestions implements store.Ingestions.
func (t *tenant) Ingestions(_ context.Context, limit int) ([]slorec.Ingestion, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	out := make([]slorec.Ingestion, 0, len(t.d.ingests))
	for _, in := range t.d.ingests {
		out = append(out, cloneIngestion(in))
	}
	slices.SortFunc(out, store.NewestIngestionFirst)
	return out[:min(len(out), store.IngestionLimit(limit))], nil
}

// StartIngestion implements store.Ingestions.
func (t *tenant) StartIngestion(_ context.Context, id string) (slorec.Ingestion, error) {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	in, ok := t.d.ingests[id]
	switch {
	case !ok:
		return slorec.Ingestion{}, slorec.Errorf(slorec.ENOTFOUND, "ingestion %s: not found", id)
	case in.Finished():
		return slorec.Ingestion{}, slorec.Errorf(slorec.ECONFLICT, "ingestion %s already %s", id, in.Status)
	}
	in.Status, in.StartedAt = slorec.IngestionRunning, t.s.now()
	in.Attempts++
	t.d.ingests[id] = in
	return cloneIngestion(in), nil
}

// FinishIngestion implements store.Ingestions.
func (t *tenant) FinishIngestion(_ context.Context, id string, report []byte, code, message string) (slorec.Ingestion, error) {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	in, ok := t.d.ingests[id]
	if !ok {
		return slorec.Ingestion{}, slorec.Errorf(slorec.ENOTFOUND, "ingestion %s: not found", id)
	}
	in, err := store.FinishedIngestion(in, report, code, message, t.s.now())
	if err != nil {
		return slorec.Ingestion{}, err
	}
	t.d.ingests[id] = in
	return cloneIngestion(in), nil
}
