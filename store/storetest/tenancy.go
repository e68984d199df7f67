package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

// The tests below cover tenants, tokens, idempotency keys, webhook
// subscriptions and the outbox.

func subscription(events ...string) slorec.Subscription {
	return slorec.Subscription{URL: "https://portal.example/hooks/slorec", Secret: "whsec-0123456789abcdef", Events: events}
}

func commitAudit() slorec.AuditRecord {
	return slorec.AuditRecord{Actor: "alice", Action: "slo.commit", Subject: "checkout", Detail: map[string]any{"verdict": "accepted"}}
}

func accepted() slorec.Event { return slorec.Event{Type: slorec.EventSLOAccepted, Service: "checkout"} }

// commit commits one availability SLO of checkout and returns its
// deliveries.
func commit(t *testing.T, s store.TenantStore, target float64) []slorec.Delivery {
	t.Helper()
	_, dels, err := s.CommitSLOs(context.Background(), []slorec.SLO{availability("checkout", target)}, commitAudit(), accepted())
	require.NoError(t, err)
	return dels
}

func testTenantInvalid(t *testing.T, s store.Store) {
	for _, id := range []string{"", "Acme", "-acme", "acme corp", "acme_corp", strings.Repeat("a", 65)} {
		require.Panics(t, func() { s.Tenant(id) }, "tenant %q", id)
	}
	require.NotPanics(t, func() { s.Tenant(strings.Repeat("a", 64)) })
}

func testTenantCatalogIsolation(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := s.Tenant("acme"), s.Tenant("globex")
	seed(t, a)
	v, err := b.UpsertGraph(ctx, slorec.Graph{Services: []slorec.Service{{ID: "checkout", Kind: slorec.KindService, Tier: slorec.TierLow}}})
	require.NoError(t, err)
	require.Equal(t, 1, v, "catalog versions count per tenant")

	ca, err := a.Service(ctx, "checkout")
	require.NoError(t, err)
	require.Equal(t, slorec.TierCritical, ca.Tier)
	require.Len(t, ca.Deps, 3)
	cb, err := b.Service(ctx, "checkout")
	require.NoError(t, err)
	require.Equal(t, slorec.TierLow, cb.Tier)
	require.Empty(t, cb.Deps, "one tenant's edges are not another's")
	all, err := b.Services(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"checkout"}, serviceIDs(all))
	_, err = b.Service(ctx, "api-gateway")
	requireCode(t, err, slorec.ENOTFOUND)
	_, err = a.UpsertGraph(ctx, slorec.Graph{Services: []slorec.Service{{ID: "recs", Kind: slorec.KindService, Tier: slorec.TierLow}}})
	require.NoError(t, err)
	bv, err := b.CatalogVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, bv)

	_, err = a.PutMetrics(ctx, []slorec.MetricBucket{bucket("checkout", 0, 100, 1)})
	require.NoError(t, err)
	_, err = b.PutMetrics(ctx, []slorec.MetricBucket{bucket("api-gateway", 0, 100, 1)})
	requireCode(t, err, slorec.EINVALID)
	none, err := b.Metrics(ctx, "checkout", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = b.PutMetrics(ctx, []slorec.MetricBucket{bucket("checkout", 0, 50, 5)})
	require.NoError(t, err, "the same (service, timestamp) in another tenant is another bucket")
	ma, err := a.Metrics(ctx, "checkout", time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, []slorec.MetricBucket{bucket("checkout", 0, 100, 1)}, ma)

	sa, err := a.PutSLOs(ctx, []slorec.SLO{availability("checkout", 0.995)})
	require.NoError(t, err)
	sb, err := b.PutSLOs(ctx, []slorec.SLO{availability("checkout", 0.99)})
	require.NoError(t, err)
	require.Equal(t, 1, sb[0].Version, "SLO versions count per tenant")
	_, err = b.PutSLOs(ctx, []slorec.SLO{availability("api-gateway", 0.99)})
	requireCode(t, err, slorec.ENOTFOUND)
	hist, err := a.SLOHistory(ctx, "checkout", slorec.Availability)
	require.NoError(t, err)
	require.Equal(t, sa, hist)
	cur, err := b.CurrentSLOs(ctx, "")
	require.NoError(t, err)
	require.Equal(t, sb, cur)

	dflt, err := s.Tenant(slorec.DefaultTenant).Services(ctx)
	require.NoError(t, err)
	require.Empty(t, dflt)
}

