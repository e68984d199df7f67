// Package storetest is the contract every store.Store must satisfy. Each
// adapter's tests call Run with a constructor for a fresh, empty store.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

// Run runs the contract suite. newStore must return an empty store that is
// independent of every other store it returns.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Ingesting a graph stores services and edges with provenance.", dflt(testUpsertGraph)},
		{"Re-ingesting bumps versions of changed services only.", dflt(testGraphVersions)},
		{"An invalid graph is refused and nothing is written.", dflt(testInvalidGraph)},
		{"An unknown service is not found.", dflt(testServiceNotFound)},
		{"Metric buckets are stored, deduplicated and read by range.", dflt(testMetrics)},
		{"A metric batch with a bad bucket writes nothing.", dflt(testMetricsInvalidBatch)},
		{"A metric batch naming an unknown service writes nothing.", dflt(testMetricsUnknownService)},
		{"SLOs are versioned per service and SLI.", dflt(testSLOVersions)},
		{"An SLO batch with one bad SLO writes nothing.", dflt(testSLOInvalidBatch)},
		{"An SLO batch naming an unknown service writes nothing.", dflt(testSLOUnknownService)},
		{"Recommendations are versioned and found by input hash.", dflt(testRecommendations)},
		{"Feedback is stored against an existing recommendation only.", dflt(testFeedback)},
		{"The audit log appends, filters newest first, and hands out copies.", dflt(testAudit)},
		{"An audit record needs an actor and an action.", dflt(testAuditInvalid)},
		{"An invalid tenant id panics.", testTenantInvalid},
		{"Two tenants with the same service ids see only their own catalog, metrics and SLOs.", testTenantCatalogIsolation},
		{"Ids of another tenant are not found.", testTenantIDIsolation},
		{"Each tenant's audit log holds only its records.", testTenantAuditIsolation},
		{"A token authenticates until it is revoked.", testTokens},
		{"Unknown, malformed and revoked secrets are unauthorized alike.", testTokenUnauthorized},
		{"A token needs a tenant, a name and a known role.", testTokenInvalid},
		{"An idempotency key is reserved, replayed, conflicts and can be released.", testIdempotency},
		{"Idempotency keys are per tenant and checked.", testIdempotencyInvalid},
		{"Subscriptions are validated, listed without secrets and deleted by deactivation.", testSubscriptions},
		{"Committing SLOs queues deliveries for active subscriptions to the event only.", testCommitSLOs},
		{"A commit with a bad SLO, an unknown service or a bad event stores nothing.", testCommitSLOsAtomic},
		{"An attempt delivers, schedules a retry or fails a delivery.", testRecordAttempt},
		{"An attempt that deactivates the subscription (410 Gone) stops its deliveries.", testRecordAttemptDeactivates},
		{"Due deliveries are pending ones whose time has come, earliest first.", testDueDeliveries},
		{"A conversation keeps its newest turns in order, from a given time.", dflt(testConversations)},
		{"Expired turns are dropped with later writes, a bounded batch at a time.", dflt(testConversationsExpire)},
		{"A bad conversation id or turn is refused and nothing is stored.", dflt(testConversationsInvalid)},
		{"Each tenant sees and expires only its own conversations.", testTenantConversationIsolation},
		{"An ingestion is queued, started (again if cut short) and finished once.", dflt(testIngestions)},
		{"Ingestions are listed newest first, as they are now.", dflt(testIngestionList)},
		{"Another tenant's ingestion is not found.", testTenantIngestionIsolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(s.Close)
			tt.fn(t, s)
		})
	}
}

// dflt runs a test of one tenant's store on the default tenant.
func dflt(fn func(t *testing.T, s store.TenantStore)) func(t *testing.T, s store.Store) {
	return func(t *testing.T, s store.Store) { fn(t, s.Tenant(slorec.DefaultTenant)) }
}

// Fixtures are functions returning fresh values; variants copy and change.

