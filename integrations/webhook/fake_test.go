package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/webhook"
)

const testSecret = "whsec-test-0123456789abcdef"

// outbox is an in-memory webhook.Outbox following store.Outbox's
// contract.
type outbox struct {
	mu         sync.Mutex
	deliveries map[string]slorec.Delivery
	subs       map[string]slorec.Subscription
	attempts   map[string][]slorec.DeliveryAttempt
	failRecord bool // RecordAttempt fails with EUNAVAILABLE
}

var _ webhook.Outbox = (*outbox)(nil)

func newOutbox() *outbox {
	return &outbox{deliveries: map[string]slorec.Delivery{}, subs: map[string]slorec.Subscription{}, attempts: map[string][]slorec.DeliveryAttempt{}}
}

// subscribe adds an active subscription to url.
func (o *outbox) subscribe(id, url string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.subs[id] = slorec.Subscription{ID: id, Tenant: "acme", URL: url, Secret: testSecret, Events: []string{slorec.EventSLOAccepted}, Active: true}
}

// add queues a pending delivery to subscription sub, due at due.
func (o *outbox) add(id, sub string, due time.Time) slorec.Delivery {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := slorec.Delivery{
		ID: id, Tenant: "acme", SubscriptionID: sub, EventID: "evt-" + id, EventType: slorec.EventSLOAccepted,
		Payload: fmt.Appendf(nil, `{"id":"evt-%s","type":"slo.accepted","tenant":"acme","service":"checkout"}`, id),
		Status:  slorec.DeliveryPending, NextAttemptAt: due, CreatedAt: due,
	}
	o.deliveries[id] = d
	return d
}

func (o *outbox) get(id string) slorec.Delivery {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.deliveries[id]
}

func (o *outbox) attemptsOf(id string) []slorec.DeliveryAttempt {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.attempts[id])
}

func (o *outbox) Delivery(_ context.Context, id string) (slorec.Delivery, slorec.Subscription, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	d, ok := o.deliveries[id]
	if !ok {
		return slorec.Delivery{}, slorec.Subscription{}, slorec.Errorf(slorec.ENOTFOUND, "delivery %s not found", id)
	}
	return d, o.subs[d.SubscriptionID], nil
}

func (o *outbox) RecordAttempt(_ context.Context, id string, a slorec.DeliveryAttempt) (slorec.Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failRecord {
		return slorec.Delivery{}, slorec.Errorf(slorec.EUNAVAILABLE, "database down")
	}
	d, ok := o.deliveries[id]
	if !ok {
		return slorec.Delivery{}, slorec.Errorf(slorec.ENOTFOUND, "delivery %s not found", id)
	}
	d.Attempts++
	d.LastStatusCode, d.LastError, d.NextAttemptAt = a.StatusCode, a.Error, a.NextAttemptAt
	switch {
	case a.Delivered:
		d.Status, d.DeliveredAt = slorec.DeliveryDelivered, a.At
	case a.NextAttemptAt.IsZero():
		d.Status = slorec.DeliveryFailed
	default:
		d.Status = slorec.DeliveryPending
	}
	if sub, ok := o.subs[d.SubscriptionID]; ok && a.DeactivateSubscription {
		sub.Active = false
		o.subs[d.SubscriptionID] = sub
	}
	o.deliveries[id] = d
	o.attempts[id] = append(o.attempts[id], a)
	return d, nil
}

func (o *outbox) DueDeliveries(_ context.Context, now time.Time, limit int) ([]slorec.Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var due []slorec.Delivery
	for _, d := range o.deliveries {
		if d.Status == slorec.DeliveryPending && !d.NextAttemptAt.After(now) {
			due = append(due, d)
		}
	}
	slices.SortFunc(due, func(a, b slorec.Delivery) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return due[:min(limit, len(due))], nil
}

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// request is one POST a receiver got.
type request struct {
	header http.Header
	body   []byte
	// verifyErr is Verify's answer for the request, against the real
	// clock.
	verifyErr error
}

// receiver is an httptest server that records every POST, verifies its
// signature, notices when one delivery arrives twice at the same time,
// and answers with respond (200 when nil).
type receiver struct {
	*httptest.Server
	respond func(n int, w http.ResponseWriter, r *http.Request) // n counts from 1

	mu          sync.Mutex
	requests    []request
	inFlight    map[string]int
	maxInFlight int
	overlaps    []string // delivery ids received twice at once
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{respond: respond, inFlight: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id := r.Header.Get(webhook.HeaderDeliveryID)
	rc.mu.Lock()
	rc.requests = append(rc.requests, request{
		header:    r.Header.Clone(),
		body:      body,
		verifyErr: webhook.Verify(testSecret, r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0),
	})
	n := len(rc.requests)
	rc.inFlight[id]++
	if rc.inFlight[id] > 1 {
		rc.overlaps = append(rc.overlaps, id)
	}
	total := 0
	for _, c := range rc.inFlight {
		total += c
	}
	rc.maxInFlight = max(rc.maxInFlight, total)
	rc.mu.Unlock()
	defer func() {
		rc.mu.Lock()
		rc.inFlight[id]--
		rc.mu.Unlock()
	}()
	if rc.respond == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	rc.respond(n, w, r)
}

func (rc *receiver) got() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.requests)
}

// concurrency returns the most POSTs in flight at once, and the ids of
// deliveries received twice at once.
func (rc *receiver) concurrency() (int, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.maxInFlight, slices.Clone(rc.overlaps)
}

// countByDelivery counts the POSTs of each delivery id.
func (rc *receiver) countByDelivery() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := map[string]int{}
	for _, r := range rc.requests {
		n[r.header.Get(webhook.HeaderDeliveryID)]++
	}
	return n
}

// status answers with code and optional header pairs.
func status(code int, kv ...string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		w.WriteHeader(code)
	}
}

// failFirst answers 500 to the first n POSTs and 200 after.
func failFirst(n int) func(int, http.ResponseWriter, *http.Request) {
	return func(i int, w http.ResponseWriter, _ *http.Request) {
		if i <= n {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
}

// slow waits d (or until the client gives up) and answers code.
func slow(d time.Duration, code int) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.WriteHeader(code)
	}
}

// requireVerified checks that every request carried a valid signature
// and the delivery headers.
func requireVerified(t *testing.T, reqs []request) {
	t.Helper()
	for _, r := range reqs {
		require.NoError(t, r.verifyErr)
		require.Equal(t, "application/json", r.header.Get("Content-Type"))
		require.Equal(t, webhook.UserAgent, r.header.Get("User-Agent"))
		require.NotEmpty(t, r.header.Get(webhook.HeaderDeliveryID))
		require.Equal(t, "evt-"+r.header.Get(webhook.HeaderDeliveryID), r.header.Get(webhook.HeaderEventID))
		require.Equal(t, slorec.EventSLOAccepted, r.header.Get(webhook.HeaderEventType))
	}
}
