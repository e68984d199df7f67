package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slorec/slorec"
)

// Environment variables read by ClientConfig.FromEnv.
const (
	EnvURL         = "SLOREC_PROMETHEUS_URL"
	EnvUsername    = "SLOREC_PROMETHEUS_USERNAME"
	EnvPassword    = "SLOREC_PROMETHEUS_PASSWORD"
	EnvBearerToken = "SLOREC_PROMETHEUS_BEARER_TOKEN"
)

// Defaults of ClientConfig.
const (
	// DefaultTimeout bounds one request. Prometheus's own default query
	// timeout is 2m; 30s answers an hourly history query of a service
	// with room to spare and fails fast on a dead server.
	DefaultTimeout = 30 * time.Second
	// DefaultRetries is the number of retries after the first attempt.
	DefaultRetries = 3
	// DefaultBackoff and DefaultMaxBackoff bound the exponential backoff:
	// 0.5s, 1s, 2s, ... up to 15s, each jittered down by up to half.
	DefaultBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff = 15 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After the client waits
	// for; a server asking for more gets an error instead of a hung
	// ingestion.
	DefaultMaxRetryAfter = 2 * time.Minute
	// DefaultMaxPoints is Prometheus's limit on the points per series of
	// one range query (the "exceeded maximum resolution of 11,000 points
	// per timeseries" error, web/api/v1/api.go).
	DefaultMaxPoints = 11000
	// DefaultMaxBody caps the answer read for one request.
	DefaultMaxBody = 64 << 20
)

// ClientConfig configures NewClient. Zero fields take the defaults above.
type ClientConfig struct {
	// URL is the Prometheus base URL, e.g. http://prometheus:9090, or the
	// prefix a compatible server serves /api/v1 under. Credentials in the
	// URL are moved to basic auth, so they never appear in errors.
	URL string
	// Username and Password set basic auth; BearerToken sets a bearer
	// token. At most one of the two.
	Username    string
	Password    string
	BearerToken string
	// Header holds extra request headers (e.g. X-Scope-OrgID for a
	// multi-tenant server).
	Header http.Header
	// Timeout bounds each request, including reading the answer; it is
	// also passed to Prometheus as the query's timeout.
	Timeout time.Duration
	// Retries is the number of retries after a timeout, a connection
	// error, a 5xx or a 429; negative means none.
	Retries int
	// Backoff is the wait before the first retry, doubled for each
	// further retry up to MaxBackoff, and jittered down by up to half.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After honoured.
	MaxRetryAfter time.Duration
	// MaxPoints is the most points per series one range query may ask
	// for; longer ranges are split into several queries.
	MaxPoints int
	// MaxBody caps the bytes read from one answer.
	MaxBody int64
	// HTTPClient sends the requests; nil means a client with the default
	// transport. Its Timeout should be zero: Timeout applies per request.
	HTTPClient *http.Client
	// Logger logs retries at level Info; nil logs nothing.
	Logger *slog.Logger
	// Sleep waits d or until ctx is done, returning ctx's error then; nil
	// means a timer. Tests replace it to run retries without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for jitter; nil means math/rand.
	Rand func() float64
	// Now is the clock for HTTP-date Retry-After values; nil means
	// time.Now.
	Now func() time.Time
}

// FromEnv fills the URL and credential fields that are still empty from
// the environment (EnvURL, EnvUsername, EnvPassword, EnvBearerToken);
// getenv is os.Getenv outside tests.
func (c *ClientConfig) FromEnv(getenv func(string) string) {
	for _, f := range []struct {
		dst *string
		env string
	}{{&c.URL, EnvURL}, {&c.Username, EnvUsername}, {&c.Password, EnvPassword}, {&c.BearerToken, EnvBearerToken}} {
		if *f.dst == "" {
			*f.dst = getenv(f.env)
		}
	}
}

// LogValue implements slog.LogValuer with the secrets masked.
func (c ClientConfig) LogValue() slog.Value {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	u := c.URL
	if p, err := url.Parse(c.URL); err == nil {
		u = p.Redacted()
	}
	return slog.GroupValue(
		slog.String("url", u),
		slog.String("username", c.Username),
		slog.String("password", mask(c.Password)),
		slog.String("bearer_token", mask(c.BearerToken)),
		slog.Duration("timeout", c.Timeout),
		slog.Int("retries", c.Retries),
		slog.Int("max_points", c.MaxPoints),
	)
}

// Client queries the Prometheus HTTP API (/api/v1/query and
// /api/v1/query_range). It is safe for concurrent use.
type Client struct {
	base          *url.URL
	auth          string
	header        http.Header
	timeout       time.Duration
	retries       int
	backoff       time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	maxPoints     int
	maxBody       int64
	http          *http.Client
	log           *slog.Logger
	sleep         func(context.Context, time.Duration) error
	rand          func() float64
	now           func() time.Time
}