func ecommerce() slorec.Graph {
	return slorec.Graph{Services: []slorec.Service{
		{ID: "api-gateway", Kind: slorec.KindService, Tier: slorec.TierCritical, Owner: "edge", Deps: []slorec.Dependency{
			{Target: "checkout", Type: slorec.Sync, Criticality: slorec.Hard, CallRatio: 0.1},
			{Target: "recs", Type: slorec.Sync, Criticality: slorec.Soft},
		}},
		{ID: "checkout", Kind: slorec.KindService, Tier: slorec.TierCritical, Deps: []slorec.Dependency{
			{Target: "payments-a", Type: slorec.Sync, Criticality: slorec.Hard, RedundancyGroup: "psp"},
			{Target: "payments-b", Type: slorec.Sync, Criticality: slorec.Hard, RedundancyGroup: "psp", Provenance: slorec.Observed},
			{Target: "events", Type: slorec.Async, Criticality: slorec.Soft},
		}},
		{ID: "payments-a", Kind: slorec.KindExternal, Tier: slorec.TierHigh, PublishedSLA: 0.999},
	}}
}

func bucket(service string, hour int, requests, errors int64) slorec.MetricBucket {
	return slorec.MetricBucket{
		Service: service, Start: time.Date(2026, 10, 1, hour, 0, 0, 0, time.UTC),
		Requests: requests, Errors: errors, LatencyP50Ms: 20, LatencyP95Ms: 80, LatencyP99Ms: 150,
	}
}

func seed(t *testing.T, s store.TenantStore) {
	t.Helper()
	_, err := s.UpsertGraph(context.Background(), ecommerce())
	require.NoError(t, err)
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, slorec.ErrorCode(err), "error: %v", err)
}

func testUpsertGraph(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	v, err := s.UpsertGraph(ctx, ecommerce())
	require.NoError(t, err)
	require.Equal(t, 1, v)

	got, err := s.Service(ctx, "checkout")
	require.NoError(t, err)
	require.Equal(t, 1, got.Version)
	require.Len(t, got.Deps, 3)
	require.Equal(t, slorec.Declared, got.Deps[0].Provenance, "edges without provenance are declared")
	require.Equal(t, slorec.Observed, got.Deps[1].Provenance)
	require.Equal(t, "psp", got.Deps[1].RedundancyGroup)
	require.Equal(t, slorec.Async, got.Deps[2].Type)

	all, err := s.Services(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"api-gateway", "checkout", "payments-a"}, serviceIDs(all))
	require.InDelta(t, 0.1, all[0].Deps[0].CallRatio, 1e-12)
	require.InDelta(t, 0.999, all[2].PublishedSLA, 1e-12)
	require.Empty(t, all[2].Deps)

	cv, err := s.CatalogVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, cv)
}

func testGraphVersions(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	seed(t, s)

	v, err := s.UpsertGraph(ctx, ecommerce())
	require.NoError(t, err)
	require.Equal(t, 1, v, "an identical graph creates no version")

	g := ecommerce()
	g.Services[1].Deps = g.Services[1].Deps[:1] // checkout drops two edges
	g.Services = append(g.Services, slorec.Service{ID: "recs", Kind: slorec.KindService, Tier: slorec.TierLow})
	v, err = s.UpsertGraph(ctx, g)
	require.NoError(t, err)
	require.Equal(t, 2, v)

	checkout, err := s.Service(ctx, "checkout")
	require.NoError(t, err)
	require.Equal(t, 2, checkout.Version)
	require.Len(t, checkout.Deps, 1, "edges of a listed service are replaced")
	gw, err := s.Service(ctx, "api-gateway")
	require.NoError(t, err)
	require.Equal(t, 1, gw.Version, "unchanged services keep their version")

	// A partial graph leaves unlisted services alone.
	v, err = s.UpsertGraph(ctx, slorec.Graph{Services: []slorec.Service{{ID: "recs", Kind: slorec.KindService, Tier: slorec.TierHigh}}})
	require.NoError(t, err)
	require.Equal(t, 3, v)
	all, err := s.Services(ctx)
	require.NoError(t, err)
	require.Len(t, all, 4)
}

