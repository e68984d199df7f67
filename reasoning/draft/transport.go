package draft

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// MaxReplyBytes bounds the body of a provider's reply; a longer body is
// cut, and fails to decode, rather than filling memory.
const MaxReplyBytes = 4 << 20

// attemptRecord is what the transport saw of one attempt's HTTP
// exchange: langchaingo's provider clients turn statuses into error
// strings and drop headers, and the retry policy needs both.
type attemptRecord struct {
	mu         sync.Mutex
	status     int
	retryAfter string
}

func (r *attemptRecord) get() (int, string) {
	if r == nil {
		return 0, ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, r.retryAfter
}

type recordKey struct{}

func withRecord(ctx context.Context) (context.Context, *attemptRecord) {
	r := &attemptRecord{}
	return context.WithValue(ctx, recordKey{}, r), r
}

// recorder is the http.RoundTripper the provider clients use: it notes
// each response's status and Retry-After in the attempt's record, bounds
// the body, and adds an Authorization header where the provider client
// has no option for one (Ollama behind an authenticating proxy).
type recorder struct {
	base          http.RoundTripper
	authorization string
}

func (t *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.authorization != "" {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", t.authorization)
	}
	resp, err := t.base.RoundTrip(req)
	if resp == nil {
		return resp, err
	}
	if rec, ok := req.Context().Value(recordKey{}).(*attemptRecord); ok {
		rec.mu.Lock()
		rec.status, rec.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		rec.mu.Unlock()
	}
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, MaxReplyBytes), Closer: resp.Body}
	return resp, err
}

type limitedBody struct {
	io.Reader
	io.Closer
}

// instrument returns a copy of c whose transport records attempts; c
// itself is not changed. A nil c is a client with the default transport
// and no overall timeout (each attempt has its own).
func instrument(c *http.Client, authorization string) *http.Client {
	out := &http.Client{}
	if c != nil {
		*out = *c
	}
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = &recorder{base: base, authorization: authorization}
	return out
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
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