var _ Querier = (*Client)(nil)

// NewClient validates cfg, fills the defaults and returns a client. It
// returns EINVALID errors for a missing or malformed URL, both basic auth
// and a bearer token, and negative durations or limits.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.URL == "" {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus url: required (flag or %s)", EnvURL)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus url %q: want http(s)://host[:port][/prefix]", redact(cfg.URL))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus url %q: want no query or fragment", u.Redacted())
	}
	if u.User != nil {
		if cfg.Username != "" || cfg.BearerToken != "" {
			return nil, slorec.Errorf(slorec.EINVALID, "prometheus url %q: credentials both in the URL and configured", u.Redacted())
		}
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		u.User = nil
	}
	c := &Client{
		base:          u,
		header:        cfg.Header.Clone(),
		timeout:       orDefault(cfg.Timeout, DefaultTimeout),
		retries:       cfg.Retries,
		backoff:       orDefault(cfg.Backoff, DefaultBackoff),
		maxBackoff:    orDefault(cfg.MaxBackoff, DefaultMaxBackoff),
		maxRetryAfter: orDefault(cfg.MaxRetryAfter, DefaultMaxRetryAfter),
		maxPoints:     orDefault(cfg.MaxPoints, DefaultMaxPoints),
		maxBody:       orDefault(cfg.MaxBody, DefaultMaxBody),
		http:          cfg.HTTPClient,
		log:           cfg.Logger,
		sleep:         cfg.Sleep,
		rand:          cfg.Rand,
		now:           cfg.Now,
	}
	switch {
	case cfg.Username != "" && cfg.BearerToken != "":
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus auth: set basic auth or a bearer token, not both")
	case cfg.BearerToken != "":
		c.auth = "Bearer " + cfg.BearerToken
	case cfg.Username != "" || cfg.Password != "":
		r := &http.Request{Header: http.Header{}}
		r.SetBasicAuth(cfg.Username, cfg.Password)
		c.auth = r.Header.Get("Authorization")
	}
	switch {
	case cfg.Retries == 0:
		c.retries = DefaultRetries
	case cfg.Retries < 0:
		c.retries = 0
	}
	if cfg.Timeout < 0 || cfg.Backoff < 0 || cfg.MaxBackoff < 0 || cfg.MaxRetryAfter < 0 || cfg.MaxPoints < 0 || cfg.MaxBody < 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus client: negative timeout, backoff or limit")
	}
	if c.maxPoints < 2 {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus client: max points %d is below 2", c.maxPoints)
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.sleep == nil {
		c.sleep = sleep
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

func orDefault[T time.Duration | int | int64](v, d T) T {
	if v == 0 {
		return d
	}
	return v
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		return "***" + raw[i:]
	}
	return raw
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Query evaluates an instant query at t. Errors are *QueryError.
func (c *Client) Query(ctx context.Context, query string, t time.Time) (Vector, Warnings, error) {
	form := url.Values{"query": {query}, "time": {unixSeconds(t)}}
	result, warns, err := c.do(ctx, "query", query, form, resultVector)
	if err != nil {
		return nil, nil, err
	}
	v, aerr := decodeVector(result)
	if aerr != nil {
		return nil, nil, c.queryError("query", query, 1, aerr)
	}
	return v, warns, nil
}

// QueryRange evaluates query at start, start+step, ..., up to end. A
// range of more than the configured MaxPoints points is split into
// consecutive queries of at most MaxPoints points whose answers are
// stitched together per series: the evaluation times of the pieces
// continue one another on the same grid, so the result has neither
// duplicates nor gaps that Prometheus did not report. Errors are
// *QueryError, or EINVALID for a bad range.
func (c *Client) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) (Matrix, Warnings, error) {
	spans, err := chunks(start, end, step, c.maxPoints)
	if err != nil {
		return nil, nil, err
	}
	var (
		parts []Matrix
		warns Warnings
	)
	for _, s := range spans {
		form := url.Values{
			"query": {query},
			"start": {unixSeconds(s.start)},
			"end":   {unixSeconds(s.end)},
			"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
		}
		result, w, err := c.do(ctx, "query_range", query, form, resultMatrix)
		if err != nil {
			return nil, nil, err
		}
		m, aerr := decodeMatrix(result)
		if aerr != nil {
			return nil, nil, c.queryError("query_range", query, 1, aerr)
		}
		parts = append(parts, clip(m, s))
		warns = appendNew(warns, w...)
	}
	return stitch(parts), warns, nil
}

// do sends one API request, retrying what may succeed on another
// attempt, and returns the data.result of a successful answer.
func (c *Client) do(ctx context.Context, endpoint, query string, form url.Values, want string) ([]byte, Warnings, error) {
	// Float seconds: every Prometheus version parses them.
	form.Set("timeout", strconv.FormatFloat(c.timeout.Seconds(), 'f', -1, 64))
	u := c.base.JoinPath("api", "v1", endpoint).String()
	body := form.Encode()
	for attempt := 1; ; attempt++ {
		result, warns, aerr := c.attempt(ctx, u, body, want)
		if aerr == nil {
			return result, warns, nil
		}
		if ctx.Err() != nil {
			return nil, nil, &QueryError{Code: slorec.EUNAVAILABLE, Endpoint: endpoint, Query: query, Attempts: attempt,
				Reason: "gave up: " + ctx.Err().Error(), Err: ctx.Err()}
		}
		if !aerr.retry || attempt > c.retries {
			return nil, nil, c.queryError(endpoint, query, attempt, aerr)
		}
		wait := c.backoffFor(attempt)
		if aerr.wait > 0 {
			if aerr.wait > c.maxRetryAfter {
				aerr.reason += fmt.Sprintf(" (Retry-After %s is longer than the %s slorec waits)", aerr.wait, c.maxRetryAfter)
				return nil, nil, c.queryError(endpoint, query, attempt, aerr)
			}
			wait = aerr.wait
		}
		if c.log != nil {
			c.log.InfoContext(ctx, "prometheus query retry", "endpoint", endpoint, "attempt", attempt, "wait", wait, "reason", aerr.reason)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, nil, &QueryError{Code: slorec.EUNAVAILABLE, Endpoint: endpoint, Query: query, Attempts: attempt,
				Reason: "gave up: " + err.Error(), Err: err}
		}
	}
}

// backoffFor returns the wait before retry number n (1-based): Backoff
// doubled n-1 times, capped at MaxBackoff, then jittered into [d/2, d)
// so that clients failing together do not retry together.
func (c *Client) backoffFor(n int) time.Duration {
	d := c.backoff
	for i := 1; i < n && d < c.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff)
	return d/2 + time.Duration(c.rand()*float64(d/2))
}