func testTenantIDIsolation(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := s.Tenant("acme"), s.Tenant("globex")
	seed(t, a)
	seed(t, b)

	rec, err := a.PutRecommendation(ctx, recommendation("checkout", "h1"))
	require.NoError(t, err)
	_, err = b.Recommendation(ctx, rec.ID)
	requireCode(t, err, slorec.ENOTFOUND)
	_, err = b.RecommendationByInput(ctx, "checkout", "h1")
	requireCode(t, err, slorec.ENOTFOUND)
	recs, err := b.Recommendations(ctx, "checkout")
	require.NoError(t, err)
	require.Empty(t, recs)
	rb, err := b.PutRecommendation(ctx, recommendation("checkout", "h1"))
	require.NoError(t, err)
	require.Equal(t, 1, rb.Version, "recommendation versions count per tenant")

	_, err = b.PutFeedback(ctx, slorec.Feedback{RecommendationID: rec.ID, Verdict: slorec.Accepted})
	requireCode(t, err, slorec.ENOTFOUND)
	_, err = a.PutFeedback(ctx, slorec.Feedback{RecommendationID: rec.ID, Verdict: slorec.Accepted})
	require.NoError(t, err)
	fb, err := b.Feedback(ctx, rec.ID)
	require.NoError(t, err)
	require.Empty(t, fb)

	_, err = a.PutSLOs(ctx, []slorec.SLO{availability("checkout", 0.995)})
	require.NoError(t, err)
	hist, err := b.SLOHistory(ctx, "checkout", slorec.Availability)
	require.NoError(t, err)
	require.Empty(t, hist)

	sub, err := a.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)
	dels := commit(t, a, 0.999)
	require.Len(t, dels, 1)
	requireCode(t, b.DeleteSubscription(ctx, sub.ID), slorec.ENOTFOUND)
	_, err = b.Deliveries(ctx, sub.ID, 0)
	requireCode(t, err, slorec.ENOTFOUND)
	subs, err := b.Subscriptions(ctx)
	require.NoError(t, err)
	require.Empty(t, subs)
	bd, err := b.Deliveries(ctx, "", 0)
	require.NoError(t, err)
	require.Empty(t, bd)
	bdels := commit(t, b, 0.999)
	require.Empty(t, bdels, "a commit queues deliveries for its own tenant's subscriptions only")

	subs, err = a.Subscriptions(ctx)
	require.NoError(t, err)
	require.True(t, subs[0].Active, "the other tenant's delete changed nothing")
	ad, err := a.Deliveries(ctx, sub.ID, 0)
	require.NoError(t, err)
	require.Equal(t, dels, ad)
}

func testTenantAuditIsolation(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := s.Tenant("acme"), s.Tenant("globex")
	ra, err := a.AppendAudit(ctx, slorec.AuditRecord{Actor: "alice", Action: "slo.accept", Subject: "checkout"})
	require.NoError(t, err)
	rb, err := b.AppendAudit(ctx, slorec.AuditRecord{Actor: "bob", Action: "slo.accept", Subject: "checkout"})
	require.NoError(t, err)
	require.NotEqual(t, ra.Seq, rb.Seq)

	got, err := a.Audit(ctx, slorec.AuditFilter{})
	require.NoError(t, err)
	require.Equal(t, []slorec.AuditRecord{ra}, got)
	got, err = b.Audit(ctx, slorec.AuditFilter{Subject: "checkout"})
	require.NoError(t, err)
	require.Equal(t, []slorec.AuditRecord{rb}, got)
	got, err = b.Audit(ctx, slorec.AuditFilter{Actor: "alice"})
	require.NoError(t, err)
	require.Empty(t, got)

	seed(t, b)
	commit(t, b, 0.995)
	got, err = a.Audit(ctx, slorec.AuditFilter{})
	require.NoError(t, err)
	require.Len(t, got, 1, "a commit audits in its own tenant")
	got, err = b.Audit(ctx, slorec.AuditFilter{Action: "slo.commit"})
	require.NoError(t, err)
	require.Len(t, got, 1)
}

func testTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok, secret, err := s.CreateToken(ctx, "acme", "ci pipeline", slorec.RoleEditor)
	require.NoError(t, err)
	require.NotEmpty(t, tok.ID)
	require.Equal(t, "acme", tok.Tenant)
	require.Equal(t, "ci pipeline", tok.Name)
	require.Equal(t, slorec.RoleEditor, tok.Role)
	require.False(t, tok.CreatedAt.IsZero())
	require.False(t, tok.Revoked)
	require.True(t, strings.HasPrefix(secret, store.TokenPrefix), secret)
	require.Len(t, secret, len(store.TokenPrefix)+43, "32 bytes in unpadded base64url")
	require.True(t, store.WellFormedTokenSecret(secret))

	got, err := s.Authenticate(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, tok, got)

	other, secret2, err := s.CreateToken(ctx, "acme", "ci pipeline", slorec.RoleReader)
	require.NoError(t, err)
	require.NotEqual(t, tok.ID, other.ID)
	require.NotEqual(t, secret, secret2)

	require.NoError(t, s.RevokeToken(ctx, tok.ID))
	_, err = s.Authenticate(ctx, secret)
	requireCode(t, err, slorec.EUNAUTHORIZED)
	require.NoError(t, s.RevokeToken(ctx, tok.ID), "revoking twice is not an error")
	got, err = s.Authenticate(ctx, secret2)
	require.NoError(t, err, "revoking one token leaves the others alone")
	require.Equal(t, other, got)
	requireCode(t, s.RevokeToken(ctx, "tok_missing"), slorec.ENOTFOUND)
}

func testTokenUnauthorized(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok, secret, err := s.CreateToken(ctx, "acme", "ci", slorec.RoleAdmin)
	require.NoError(t, err)
	flipped := secret[:len(secret)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(secret, "A")]
	for _, bad := range []string{"", "nope", store.TokenPrefix, store.NewTokenSecret(), flipped,
		secret[:len(secret)-1], secret + "x", strings.ToUpper(secret), " " + secret} {
		_, err := s.Authenticate(ctx, bad)
		requireCode(t, err, slorec.EUNAUTHORIZED)
	}
	require.NoError(t, s.RevokeToken(ctx, tok.ID))
	_, errRevoked := s.Authenticate(ctx, secret)
	_, errUnknown := s.Authenticate(ctx, store.NewTokenSecret())
	require.Equal(t, slorec.ErrorMessage(errUnknown), slorec.ErrorMessage(errRevoked), "revoked and unknown look alike")
}

func testTokenInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, tt := range []struct {
		tenant, name string
		role         slorec.Role
	}{
		{"", "ci", slorec.RoleReader},
		{"Acme", "ci", slorec.RoleReader},
		{"acme", "", slorec.RoleReader},
		{"acme", "  ", slorec.RoleReader},
		{"acme", strings.Repeat("x", 201), slorec.RoleReader},
		{"acme", "ci", "root"},
		{"acme", "ci", ""},
	} {
		_, _, err := s.CreateToken(ctx, tt.tenant, tt.name, tt.role)
		requireCode(t, err, slorec.EINVALID)
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec, err := s.BeginIdempotent(ctx, "acme", "key-1", "hash-1")
	require.NoError(t, err)
	require.Nil(t, rec, "a new key is reserved")
	_, err = s.BeginIdempotent(ctx, "acme", "key-1", "hash-1")
	requireCode(t, err, slorec.ECONFLICT)
	require.Contains(t, slorec.ErrorMessage(err), "in progress")
	_, err = s.BeginIdempotent(ctx, "acme", "key-1", "hash-2")
	requireCode(t, err, slorec.ECONFLICT)

	requireCode(t, s.FinishIdempotent(ctx, slorec.IdempotencyRecord{Tenant: "acme", Key: "key-1", RequestHash: "hash-2", StatusCode: 201}),
		slorec.ENOTFOUND)
	done := slorec.IdempotencyRecord{Tenant: "acme", Key: "key-1", RequestHash: "hash-1", StatusCode: 201,
		ContentType: "application/json", Body: []byte(`{"id":"slo_1"}`)}
	require.NoError(t, s.FinishIdempotent(ctx, done))
	requireCode(t, s.FinishIdempotent(ctx, done), slorec.ENOTFOUND)

	got, err := s.BeginIdempotent(ctx, "acme", "key-1", "hash-1")
	require.NoError(t, err)
	require.NotNil(t, got, "a finished key is replayed")
	require.False(t, got.CreatedAt.IsZero())
	done.CreatedAt = got.CreatedAt
	require.Equal(t, done, *got)
	again, err := s.BeginIdempotent(ctx, "acme", "key-1", "hash-1")
	require.NoError(t, err)
	require.Equal(t, got, again, "replays are stable")
	_, err = s.BeginIdempotent(ctx, "acme", "key-1", "hash-2")
	requireCode(t, err, slorec.ECONFLICT)
	require.Contains(t, slorec.ErrorMessage(err), "different request")

	require.NoError(t, s.ReleaseIdempotent(ctx, "acme", "key-1"))
	got, err = s.BeginIdempotent(ctx, "acme", "key-1", "hash-1")
	require.NoError(t, err)
	require.NotNil(t, got, "releasing a finished key leaves it alone")

	rec, err = s.BeginIdempotent(ctx, "acme", "key-2", "hash-1")
	require.NoError(t, err)
	require.Nil(t, rec)
	require.NoError(t, s.ReleaseIdempotent(ctx, "acme", "key-2"))
	rec, err = s.BeginIdempotent(ctx, "acme", "key-2", "hash-2")
	require.NoError(t, err)
	require.Nil(t, rec, "a released key is new again, whatever the hash")
	require.NoError(t, s.FinishIdempotent(ctx, slorec.IdempotencyRecord{Tenant: "acme", Key: "key-2", RequestHash: "hash-2", StatusCode: 204}))
	got, err = s.BeginIdempotent(ctx, "acme", "key-2", "hash-2")
	require.NoError(t, err)
	require.Equal(t, 204, got.StatusCode)
	require.Nil(t, got.Body, "an empty body reads back as nil")

	require.NoError(t, s.ReleaseIdempotent(ctx, "acme", "never-used"))
	requireCode(t, s.FinishIdempotent(ctx, slorec.IdempotencyRecord{Tenant: "acme", Key: "never-used", RequestHash: "h", StatusCode: 200}),
		slorec.ENOTFOUND)
}

func testIdempotencyInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec, err := s.BeginIdempotent(ctx, "acme", "key-1", "hash-1")
	require.NoError(t, err)
	require.Nil(t, rec)
	rec, err = s.BeginIdempotent(ctx, "globex", "key-1", "hash-2")
	require.NoError(t, err)
	require.Nil(t, rec, "keys are per tenant")

	for _, args := range [][3]string{
		{"Acme", "k", "h"}, {"", "k", "h"}, {"acme", "", "h"}, {"acme", strings.Repeat("k", 256), "h"}, {"acme", "k", ""},
	} {
		_, err := s.BeginIdempotent(ctx, args[0], args[1], args[2])
		requireCode(t, err, slorec.EINVALID)
	}
	for _, code := range []int{0, 99, 600} {
		err := s.FinishIdempotent(ctx, slorec.IdempotencyRecord{Tenant: "acme", Key: "key-1", RequestHash: "hash-1", StatusCode: code})
		requireCode(t, err, slorec.EINVALID)
	}
}

func testSubscriptions(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := s.Tenant("acme")
	for name, bad := range map[string]slorec.Subscription{
		"not http":       {URL: "ftp://portal.example/hooks", Secret: "whsec-0123456789abcdef", Events: []string{slorec.EventSLOAccepted}},
		"no host":        {URL: "https:///hooks", Secret: "whsec-0123456789abcdef", Events: []string{slorec.EventSLOAccepted}},
		"short secret":   {URL: "https://portal.example/hooks", Secret: "short", Events: []string{slorec.EventSLOAccepted}},
		"no events":      {URL: "https://portal.example/hooks", Secret: "whsec-0123456789abcdef"},
		"unknown events": {URL: "https://portal.example/hooks", Secret: "whsec-0123456789abcdef", Events: []string{"slo.deleted"}},
	} {
		_, err := a.PutSubscription(ctx, bad)
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err), "%s: %v", name, err)
	}
	none, err := a.Subscriptions(ctx)
	require.NoError(t, err)
	require.Empty(t, none)

	in := subscription(slorec.EventSLOAccepted, slorec.EventSLOAccepted, slorec.EventSLOModified)
	in.ID, in.Tenant, in.Active = "whs_mine", "globex", false // the store's to fill
	sub, err := a.PutSubscription(ctx, in)
	require.NoError(t, err)
	require.NotEmpty(t, sub.ID)
	require.NotEqual(t, "whs_mine", sub.ID)
	require.Equal(t, "acme", sub.Tenant)
	require.True(t, sub.Active)
	require.False(t, sub.CreatedAt.IsZero())
	require.Empty(t, sub.Secret, "the secret is write-only")
	require.Equal(t, []string{slorec.EventSLOAccepted, slorec.EventSLOModified}, sub.Events, "events without repeats")
	sub2, err := a.PutSubscription(ctx, subscription(slorec.EventSLOModified))
	require.NoError(t, err)

	list, err := a.Subscriptions(ctx)
	require.NoError(t, err)
	require.Equal(t, []slorec.Subscription{sub, sub2}, list, "oldest first, no secrets")

	require.NoError(t, a.DeleteSubscription(ctx, sub.ID))
	require.NoError(t, a.DeleteSubscription(ctx, sub.ID), "deleting twice is not an error")
	requireCode(t, a.DeleteSubscription(ctx, "whs_missing"), slorec.ENOTFOUND)
	list, err = a.Subscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2, "a deleted subscription stays listed, inactive")
	require.False(t, list[0].Active)
	require.True(t, list[1].Active)

	dels, err := a.Deliveries(ctx, sub.ID, 0)
	require.NoError(t, err)
	require.Empty(t, dels)
	_, err = a.Deliveries(ctx, "whs_missing", 0)
	requireCode(t, err, slorec.ENOTFOUND)
}

