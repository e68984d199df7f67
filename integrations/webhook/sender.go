package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/slorec/slorec"
)

// DefaultTimeout bounds one attempt: connecting, sending, and reading the
// answer's headers and (part of) its body.
const DefaultTimeout = 10 * time.Second

// maxResponseBody is how much of an answer's body is read (and thrown
// away) so the connection can be reused; the rest is dropped with the
// connection.
const maxResponseBody = 64 << 10

// Outcome is what one POST came to, before a Policy decides whether and
// when to try again.
type Outcome struct {
	// At is when the attempt started; the signature's timestamp.
	At time.Time
	// StatusCode is the answer's status; 0 when there was none.
	StatusCode int
	// Error says what went wrong; empty when delivered.
	Error string
	// Delivered is true for a 2xx answer.
	Delivered bool
	// Permanent is true when retrying cannot help: 410 Gone, a
	// destination refused by BlockPrivate, or a request that cannot be
	// built.
	Permanent bool
	// Gone is true for 410 Gone: the receiver says the endpoint will not
	// come back, so the subscription is deactivated.
	Gone bool
	// RetryAfter is the wait asked for by Retry-After on a 429 or 503;
	// 0 when absent.
	RetryAfter time.Duration
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Timeout bounds each attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// Transport sends the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// BlockPrivate refuses connections to private addresses (see
	// PrivateAddr), checked on the resolved address at connect time so
	// that neither a name nor DNS rebinding gets around it. The sender
	// then uses a copy of Transport (nil or an *http.Transport) with
	// the check in its dialer and without a proxy, which would connect
	// unchecked; another RoundTripper is used as it is, and must do its
	// own checking. False (the zero value) allows every destination, as
	// tests with local receivers need; slorec serve sets it unless
	// SLOREC_WEBHOOK_ALLOW_PRIVATE is true.
	BlockPrivate bool
	// Now is the clock of signatures and outcomes; nil means time.Now.
	Now func() time.Time
}

// Sender POSTs deliveries. It follows no redirects and is safe for
// concurrent use.
type Sender struct {
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
}

// NewSender returns a Sender with cfg's defaults filled.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.BlockPrivate {
		switch t := cfg.Transport.(type) {
		case nil:
			cfg.Transport = blockingTransport(nil)
		case *http.Transport:
			cfg.Transport = blockingTransport(t)
		}
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Sender{
		client: &http.Client{
			Transport: cfg.Transport,
			// A redirect is answered, not followed: following it would
			// send the signed payload to a URL nobody subscribed.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout: cfg.Timeout,
		now:     cfg.Now,
	}
}

// Timeout returns the bound of one attempt.
func (s *Sender) Timeout() time.Duration { return s.timeout }

// Send POSTs d's payload to sub's URL, signed with sub's secret, and
// classifies the answer:
//
//   - 2xx: delivered;
//   - 410 Gone: permanent, and Gone: the receiver says the endpoint is
//     gone, so the subscription is deactivated (Policy.Next asks the
//     store to, with the attempt);
//   - a private destination refused by BlockPrivate: permanent, since
//     the URL will not change by itself;
//   - anything else (3xx, other 4xx, 5xx, timeouts, transport errors):
//     retryable, with Retry-After honoured on 429 and 503.
//
// Other 4xx are retried, as Stripe and Svix do, rather than given up:
// the usual causes (a wrong secret after a rotation, a route missing
// during a deploy, an auth proxy misconfigured) are fixed by the
// receiver's owner within the retry window, and a lost event costs more
// than a few more requests. A receiver that wants no retries answers 2xx
// or 410.
func (s *Sender) Send(ctx context.Context, d slorec.Delivery, sub slorec.Subscription) Outcome {
	at := s.now()
	o := Outcome{At: at}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(d.Payload))
	if err != nil {
		o.Error, o.Permanent = fmt.Sprintf("build request: %v", err), true
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderSignature, Sign(sub.Secret, at, d.Payload))
	req.Header.Set(HeaderEventID, d.EventID)
	req.Header.Set(HeaderEventType, d.EventType)
	req.Header.Set(HeaderDeliveryID, d.ID)

	resp, err := s.client.Do(req)
	if be, ok := blocked(err); ok {
		o.Error, o.Permanent = be.Error(), true
		return o
	}
	if err != nil {
		o.Error = transportError(err, s.timeout)
		return o
	}
	defer resp.Body.Close()
	// Read a little so the connection can be reused; the body is not
	// kept (it is the receiver's, and may be anything).
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))

	o.StatusCode = resp.StatusCode
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		o.Delivered = true
	case code == http.StatusGone:
		o.Permanent, o.Gone = true, true
		o.Error = fmt.Sprintf("HTTP 410 Gone: the receiver says the endpoint is gone; not retried, and subscription %s deactivated", sub.ID)
	case code >= 300 && code < 400:
		o.Error = fmt.Sprintf("HTTP %d: redirects are not followed (Location %q); update the subscription's URL", code, resp.Header.Get("Location"))
	default:
		o.Error = "HTTP " + resp.Status
		if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
			if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), s.now()); ok {
				o.RetryAfter = ra
				o.Error += fmt.Sprintf(" (Retry-After %s)", ra)
			}
		}
	}
	return o
}

// transportError describes a failure to get an answer, naming timeouts
// as such.
func transportError(err error, timeout time.Duration) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Sprintf("timeout: no answer within %s", timeout)
	}
	// *url.Error from http.Client: its message has the method and the
	// URL, without any password.
	return "transport: " + err.Error()
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110, 10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		// Bounded so the multiplication cannot overflow; any policy's
		// Max is far below a year anyway.
		return time.Duration(min(s, 366*24*3600)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
