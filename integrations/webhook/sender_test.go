package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/webhook"
)

func TestSend(t *testing.T) {
	tests := map[string]struct {
		respond func(int, http.ResponseWriter, *http.Request)
		want    webhook.Outcome // At is not compared
		// wantError is a part of the outcome's error; "" means none.
		wantError string
	}{
		"A 200 should be delivered.": {
			respond: status(http.StatusOK),
			want:    webhook.Outcome{StatusCode: 200, Delivered: true},
		},
		"A 204 should be delivered.": {
			respond: status(http.StatusNoContent),
			want:    webhook.Outcome{StatusCode: 204, Delivered: true},
		},
		"A 500 should be retried.": {
			respond:   status(http.StatusInternalServerError),
			want:      webhook.Outcome{StatusCode: 500},
			wantError: "HTTP 500 Internal Server Error",
		},
		"A 400 should be retried like a 5xx.": {
			respond:   status(http.StatusBadRequest),
			want:      webhook.Outcome{StatusCode: 400},
			wantError: "HTTP 400",
		},
		"A 429 with Retry-After in seconds should carry the wait.": {
			respond:   status(http.StatusTooManyRequests, "Retry-After", "120"),
			want:      webhook.Outcome{StatusCode: 429, RetryAfter: 2 * time.Minute},
			wantError: "Retry-After 2m0s",
		},
		"A 503 with Retry-After as a date should carry the wait until then.": {
			respond: status(http.StatusServiceUnavailable, "Retry-After", signedAt.Add(90*time.Second).Format(http.TimeFormat)),
			want:    webhook.Outcome{StatusCode: 503, RetryAfter: 90 * time.Second},
		},
		"A 500 with Retry-After should ignore it.": {
			respond: status(http.StatusInternalServerError, "Retry-After", "120"),
			want:    webhook.Outcome{StatusCode: 500},
		},
		"A 429 with a garbled Retry-After should ignore it.": {
			respond: status(http.StatusTooManyRequests, "Retry-After", "soon"),
			want:    webhook.Outcome{StatusCode: 429},
		},
		"A 410 should give up and deactivate the subscription.": {
			respond:   status(http.StatusGone),
			want:      webhook.Outcome{StatusCode: 410, Permanent: true, Gone: true},
			wantError: "subscription sub-1 deactivated",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t, tt.respond)
			clk := newClock()
			s := webhook.NewSender(webhook.SenderConfig{Now: clk.Now})
			d, sub := delivery(rc.URL)

			o := s.Send(context.Background(), d, sub)

			require.Equal(t, clk.Now(), o.At)
			if tt.wantError == "" && !tt.want.Delivered {
				require.NotEmpty(t, o.Error)
			}
			require.Contains(t, o.Error, tt.wantError)
			o.At, o.Error = time.Time{}, ""
			require.Equal(t, tt.want, o)
			require.Len(t, rc.got(), 1)
		})
	}
}

// delivery returns a fresh delivery and subscription to url.
func delivery(url string) (slorec.Delivery, slorec.Subscription) {
	o := newOutbox()
	o.subscribe("sub-1", url)
	d := o.add("d-1", "sub-1", signedAt)
	_, sub, _ := o.Delivery(context.Background(), "d-1")
	return d, sub
}

func TestSendHeadersAndSignature(t *testing.T) {
	rc := newReceiver(t, nil)
	s := webhook.NewSender(webhook.SenderConfig{})
	d, sub := delivery(rc.URL)

	o := s.Send(context.Background(), d, sub)

	require.True(t, o.Delivered)
	reqs := rc.got()
	require.Len(t, reqs, 1)
	requireVerified(t, reqs)
	require.Equal(t, []byte(d.Payload), reqs[0].body)
	require.Equal(t, "d-1", reqs[0].header.Get(webhook.HeaderDeliveryID))
	require.Equal(t, "evt-d-1", reqs[0].header.Get(webhook.HeaderEventID))
	require.Equal(t, webhook.Sign(testSecret, o.At, d.Payload), reqs[0].header.Get(webhook.HeaderSignature))
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { followed.Add(1) }))
	t.Cleanup(target.Close)
	rc := newReceiver(t, status(http.StatusTemporaryRedirect, "Location", target.URL))
	d, sub := delivery(rc.URL)

	o := webhook.NewSender(webhook.SenderConfig{}).Send(context.Background(), d, sub)

	require.False(t, o.Delivered)
	require.False(t, o.Permanent)
	require.Equal(t, http.StatusTemporaryRedirect, o.StatusCode)
	require.Contains(t, o.Error, "redirects are not followed")
	require.Zero(t, followed.Load())
}

func TestSendTimeout(t *testing.T) {
	rc := newReceiver(t, slow(5*time.Second, http.StatusOK))
	d, sub := delivery(rc.URL)
	s := webhook.NewSender(webhook.SenderConfig{Timeout: 50 * time.Millisecond})

	start := time.Now()
	o := s.Send(context.Background(), d, sub)

	require.Less(t, time.Since(start), 2*time.Second)
	require.False(t, o.Delivered)
	require.False(t, o.Permanent)
	require.Zero(t, o.StatusCode)
	require.Equal(t, "timeout: no answer within 50ms", o.Error)
}

func TestSendConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	d, sub := delivery(url)

	o := webhook.NewSender(webhook.SenderConfig{}).Send(context.Background(), d, sub)

	require.False(t, o.Delivered)
	require.False(t, o.Permanent)
	require.Zero(t, o.StatusCode)
	require.Contains(t, o.Error, "transport:")
	require.Contains(t, o.Error, "connection refused")
}

func TestSendUnbuildableRequest(t *testing.T) {
	d, sub := delivery("http://[::1")

	o := webhook.NewSender(webhook.SenderConfig{}).Send(context.Background(), d, sub)

	require.True(t, o.Permanent)
	require.Contains(t, o.Error, "build request")
}