// eventPayload is what a subscriber receives.
type eventPayload struct {
	ID      string       `json:"id"`
	Type    string       `json:"type"`
	Tenant  string       `json:"tenant"`
	Service string       `json:"service"`
	At      time.Time    `json:"at"`
	Data    []slorec.SLO `json:"data"`
}

func testCommitSLOs(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := s.Tenant("acme")
	seed(t, a)
	onAccepted, err := a.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)
	onBoth, err := a.PutSubscription(ctx, subscription(slorec.EventSLOModified, slorec.EventSLOAccepted))
	require.NoError(t, err)
	onModified, err := a.PutSubscription(ctx, subscription(slorec.EventSLOModified))
	require.NoError(t, err)
	deleted, err := a.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)
	require.NoError(t, a.DeleteSubscription(ctx, deleted.ID))

	lat := slorec.SLO{Service: "checkout", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 800, Percentile: 95}
	slos, dels, err := a.CommitSLOs(ctx, []slorec.SLO{availability("checkout", 0.995), lat}, commitAudit(), accepted())
	require.NoError(t, err)
	require.Len(t, slos, 2)
	require.NotEmpty(t, slos[0].ID)
	require.Equal(t, 1, slos[1].Version)
	require.Equal(t, slorec.DefaultWindowDays, slos[1].WindowDays, "SLOs are prepared as PutSLOs prepares them")

	require.Len(t, dels, 2, "one delivery per active subscription asking for slo.accepted")
	require.Equal(t, onAccepted.ID, dels[0].SubscriptionID, "oldest subscription first")
	require.Equal(t, onBoth.ID, dels[1].SubscriptionID)
	require.NotEqual(t, dels[0].ID, dels[1].ID)
	for _, d := range dels {
		require.NotEmpty(t, d.ID)
		require.Equal(t, "acme", d.Tenant)
		require.Equal(t, slorec.DeliveryPending, d.Status)
		require.Equal(t, slorec.EventSLOAccepted, d.EventType)
		require.Equal(t, dels[0].EventID, d.EventID, "one event, several deliveries")
		require.Zero(t, d.Attempts)
		require.False(t, d.CreatedAt.IsZero())
		require.Equal(t, d.CreatedAt, d.NextAttemptAt, "due at once")
		require.True(t, d.DeliveredAt.IsZero())
		var p eventPayload
		require.NoError(t, json.Unmarshal(d.Payload, &p))
		require.Equal(t, d.EventID, p.ID)
		require.Equal(t, slorec.EventSLOAccepted, p.Type)
		require.Equal(t, "acme", p.Tenant)
		require.Equal(t, "checkout", p.Service)
		require.False(t, p.At.IsZero())
		require.Len(t, p.Data, 2, "the event's data defaults to the stored SLOs")
		require.Equal(t, slos[0].ID, p.Data[0].ID)
		require.Equal(t, slos[1].Version, p.Data[1].Version)
	}

	hist, err := a.SLOHistory(ctx, "checkout", slorec.Availability)
	require.NoError(t, err)
	require.Equal(t, slos[:1], hist)
	audit, err := a.Audit(ctx, slorec.AuditFilter{Action: "slo.commit"})
	require.NoError(t, err)
	require.Len(t, audit, 1)
	require.Equal(t, "accepted", audit[0].Detail["verdict"])

	listed, err := a.Deliveries(ctx, onAccepted.ID, 0)
	require.NoError(t, err)
	require.Equal(t, dels[:1], listed)
	none, err := a.Deliveries(ctx, onModified.ID, 0)
	require.NoError(t, err)
	require.Empty(t, none)
	none, err = a.Deliveries(ctx, deleted.ID, 0)
	require.NoError(t, err)
	require.Empty(t, none, "a deleted subscription gets nothing")

	d, sub, err := s.Delivery(ctx, dels[1].ID)
	require.NoError(t, err)
	require.Equal(t, dels[1], d)
	require.Equal(t, onBoth.ID, sub.ID)
	require.Equal(t, "acme", sub.Tenant)
	require.Equal(t, subscription().URL, sub.URL)
	require.Equal(t, subscription().Secret, sub.Secret, "the outbox hands the worker the signing secret")
	_, _, err = s.Delivery(ctx, "dlv_missing")
	requireCode(t, err, slorec.ENOTFOUND)

	// A modified SLO with the caller's event id and data.
	ev := slorec.Event{ID: "evt_portal_42", Type: slorec.EventSLOModified, Service: "checkout", Data: map[string]any{"note": "hand-written"}}
	slos2, dels2, err := a.CommitSLOs(ctx, []slorec.SLO{availability("checkout", 0.99)}, commitAudit(), ev)
	require.NoError(t, err)
	require.Equal(t, 2, slos2[0].Version)
	require.Len(t, dels2, 2)
	require.Equal(t, onBoth.ID, dels2[0].SubscriptionID)
	require.Equal(t, onModified.ID, dels2[1].SubscriptionID)
	require.Equal(t, "evt_portal_42", dels2[0].EventID)
	var p struct{ Data map[string]any }
	require.NoError(t, json.Unmarshal(dels2[0].Payload, &p))
	require.Equal(t, map[string]any{"note": "hand-written"}, p.Data)

	all, err := a.Deliveries(ctx, "", 0)
	require.NoError(t, err)
	require.Len(t, all, 4)
	require.ElementsMatch(t, []string{dels2[0].ID, dels2[1].ID}, []string{all[0].ID, all[1].ID}, "newest first")
	one, err := a.Deliveries(ctx, "", 1)
	require.NoError(t, err)
	require.Len(t, one, 1)
	require.Equal(t, all[0], one[0])
}

func testCommitSLOsAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := s.Tenant("acme")
	seed(t, a)
	_, err := a.PutSubscription(ctx, subscription(slorec.EventSLOAccepted, slorec.EventSLOModified))
	require.NoError(t, err)
	good := []slorec.SLO{availability("checkout", 0.995)}
	for _, tt := range []struct {
		name  string
		slos  []slorec.SLO
		audit slorec.AuditRecord
		event slorec.Event
		code  string
	}{
		{"a bad SLO", []slorec.SLO{availability("checkout", 0.995), availability("checkout", 99.5)}, commitAudit(), accepted(), slorec.EINVALID},
		{"an unknown service", []slorec.SLO{availability("checkout", 0.995), availability("ghost", 0.99)}, commitAudit(), accepted(), slorec.ENOTFOUND},
		{"no SLOs", nil, commitAudit(), accepted(), slorec.EINVALID},
		{"an audit record without actor", good, slorec.AuditRecord{Action: "slo.commit"}, accepted(), slorec.EINVALID},
		{"an unknown event type", good, commitAudit(), slorec.Event{Type: "slo.deleted"}, slorec.EINVALID},
		{"event data that is not JSON", good, commitAudit(), slorec.Event{Type: slorec.EventSLOAccepted, Data: func() {}}, slorec.EINVALID},
	} {
		slos, dels, err := a.CommitSLOs(ctx, tt.slos, tt.audit, tt.event)
		requireCode(t, err, tt.code)
		require.Nil(t, slos, tt.name)
		require.Nil(t, dels, tt.name)
	}
	requireNothingCommitted(t, s, a)
}

// requireNothingCommitted checks that a has no SLOs, audit records or
// deliveries, and that nothing is due.
func requireNothingCommitted(t *testing.T, s store.Store, a store.TenantStore) {
	t.Helper()
	ctx := context.Background()
	cur, err := a.CurrentSLOs(ctx, "")
	require.NoError(t, err)
	require.Empty(t, cur, "no SLO of a failed commit is stored")
	audit, err := a.Audit(ctx, slorec.AuditFilter{})
	require.NoError(t, err)
	require.Empty(t, audit, "no audit record of a failed commit is stored")
	dels, err := a.Deliveries(ctx, "", 0)
	require.NoError(t, err)
	require.Empty(t, dels, "no delivery of a failed commit is queued")
	due, err := s.DueDeliveries(ctx, time.Now().Add(time.Hour), 0)
	require.NoError(t, err)
	require.Empty(t, due)
}