func (c *Client) queryError(endpoint, query string, attempts int, a *answerError) *QueryError {
	return &QueryError{Code: a.code, Endpoint: endpoint, Query: query, Status: a.status, Type: a.typ,
		Attempts: attempts, Reason: a.reason, Err: a.err}
}

// attempt sends one request within the per-request timeout.
func (c *Client) attempt(ctx context.Context, u, body, want string) ([]byte, Warnings, *answerError) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return nil, nil, &answerError{code: slorec.EINTERNAL, reason: "build request: " + err.Error(), err: err}
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, c.transportError(actx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		a := c.transportError(actx, err)
		a.status = resp.StatusCode
		return nil, nil, a
	}
	if int64(len(data)) > c.maxBody {
		return nil, nil, &answerError{code: slorec.EUNAVAILABLE, status: resp.StatusCode,
			reason: fmt.Sprintf("answer larger than %d bytes", c.maxBody)}
	}
	if resp.StatusCode/100 != 2 {
		typ, reason := errorBody(resp.StatusCode, data)
		a := &answerError{code: statusCode(resp.StatusCode, typ), status: resp.StatusCode, typ: typ, reason: reason}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			a.retry = true
			a.wait = retryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		return nil, nil, a
	}
	result, warns, a := decodeEnvelope(data, resp.Header.Get("Content-Type"), want)
	if a != nil {
		a.status = resp.StatusCode
	}
	return result, warns, a
}

// transportError explains a failed exchange; all are retried.
func (c *Client) transportError(actx context.Context, err error) *answerError {
	var ne net.Error
	if errors.Is(actx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &answerError{code: slorec.EUNAVAILABLE, reason: "timed out after " + c.timeout.String(), err: context.DeadlineExceeded, retry: true}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // without the URL: it is the same for every query
	}
	return &answerError{code: slorec.EUNAVAILABLE, reason: "connection failed: " + err.Error(), err: err, retry: true}
}

// statusCode maps an HTTP error status to a slorec code.
func statusCode(status int, typ string) string {
	switch {
	case status == http.StatusUnauthorized:
		return slorec.EUNAUTHORIZED
	case status == http.StatusForbidden:
		return slorec.EFORBIDDEN
	case status == http.StatusNotFound:
		return slorec.ENOTFOUND
	case status == http.StatusTooManyRequests:
		return slorec.ELIMITED
	case status >= 500:
		return slorec.EUNAVAILABLE
	case typ != "":
		return typeCode(typ)
	}
	return slorec.EINVALID
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date
// (RFC 9110, section 10.2.3). Zero when absent or unparsable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 1<<32)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// unixSeconds formats t as the API's float seconds, to the millisecond.
func unixSeconds(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func appendNew(ws Warnings, add ...string) Warnings {
	for _, w := range add {
		dup := false
		for _, o := range ws {
			dup = dup || o == w
		}
		if !dup {
			ws = append(ws, w)
		}
	}
	return ws
}