func testInvalidGraph(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	g := ecommerce()
	g.Services = append(g.Services, slorec.Service{ID: "bad", Kind: "robot", Tier: slorec.TierLow})
	_, err := s.UpsertGraph(ctx, g)
	requireCode(t, err, slorec.EINVALID)

	g = ecommerce()
	g.Services[2].Deps = []slorec.Dependency{{Target: "payments-a", Type: slorec.Sync, Criticality: slorec.Hard}}
	_, err = s.UpsertGraph(ctx, g)
	requireCode(t, err, slorec.EINVALID)

	_, err = s.UpsertGraph(ctx, slorec.Graph{})
	requireCode(t, err, slorec.EINVALID)

	all, err := s.Services(ctx)
	require.NoError(t, err)
	require.Empty(t, all)
	cv, err := s.CatalogVersion(ctx)
	require.NoError(t, err)
	require.Zero(t, cv)
}

func testServiceNotFound(t *testing.T, s store.TenantStore) {
	_, err := s.Service(context.Background(), "nope")
	requireCode(t, err, slorec.ENOTFOUND)
}

func testMetrics(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	seed(t, s)
	n, err := s.PutMetrics(ctx, []slorec.MetricBucket{
		bucket("checkout", 2, 100, 1), bucket("checkout", 0, 100, 0), bucket("checkout", 1, 100, 5),
		bucket("checkout", 1, 100, 3), // repeats hour 1: the last one wins
		bucket("api-gateway", 0, 1000, 1),
	})
	require.NoError(t, err)
	require.Equal(t, 4, n)

	got, err := s.Metrics(ctx, "checkout", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, []int64{0, 3, 1}, errorCounts(got), "sorted by time, duplicate replaced")
	require.Equal(t, bucket("checkout", 0, 100, 0), got[0])

	// A later batch replaces a stored bucket.
	_, err = s.PutMetrics(ctx, []slorec.MetricBucket{bucket("checkout", 2, 200, 7)})
	require.NoError(t, err)
	got, err = s.Metrics(ctx, "checkout", time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, got, 2, "range is [from, to)")
	require.Equal(t, int64(200), got[1].Requests)
	require.Equal(t, int64(7), got[1].Errors)

	none, err := s.Metrics(ctx, "payments-a", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Empty(t, none)
}

func testMetricsInvalidBatch(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	seed(t, s)
	bad := bucket("checkout", 1, 10, 11) // errors > requests
	_, err := s.PutMetrics(ctx, []slorec.MetricBucket{bucket("checkout", 0, 10, 0), bad})
	requireCode(t, err, slorec.EINVALID)
	require.Contains(t, slorec.ErrorMessage(err), "metrics[1]")
	got, err := s.Metrics(ctx, "checkout", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Empty(t, got)
}

func testMetricsUnknownService(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	seed(t, s)
	_, err := s.PutMetrics(ctx, []slorec.MetricBucket{bucket("checkout", 0, 10, 0), bucket("ghost", 0, 10, 0)})
	requireCode(t, err, slorec.EINVALID)
	require.Contains(t, slorec.ErrorMessage(err), "ghost")
	got, err := s.Metrics(ctx, "checkout", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Empty(t, got, "the valid part of a failed batch is not stored")
}

func availability(service string, target float64) slorec.SLO {
	return slorec.SLO{Service: service, SLI: slorec.Availability, Target: target, WindowDays: 30}
}

func testSLOVersions(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	seed(t, s)
	lat := slorec.SLO{Service: "checkout", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 1000, Percentile: 95}
	put, err := s.PutSLOs(ctx, []slorec.SLO{availability("checkout", 0.995), lat})
	require.NoError(t, err)
	require.Len(t, put, 2)
	require.Equal(t, 1, put[0].Version)
	require.Equal(t, 1, put[1].Version)
	require.NotEmpty(t, put[0].ID)
	require.False(t, put[0].CreatedAt.IsZero())
	require.Equal(t, slorec.DefaultWindowDays, put[1].WindowDays, "window defaults")

	forced := availability("checkout", 0.999)
	forced.Forced, forced.Justification, forced.Author = true, "contractual", "alice"
	_, err = s.PutSLOs(ctx, []slorec.SLO{availability("checkout", 0.99), forced})
	require.NoError(t, err)

	hist, err := s.SLOHistory(ctx, "checkout", slorec.Availability)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	require.Equal(t, []int{1, 2, 3}, []int{hist[0].Version, hist[1].Version, hist[2].Version})
	require.InDelta(t, 0.999, hist[2].Target, 1e-12)
	require.True(t, hist[2].Forced)
	require.Equal(t, "contractual", hist[2].Justification)
	require.Equal(t, put[0], hist[0])

	cur, err := s.CurrentSLOs(ctx, "checkout")
	require.NoError(t, err)
	require.Len(t, cur, 2)
	require.Equal(t, slorec.Availability, cur[0].SLI)
	require.Equal(t, 3, cur[0].Version)
	require.Equal(t, slorec.Latency, cur[1].SLI)
	require.Equal(t, 1, cur[1].Version)

	_, err = s.PutSLOs(ctx, []slorec.SLO{availability("api-gateway", 0.999)})
	require.NoError(t, err)
	all, err := s.CurrentSLOs(ctx, "")
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, "api-gateway", all[0].Service)
}

func testSLOInvalidBatch(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	seed(t, s)
	_, err := s.PutSLOs(ctx, []slorec.SLO{availability("checkout", 0.995), availability("checkout", 99.5)})
	requireCode(t, err, slorec.EINVALID)
	require.Contains(t, slorec.ErrorMessage(err), "percentage")
	hist, err := s.SLOHistory(ctx, "checkout", slorec.Availability)
	require.NoError(t, err)
	require.Empty(t, hist)
}

func testSLOUnknownService(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	seed(t, s)
	_, err := s.PutSLOs(ctx, []slorec.SLO{availability("checkout", 0.995), availability("ghost", 0.99)})
	requireCode(t, err, slorec.ENOTFOUND)
	hist, err := s.SLOHistory(ctx, "checkout", slorec.Availability)
	require.NoError(t, err)
	require.Empty(t, hist, "the first SLO of a failed batch is not stored")
}

func recommendation(service, hash string) slorec.Recommendation {
	return slorec.Recommendation{
		Service: service, InputHash: hash, Confidence: 0.82,
		ConfidenceReasons: []string{"60 days of hourly data"},
		Objectives: []slorec.Objective{{
			SLI: slorec.Availability, Tier: "balanced", Target: 0.995, WindowDays: 28,
			Candidates: []slorec.Candidate{{Tier: "balanced", Target: 0.995, BreachProbability: 0.04, Feasible: true}},
			FactIDs:    []string{"F1"},
		}},
		Facts: []slorec.Fact{{ID: "F1", Statement: "observed availability", Value: 0.9962, Unit: "ratio", Source: "metrics"}},
	}
}

func testRecommendations(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	r1, err := s.PutRecommendation(ctx, recommendation("checkout", "h1"))
	require.NoError(t, err)
	require.Equal(t, 1, r1.Version)
	require.NotEmpty(t, r1.ID)
	r2, err := s.PutRecommendation(ctx, recommendation("checkout", "h2"))
	require.NoError(t, err)
	require.Equal(t, 2, r2.Version)
	other, err := s.PutRecommendation(ctx, recommendation("api-gateway", "h1"))
	require.NoError(t, err)
	require.Equal(t, 1, other.Version, "versions count per service")

	got, err := s.Recommendation(ctx, r1.ID)
	require.NoError(t, err)
	require.Equal(t, r1, got)
	require.InDelta(t, 0.9962, got.Facts[0].Value, 1e-12)

	byHash, err := s.RecommendationByInput(ctx, "checkout", "h2")
	require.NoError(t, err)
	require.Equal(t, r2.ID, byHash.ID)
	_, err = s.RecommendationByInput(ctx, "checkout", "h3")
	requireCode(t, err, slorec.ENOTFOUND)
	_, err = s.Recommendation(ctx, "rec_missing")
	requireCode(t, err, slorec.ENOTFOUND)

	hist, err := s.Recommendations(ctx, "checkout")
	require.NoError(t, err)
	require.Len(t, hist, 2)
	require.Equal(t, r1.ID, hist[0].ID)

	_, err = s.PutRecommendation(ctx, slorec.Recommendation{Service: "checkout"})
	requireCode(t, err, slorec.EINVALID)
}

func testFeedback(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	r, err := s.PutRecommendation(ctx, recommendation("checkout", "h1"))
	require.NoError(t, err)
	f, err := s.PutFeedback(ctx, slorec.Feedback{RecommendationID: r.ID, Verdict: slorec.Modified, Reason: "too-strict", Comment: "payments is flaky", Actor: "bob"})
	require.NoError(t, err)
	require.NotEmpty(t, f.ID)
	_, err = s.PutFeedback(ctx, slorec.Feedback{RecommendationID: r.ID, Verdict: slorec.Accepted})
	require.NoError(t, err)

	got, err := s.Feedback(ctx, r.ID)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, f, got[0])

	_, err = s.PutFeedback(ctx, slorec.Feedback{RecommendationID: "rec_missing", Verdict: slorec.Accepted})
	requireCode(t, err, slorec.ENOTFOUND)
	_, err = s.PutFeedback(ctx, slorec.Feedback{RecommendationID: r.ID, Verdict: "meh"})
	requireCode(t, err, slorec.EINVALID)
}

func testAudit(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	first, err := s.AppendAudit(ctx, slorec.AuditRecord{Actor: "alice", Action: "slo.accept", Subject: "checkout", Detail: map[string]any{"target": 0.995}})
	require.NoError(t, err)
	require.NotZero(t, first.Seq)
	require.False(t, first.At.IsZero())
	_, err = s.AppendAudit(ctx, slorec.AuditRecord{Actor: "bob", Action: "llm.call", Subject: "checkout"})
	require.NoError(t, err)
	third, err := s.AppendAudit(ctx, slorec.AuditRecord{Actor: "alice", Action: "slo.accept", Subject: "api-gateway"})
	require.NoError(t, err)
	require.Greater(t, third.Seq, first.Seq)

	all, err := s.Audit(ctx, slorec.AuditFilter{})
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, third.Seq, all[0].Seq, "newest first")
	require.Equal(t, first, all[2])

	alice, err := s.Audit(ctx, slorec.AuditFilter{Actor: "alice", Action: "slo.accept"})
	require.NoError(t, err)
	require.Len(t, alice, 2)
	sub, err := s.Audit(ctx, slorec.AuditFilter{Subject: "checkout", Limit: 1})
	require.NoError(t, err)
	require.Len(t, sub, 1)
	require.Equal(t, "bob", sub[0].Actor)
	future, err := s.Audit(ctx, slorec.AuditFilter{Since: third.At.Add(time.Hour)})
	require.NoError(t, err)
	require.Empty(t, future)
	past, err := s.Audit(ctx, slorec.AuditFilter{Until: first.At})
	require.NoError(t, err)
	require.Empty(t, past)

	// Changing what was handed out does not change the log.
	all[2].Detail["target"] = 0.5
	all[2].Actor = "mallory"
	again, err := s.Audit(ctx, slorec.AuditFilter{Actor: "alice", Subject: "checkout"})
	require.NoError(t, err)
	require.Equal(t, first, again[0])
}

func testAuditInvalid(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	_, err := s.AppendAudit(ctx, slorec.AuditRecord{Action: "x"})
	requireCode(t, err, slorec.EINVALID)
	_, err = s.AppendAudit(ctx, slorec.AuditRecord{Actor: "x"})
	requireCode(t, err, slorec.EINVALID)
	_, err = s.AppendAudit(ctx, slorec.AuditRecord{Actor: "x", Action: "y", Detail: map[string]any{"f": func() {}}})
	requireCode(t, err, slorec.EINVALID)
	all, err := s.Audit(ctx, slorec.AuditFilter{})
	require.NoError(t, err)
	require.Empty(t, all)
}

func serviceIDs(svcs []slorec.Service) []string {
	out := make([]string, len(svcs))
	for i, s := range svcs {
		out[i] = s.ID
	}
	return out
}

func errorCounts(bs []slorec.MetricBucket) []int64 {
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b.Errors
	}
	return out
}