// RequireNothingCommitted is requireNothingCommitted for adapter tests
// that make a commit fail in their own ways.
func RequireNothingCommitted(t *testing.T, s store.Store, tenant string) {
	t.Helper()
	requireNothingCommitted(t, s, s.Tenant(tenant))
}

// Seed ingests the contract suite's e-commerce graph into s, for adapter
// tests.
func Seed(t *testing.T, s store.TenantStore) { seed(t, s) }

// Subscription returns a valid subscription to events, for adapter tests.
func Subscription(events ...string) slorec.Subscription { return subscription(events...) }

func testRecordAttemptDeactivates(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := s.Tenant("acme"), s.Tenant("globex")
	seed(t, a)
	seed(t, b)
	gone, err := a.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)
	other, err := a.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)
	// Another tenant's subscription with the same URL is not touched.
	theirs, err := b.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)
	dels := commit(t, a, 0.99)
	require.Len(t, dels, 2)
	require.Equal(t, gone.ID, dels[0].SubscriptionID)
	require.Len(t, commit(t, b, 0.99), 1)

	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	failed, err := s.RecordAttempt(ctx, dels[0].ID, slorec.DeliveryAttempt{At: t0, StatusCode: 410, Error: "HTTP 410 Gone", DeactivateSubscription: true})
	require.NoError(t, err)
	require.Equal(t, slorec.DeliveryFailed, failed.Status)
	_, sub, err := s.Delivery(ctx, dels[0].ID)
	require.NoError(t, err)
	require.False(t, sub.Active, "the attempt deactivated the subscription")

	active := map[string]bool{}
	for _, ts := range []store.TenantStore{a, b} {
		subs, err := ts.Subscriptions(ctx)
		require.NoError(t, err)
		for _, sub := range subs {
			active[sub.ID] = sub.Active
		}
	}
	require.Equal(t, map[string]bool{gone.ID: false, other.ID: true, theirs.ID: true}, active)
	next := commit(t, a, 0.995)
	require.Len(t, next, 1, "nothing more is queued for the deactivated subscription")
	require.Equal(t, other.ID, next[0].SubscriptionID)

	// Without the flag, a failed attempt leaves the subscription active.
	_, err = s.RecordAttempt(ctx, dels[1].ID, slorec.DeliveryAttempt{At: t0, StatusCode: 404, Error: "HTTP 404"})
	require.NoError(t, err)
	_, sub, err = s.Delivery(ctx, dels[1].ID)
	require.NoError(t, err)
	require.True(t, sub.Active)
}

