package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store/inmem"
)

// TestServeBlocksWebhooksToPrivateNetworks checks serve's default:
// without SLOREC_WEBHOOK_ALLOW_PRIVATE a subscription to a literal
// private address is refused, and one to a name that resolves to one
// (localhost) is stored, but its delivery fails at the first attempt with
// the blocked message, and the receiver is never called.
func TestServeBlocksWebhooksToPrivateNetworks(t *testing.T) {
	st := inmem.New()
	admin := secret(t, st, "acme", "platform-team", slorec.RoleAdmin)
	base := startServer(t, st)
	ad := client{t, base, admin}
	ad.json("POST", "/api/v1/services/dependencies", json.RawMessage(exampleFile(t, "topology.json")), http.StatusOK, nil)
	code, body, _ := ad.do("POST", "/api/v1/metrics", "text/csv", exampleFile(t, "metrics.csv"))
	require.Equal(t, http.StatusOK, code, string(body))

	const secret = "whsec-0123456789abcdef"
	rcv, rsrv := newReceiver(t, secret)
	events := []string{slorec.EventSLOModified, slorec.EventSLOAccepted}
	// A literal private address is refused when subscribing.
	for _, u := range []string{rsrv.URL + "/hooks/slo", "http://169.254.169.254/latest/meta-data", "https://[::1]:8443/x", "http://10.1.2.3/x"} {
		code, body, _ := ad.do("POST", "/api/v1/webhooks", "application/json", mustJSON(t, slorec.Subscription{URL: u, Secret: secret, Events: events}))
		require.Equal(t, http.StatusBadRequest, code, "%s: %s", u, body)
		require.Contains(t, string(body), "is a private address; deliveries to private networks are blocked")
	}
	// A host name is checked where it resolves, at connect time.
	byName := strings.Replace(rsrv.URL, "127.0.0.1", "localhost", 1)
	var sub slorec.Subscription
	ad.json("POST", "/api/v1/webhooks", slorec.Subscription{URL: byName + "/hooks/slo", Secret: secret, Events: events}, http.StatusCreated, &sub)

	var commit struct {
		Deliveries []slorec.Delivery `json:"deliveries"`
	}
	ad.json("POST", "/api/v1/services/checkout-service/slos", map[string]any{
		"slos": []map[string]any{{"sli": "availability", "target": 0.985, "window_days": 30}},
	}, http.StatusCreated, &commit)
	require.Len(t, commit.Deliveries, 1)

	var got slorec.Delivery
	require.Eventually(t, func() bool {
		var ds struct {
			Deliveries []slorec.Delivery `json:"deliveries"`
		}
		ad.json("GET", "/api/v1/webhooks/"+sub.ID+"/deliveries", nil, http.StatusOK, &ds)
		if len(ds.Deliveries) != 1 || ds.Deliveries[0].Status == slorec.DeliveryPending {
			return false
		}
		got = ds.Deliveries[0]
		return true
	}, 10*time.Second, 50*time.Millisecond)
	require.Equal(t, slorec.DeliveryFailed, got.Status)
	require.Equal(t, 1, got.Attempts, "a blocked destination is not retried")
	require.Zero(t, got.LastStatusCode)
	// localhost may resolve to 127.0.0.1 or ::1 first.
	require.Regexp(t, `^destination (127\.0\.0\.1|::1) is a private address; deliveries to private networks are blocked \(SLOREC_WEBHOOK_ALLOW_PRIVATE\)$`, got.LastError)

	select {
	case <-rcv.got:
		t.Fatal("the receiver was called")
	default:
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	require.Empty(t, rcv.events)
}
