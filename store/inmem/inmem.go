// Package inmem is the embedded store: everything lives in process memory
// behind one mutex. It is the default when no DATABASE_URL is set and obeys
// the same contract as store/postgres (see store/storetest).
package inmem

import (
	"context"
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

var _ store.Store = (*Store)(nil)

// Store keeps all state in memory. The zero value is not usable; call New.
type Store struct {
	mu       sync.RWMutex
	version  int
	services map[string]slorec.Service
	metrics  map[string]map[int64]slorec.MetricBucket // service -> unix nanos -> bucket
	slos     map[sloKey][]slorec.SLO
	recs     map[string]slorec.Recommendation
	recsBy   map[string][]string // service -> ids, oldest first
	feedback map[string][]slorec.Feedback
	audit    []slorec.AuditRecord
}

type sloKey struct {
	service string
	sli     slorec.SLIKind
}

// New returns an empty store.
func New() *Store {
	return &Store{
		services: map[string]slorec.Service{},
		metrics:  map[string]map[int64]slorec.MetricBucket{},
		slos:     map[sloKey][]slorec.SLO{},
		recs:     map[string]slorec.Recommendation{},
		recsBy:   map[string][]string{},
		feedback: map[string][]slorec.Feedback{},
	}
}

// Close does nothing; it exists to satisfy store.Store.
func (s *Store) Close() {}

// UpsertGraph implements store.Catalog.
func (s *Store) UpsertGraph(_ context.Context, g slorec.Graph) (int, error) {
	g, err := store.PrepareGraph(g)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.version + 1
	changed := false
	for _, svc := range g.Services {
		if old, ok := s.services[svc.ID]; ok && store.SameService(old, svc) {
			continue
		}
		svc.Version = next
		s.services[svc.ID] = svc
		changed = true
	}
	if changed {
		s.version = next
	}
	return s.version, nil
}

// Service implements store.Catalog.
func (s *Store) Service(_ context.Context, id string) (slorec.Service, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	svc, ok := s.services[id]
	if !ok {
		return slorec.Service{}, slorec.Errorf(slorec.ENOTFOUND, "service %q not found", id)
	}
	return cloneService(svc), nil
}

// Services implements store.Catalog.
func (s *Store) Services(_ context.Context) ([]slorec.Service, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]slorec.Service, 0, len(s.services))
	for _, id := range slices.Sorted(maps.Keys(s.services)) {
		out = append(out, cloneService(s.services[id]))
	}
	return out, nil
}

// CatalogVersion implements store.Catalog.
func (s *Store) CatalogVersion(_ context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version, nil
}

func cloneService(svc slorec.Service) slorec.Service {
	svc.Deps = slices.Clone(svc.Deps)
	return svc
}

// PutMetrics implements store.Metrics.
func (s *Store) PutMetrics(_ context.Context, buckets []slorec.MetricBucket) (int, error) {
	buckets, err := store.PrepareMetrics(buckets)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	missing := store.MissingServices(buckets, func(id string) bool { _, ok := s.services[id]; return ok })
	if len(missing) > 0 {
		return 0, store.UnknownServicesError(missing)
	}
	for _, b := range buckets {
		m := s.metrics[b.Service]
		if m == nil {
			m = map[int64]slorec.MetricBucket{}
			s.metrics[b.Service] = m
		}
		m[b.Start.UnixNano()] = b
	}
	return len(buckets), nil
}