func testRecordAttempt(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := s.Tenant("acme")
	seed(t, a)
	sub, err := a.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
	require.NoError(t, err)
	d1, d2, d3 := commit(t, a, 0.99)[0], commit(t, a, 0.995)[0], commit(t, a, 0.999)[0]
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

	retry, err := s.RecordAttempt(ctx, d1.ID, slorec.DeliveryAttempt{At: t0, StatusCode: 503, Error: "503 Service Unavailable", NextAttemptAt: t0.Add(time.Minute)})
	require.NoError(t, err)
	require.Equal(t, slorec.DeliveryPending, retry.Status)
	require.Equal(t, 1, retry.Attempts)
	require.Equal(t, 503, retry.LastStatusCode)
	require.Equal(t, "503 Service Unavailable", retry.LastError)
	require.Equal(t, t0.Add(time.Minute), retry.NextAttemptAt)
	require.True(t, retry.DeliveredAt.IsZero())

	ok, err := s.RecordAttempt(ctx, d1.ID, slorec.DeliveryAttempt{At: t0.Add(time.Minute), StatusCode: 204, Delivered: true})
	require.NoError(t, err)
	require.Equal(t, slorec.DeliveryDelivered, ok.Status)
	require.Equal(t, 2, ok.Attempts)
	require.Equal(t, 204, ok.LastStatusCode)
	require.Empty(t, ok.LastError)
	require.True(t, ok.NextAttemptAt.IsZero())
	require.Equal(t, t0.Add(time.Minute), ok.DeliveredAt)
	require.Equal(t, d1.Payload, ok.Payload)
	got, _, err := s.Delivery(ctx, d1.ID)
	require.NoError(t, err)
	require.Equal(t, ok, got)
	_, err = s.RecordAttempt(ctx, d1.ID, slorec.DeliveryAttempt{At: t0, StatusCode: 500, NextAttemptAt: t0.Add(time.Hour)})
	requireCode(t, err, slorec.ECONFLICT)

	failed, err := s.RecordAttempt(ctx, d2.ID, slorec.DeliveryAttempt{At: t0, Error: "dial tcp: connection refused"})
	require.NoError(t, err)
	require.Equal(t, slorec.DeliveryFailed, failed.Status)
	require.Equal(t, 1, failed.Attempts)
	require.Zero(t, failed.LastStatusCode)
	require.Equal(t, "dial tcp: connection refused", failed.LastError)
	require.True(t, failed.NextAttemptAt.IsZero())
	require.True(t, failed.DeliveredAt.IsZero())
	_, err = s.RecordAttempt(ctx, d2.ID, slorec.DeliveryAttempt{At: t0, StatusCode: 200, Delivered: true})
	requireCode(t, err, slorec.ECONFLICT)

	before := time.Now().Add(-time.Second)
	now, err := s.RecordAttempt(ctx, d3.ID, slorec.DeliveryAttempt{StatusCode: 200, Delivered: true, Error: "x" + strings.Repeat("é", 2000)})
	require.NoError(t, err)
	require.True(t, now.DeliveredAt.After(before), "a zero At means now")
	require.Len(t, now.LastError, 1999, "long errors are cut, not in the middle of a character")
	require.True(t, utf8.ValidString(now.LastError))

	_, err = s.RecordAttempt(ctx, "dlv_missing", slorec.DeliveryAttempt{At: t0, Delivered: true})
	requireCode(t, err, slorec.ENOTFOUND)
	_, err = s.RecordAttempt(ctx, d1.ID, slorec.DeliveryAttempt{At: t0, StatusCode: 700})
	requireCode(t, err, slorec.EINVALID)

	listed, err := a.Deliveries(ctx, sub.ID, 0)
	require.NoError(t, err)
	status := map[string]string{}
	for _, d := range listed {
		status[d.ID] = d.Status
	}
	require.Equal(t, map[string]string{d1.ID: slorec.DeliveryDelivered, d2.ID: slorec.DeliveryFailed, d3.ID: slorec.DeliveryDelivered}, status)
}

func testDueDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := s.Tenant("acme"), s.Tenant("globex")
	for _, ts := range []store.TenantStore{a, b} {
		seed(t, ts)
		_, err := ts.PutSubscription(ctx, subscription(slorec.EventSLOAccepted))
		require.NoError(t, err)
	}
	d1, d2, d3, d4 := commit(t, a, 0.99)[0], commit(t, a, 0.995)[0], commit(t, a, 0.999)[0], commit(t, a, 0.9)[0]
	d5 := commit(t, b, 0.99)[0] // due since it was queued
	t0 := time.Now().UTC().Truncate(time.Microsecond).Add(-time.Hour)
	for id, at := range map[string]slorec.DeliveryAttempt{
		d1.ID: {At: t0, StatusCode: 500, NextAttemptAt: t0.Add(30 * time.Minute)},
		d2.ID: {At: t0, StatusCode: 500, NextAttemptAt: t0.Add(10 * time.Minute)},
		d3.ID: {At: t0, StatusCode: 500, NextAttemptAt: t0.Add(2 * time.Hour)},
		d4.ID: {At: t0, StatusCode: 200, Delivered: true},
	} {
		_, err := s.RecordAttempt(ctx, id, at)
		require.NoError(t, err)
	}

	ids := func(now time.Time, limit int) []string {
		t.Helper()
		due, err := s.DueDeliveries(ctx, now, limit)
		require.NoError(t, err)
		out := []string{}
		for _, d := range due {
			require.Equal(t, slorec.DeliveryPending, d.Status)
			out = append(out, d.ID)
		}
		return out
	}
	require.Equal(t, []string{d2.ID, d1.ID}, ids(t0.Add(40*time.Minute), 0), "earliest due first")
	require.Equal(t, []string{d2.ID}, ids(t0.Add(10*time.Minute), 0), "due at or before now")
	require.Equal(t, []string{d2.ID, d1.ID, d5.ID}, ids(time.Now().Add(time.Second), 0), "across tenants; delivered and future ones are not due")
	require.Equal(t, []string{d2.ID, d1.ID}, ids(time.Now().Add(time.Second), 2))
	require.Empty(t, ids(t0, 0))
}