// Metrics implements store.Metrics.
func (s *Store) Metrics(_ context.Context, service string, from, to time.Time) ([]slorec.MetricBucket, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.metrics[service]
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
func (s *Store) PutSLOs(_ context.Context, slos []slorec.SLO) ([]slorec.SLO, error) {
	slos, err := store.PrepareSLOs(slos)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range slos {
		if _, ok := s.services[o.Service]; !ok {
			return nil, slorec.Errorf(slorec.ENOTFOUND, "service %q not found", o.Service)
		}
	}
	now := store.Now()
	pending := map[sloKey]int{}
	for i := range slos {
		k := sloKey{slos[i].Service, slos[i].SLI}
		pending[k]++
		slos[i].ID = store.NewID("slo")
		slos[i].Version = len(s.slos[k]) + pending[k]
		slos[i].CreatedAt = now
	}
	for _, o := range slos {
		k := sloKey{o.Service, o.SLI}
		s.slos[k] = append(s.slos[k], o)
	}
	return slos, nil
}

// CurrentSLOs implements store.SLOs.
func (s *Store) CurrentSLOs(_ context.Context, service string) ([]slorec.SLO, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []slorec.SLO
	for k, versions := range s.slos {
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
func (s *Store) SLOHistory(_ context.Context, service string, sli slorec.SLIKind) ([]slorec.SLO, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.slos[sloKey{service, sli}]), nil
}

// PutRecommendation implements store.Recommendations.
func (s *Store) PutRecommendation(_ context.Context, r slorec.Recommendation) (slorec.Recommendation, error) {
	if err := store.PrepareRecommendation(r); err != nil {
		return slorec.Recommendation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ID = store.NewID("rec")
	r.Version = len(s.recsBy[r.Service]) + 1
	r.CreatedAt = store.Now()
	r = jsonClone(r)
	s.recs[r.ID] = r
	s.recsBy[r.Service] = append(s.recsBy[r.Service], r.ID)
	return jsonClone(r), nil
}

// Recommendation implements store.Recommendations.
func (s *Store) Recommendation(_ context.Context, id string) (slorec.Recommendation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.recs[id]
	if !ok {
		return slorec.Recommendation{}, slorec.Errorf(slorec.ENOTFOUND, "recommendation %q not found", id)
	}
	return jsonClone(r), nil
}

// RecommendationByInput implements store.Recommendations.
func (s *Store) RecommendationByInput(_ context.Context, service, inputHash string) (slorec.Recommendation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.recsBy[service]
	for i := len(ids) - 1; i >= 0; i-- {
		if r := s.recs[ids[i]]; r.InputHash == inputHash {
			return jsonClone(r), nil
		}
	}
	return slorec.Recommendation{}, slorec.Errorf(slorec.ENOTFOUND, "no recommendation of %q for input %s", service, inputHash)
}

// Recommendations implements store.Recommendations.
func (s *Store) Recommendations(_ context.Context, service string) ([]slorec.Recommendation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []slorec.Recommendation
	for _, id := range s.recsBy[service] {
		out = append(out, jsonClone(s.recs[id]))
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
func (s *Store) PutFeedback(_ context.Context, f slorec.Feedback) (slorec.Feedback, error) {
	if err := f.Validate(); err != nil {
		return slorec.Feedback{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.recs[f.RecommendationID]; !ok {
		return slorec.Feedback{}, slorec.Errorf(slorec.ENOTFOUND, "recommendation %q not found", f.RecommendationID)
	}
	f.ID = store.NewID("fb")
	f.CreatedAt = store.Now()
	s.feedback[f.RecommendationID] = append(s.feedback[f.RecommendationID], f)
	return f, nil
}

// Feedback implements store.Feedback.
func (s *Store) Feedback(_ context.Context, recommendationID string) ([]slorec.Feedback, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.feedback[recommendationID]), nil
}

// AppendAudit implements store.Audit.
func (s *Store) AppendAudit(_ context.Context, rec slorec.AuditRecord) (slorec.AuditRecord, error) {
	if err := store.PrepareAudit(rec); err != nil {
		return slorec.AuditRecord{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Seq = int64(len(s.audit)) + 1
	rec.At = store.Now()
	rec.Detail = jsonClone(rec.Detail)
	s.audit = append(s.audit, rec)
	rec.Detail = jsonClone(rec.Detail)
	return rec, nil
}

// Audit implements store.Audit.
func (s *Store) Audit(_ context.Context, f slorec.AuditFilter) ([]slorec.AuditRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	limit := store.AuditLimit(f)
	var out []slorec.AuditRecord
	for i := len(s.audit) - 1; i >= 0 && len(out) < limit; i-- {
		r := s.audit[i]
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
