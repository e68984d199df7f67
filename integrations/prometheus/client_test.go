package prometheus_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prometheus"
)

const q = `sum(increase(http_requests_total{service="cart"}[1h]))`

// rangeOf queries q over three hourly points.
func rangeOf(c *prometheus.Client) (prometheus.Matrix, prometheus.Warnings, error) {
	return c.QueryRange(context.Background(), q, hour(1), hour(3), time.Hour)
}

func TestBadAnswers(t *testing.T) {
	body := func(status int, contentType, b string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(b))
		}
	}
	promErr := func(status int, typ, msg string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) { apiError(w, status, typ, msg) }
	}
	const p = "prometheus: query_range " + q + ": "
	tests := []struct {
		name     string
		answer   func(http.ResponseWriter)
		code     string
		message  string
		attempts int
	}{
		{
			name:   "A query Prometheus rejects as bad data fails at once with Prometheus's text.",
			answer: promErr(400, "bad_data", `invalid parameter "query": 1:5: parse error: unexpected "}"`),
			code:   slorec.EINVALID, attempts: 1,
			message: p + `HTTP 400 (bad_data): invalid parameter "query": 1:5: parse error: unexpected "}"`,
		},
		{
			name:   "An execution error (422) is the query's fault and is not retried.",
			answer: promErr(422, "execution", "query processing would load too many samples into memory in query execution"),
			code:   slorec.EINVALID, attempts: 1,
			message: p + "HTTP 422 (execution): query processing would load too many samples into memory in query execution",
		},
		{
			name:   "401 from an authenticating proxy is unauthorized, not retried.",
			answer: body(401, "text/plain", "Unauthorized\n"),
			code:   slorec.EUNAUTHORIZED, attempts: 1,
			message: p + "HTTP 401: Unauthorized",
		},
		{
			name:   "403 is forbidden, not retried.",
			answer: body(403, "text/plain", "forbidden: tenant has no access"),
			code:   slorec.EFORBIDDEN, attempts: 1,
			message: p + "HTTP 403: forbidden: tenant has no access",
		},
		{
			name:   "404 (a wrong URL prefix) is not found, not retried.",
			answer: body(404, "text/plain", "404 page not found\n"),
			code:   slorec.ENOTFOUND, attempts: 1,
			message: p + "HTTP 404: 404 page not found",
		},
		{
			name:   "A persistent 500 is retried, then fails with Prometheus's text.",
			answer: promErr(500, "internal", "unexpected error: chunk not found"),
			code:   slorec.EUNAVAILABLE, attempts: 3,
			message: p + "HTTP 500 (internal): unexpected error: chunk not found (after 3 attempts)",
		},
		{
			name:   "A 502 page from a proxy is retried and quoted.",
			answer: body(502, "text/html", "<html>\n<body>Bad Gateway</body>\n</html>\n"),
			code:   slorec.EUNAVAILABLE, attempts: 3,
			message: p + "HTTP 502: <html> <body>Bad Gateway</body> </html> (after 3 attempts)",
		},
		{
			name:   "A 503 without a body says so.",
			answer: body(503, "", ""),
			code:   slorec.EUNAVAILABLE, attempts: 3,
			message: p + "HTTP 503 with an empty body (after 3 attempts)",
		},
		{
			name:   "A Prometheus query timeout (503) is retried.",
			answer: promErr(503, "timeout", "query timed out in expression evaluation"),
			code:   slorec.EUNAVAILABLE, attempts: 3,
			message: p + "HTTP 503 (timeout): query timed out in expression evaluation (after 3 attempts)",
		},
		{
			name:   "A 429 is retried and reported as rate limited.",
			answer: body(429, "text/plain", "too many requests"),
			code:   slorec.ELIMITED, attempts: 3,
			message: p + "HTTP 429: too many requests (after 3 attempts)",
		},
		{
			name:   "An HTML page with status 200 (a login page) is not JSON.",
			answer: body(200, "text/html; charset=utf-8", "<html><head><title>Sign in</title></head></html>"),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `answer is not JSON (Content-Type text/html): invalid character '<' looking for beginning of value; body starts "<html><head><title>Sign in</title></head></html>"`,
		},
		{
			name:   "An empty 200 answer is not JSON.",
			answer: body(200, "application/json", ""),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + "answer is not JSON: empty body",
		},
		{
			name:   "A truncated answer is not JSON.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `answer is not JSON: unexpected end of JSON input; body starts "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["`,
		},
		{
			name:   "Status error with HTTP 200 is still an error.",
			answer: body(200, "application/json", `{"status":"error","errorType":"execution","error":"vector cannot contain metrics with the same labelset"}`),
			code:   slorec.EINVALID, attempts: 1,
			message: p + `status "error" (execution): vector cannot contain metrics with the same labelset`,
		},
		{
			name:   "An envelope without a status is refused.",
			answer: body(200, "application/json", `{"data":{"resultType":"matrix","result":[]}}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `answer has status "", want "success" or "error"`,
		},
		{
			name:   "A success without data is refused.",
			answer: body(200, "application/json", `{"status":"success"}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + "answer has no data",
		},
		{
			name:   "A vector where a matrix was asked for is the wrong result type.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1788310800,"5"]}]}}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `result type "vector", want "matrix"`,
		},
		{
			name:   "A number where the value string belongs is malformed.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1788310800,5]]}]}}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + "malformed result: sample [1788310800,5]: value 5 is not a string",
		},
		{
			name:   "A sample that is not a pair is malformed.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1788310800]]}]}}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `malformed result: sample [1788310800]: want [time, "value"]`,
		},
		{
			name:   "A value that is no number is malformed.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1788310800,"five"]]}]}}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `malformed result: sample [1788310800,"five"]: value "five" is not a number`,
		},
		{
			name:   "Samples out of order are refused.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1788314400,"1"],[1788310800,"2"]]}]}}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `series {a="b"}: samples out of order at 2026-09-02T01:00:00Z`,
		},
		{
			name:   "The same series twice is refused.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1788310800,"1"]]},{"metric":{"a":"b"},"values":[[1788314400,"2"]]}]}}`),
			code:   slorec.EUNAVAILABLE, attempts: 1,
			message: p + `series {a="b"} appears twice`,
		},
		{
			name:   "Native histogram samples are refused, not read as empty.",
			answer: body(200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"histograms":[[1788310800,{"count":"3"}]]}]}}`),
			code:   slorec.EINVALID, attempts: 1,
			message: p + "series {} holds native histogram samples, which slorec does not read",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.handle = func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) bool { tt.answer(w); return true }
			s := &sleeper{}
			_, _, err := rangeOf(client(t, f.srv.URL, s))
			require.Error(t, err)
			require.Equal(t, tt.message, err.Error())
			require.Equal(t, tt.code, slorec.ErrorCode(err))
			require.Equal(t, tt.message, slorec.ErrorMessage(err))
			var qe *prometheus.QueryError
			require.ErrorAs(t, err, &qe)
			require.Equal(t, tt.attempts, qe.Attempts)
			require.Len(t, f.requests(), tt.attempts)
			require.Len(t, s.waits(), tt.attempts-1)
		})
	}
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name     string
		retries  int
		message  string
		attempts int
	}{
		{"A request without an answer in time fails as a timeout.", -1, "prometheus: query_range " + q + ": timed out after 20ms", 1},
		{"Timeouts are retried.", 2, "prometheus: query_range " + q + ": timed out after 20ms (after 3 attempts)", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.handle = func(w http.ResponseWriter, r *http.Request, _ url.Values, _ int) bool {
				<-r.Context().Done() // never answers; the client gives up
				return true
			}
			s := &sleeper{}
			c := client(t, f.srv.URL, s, func(c *prometheus.ClientConfig) { c.Timeout = 20 * time.Millisecond; c.Retries = tt.retries })
			_, _, err := rangeOf(c)
			require.Error(t, err)
			require.Equal(t, tt.message, err.Error())
			require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Len(t, f.requests(), tt.attempts)
			require.Equal(t, "0.02", f.requests()[0].Get("timeout"), "the timeout is passed on to Prometheus")
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	s := &sleeper{}
	_, _, err = rangeOf(client(t, "http://"+addr, s))
	require.Error(t, err)
	require.Equal(t, "prometheus: query_range "+q+": connection failed: dial tcp "+addr+": connect: connection refused (after 3 attempts)", err.Error())
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
	require.Equal(t, []time.Duration{75 * time.Millisecond, 150 * time.Millisecond}, s.waits())
}

func TestAnswerTooLarge(t *testing.T) {
	f := newFake(t)
	f.add(q, nil, every(1))
	c := client(t, f.srv.URL, &sleeper{}, func(c *prometheus.ClientConfig) { c.MaxBody = 100 })
	_, _, err := rangeOf(c)
	require.EqualError(t, err, "prometheus: query_range "+q+": answer larger than 100 bytes")
}

func TestRetries(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		cfg   func(*prometheus.ClientConfig)
		fail  int // requests that fail before one succeeds
		fails func(w http.ResponseWriter)
		waits []time.Duration
		err   string
	}{
		{
			name: "Two 503s then an answer: backoff doubles, jittered to three quarters.",
			fail: 2, fails: func(w http.ResponseWriter) { apiError(w, 503, "unavailable", "starting up") },
			waits: []time.Duration{75 * time.Millisecond, 150 * time.Millisecond},
		},
		{
			name: "The backoff stops growing at MaxBackoff.",
			cfg:  func(c *prometheus.ClientConfig) { c.Retries = 5; c.MaxBackoff = 300 * time.Millisecond },
			fail: 5, fails: func(w http.ResponseWriter) { apiError(w, 500, "internal", "x") },
			waits: []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 225 * time.Millisecond, 225 * time.Millisecond, 225 * time.Millisecond},
		},
		{
			name: "Jitter spans the upper half of the backoff.",
			cfg:  func(c *prometheus.ClientConfig) { c.Rand = func() float64 { return 0 } },
			fail: 2, fails: func(w http.ResponseWriter) { apiError(w, 500, "internal", "x") },
			waits: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond},
		},
		{
			name: "Retry-After in seconds is honoured exactly.",
			fail: 1, fails: func(w http.ResponseWriter) { w.Header().Set("Retry-After", "7"); w.WriteHeader(429) },
			waits: []time.Duration{7 * time.Second},
		},
		{
			name: "Retry-After as an HTTP date is honoured.",
			cfg:  func(c *prometheus.ClientConfig) { c.Now = func() time.Time { return now } },
			fail: 1, fails: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", now.Add(30*time.Second).Format(http.TimeFormat))
				apiError(w, 503, "unavailable", "overloaded")
			},
			waits: []time.Duration{30 * time.Second},
		},
		{
			name: "An unparsable Retry-After falls back to the backoff.",
			fail: 1, fails: func(w http.ResponseWriter) { w.Header().Set("Retry-After", "soon"); w.WriteHeader(429) },
			waits: []time.Duration{75 * time.Millisecond},
		},
		{
			name: "A Retry-After beyond MaxRetryAfter gives up at once.",
			fail: 1, fails: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(429)
				_, _ = w.Write([]byte("slow down"))
			},
			err: "prometheus: query_range " + q + ": HTTP 429: slow down (Retry-After 1h0m0s is longer than the 2m0s slorec waits)",
		},
		{
			name: "Retries < 0 means a single attempt.",
			cfg:  func(c *prometheus.ClientConfig) { c.Retries = -1 },
			fail: 1, fails: func(w http.ResponseWriter) { apiError(w, 503, "unavailable", "down") },
			err: "prometheus: query_range " + q + ": HTTP 503 (unavailable): down",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.add(q, nil, every(42))
			f.handle = func(w http.ResponseWriter, _ *http.Request, _ url.Values, n int) bool {
				if n > tt.fail {
					return false
				}
				tt.fails(w)
				return true
			}
			s := &sleeper{}
			var changes []func(*prometheus.ClientConfig)
			if tt.cfg != nil {
				changes = append(changes, tt.cfg)
			}
			m, _, err := rangeOf(client(t, f.srv.URL, s, changes...))
			require.Equal(t, tt.waits, s.waits())
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, m, 1)
			require.Equal(t, []prometheus.Point{{hour(1), 42}, {hour(2), 42}, {hour(3), 42}}, m[0].Points)
			require.Len(t, f.requests(), tt.fail+1)
		})
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	f := newFake(t)
	f.handle = func(w http.ResponseWriter, _ *http.Request, _ url.Values, _ int) bool {
		apiError(w, 503, "unavailable", "down")
		return true
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := prometheus.ClientConfig{URL: f.srv.URL, Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel() // the user presses ^C while the client waits
		return ctx.Err()
	}}
	c, err := prometheus.NewClient(cfg)
	require.NoError(t, err)
	_, _, err = c.QueryRange(ctx, q, hour(1), hour(3), time.Hour)
	require.EqualError(t, err, "prometheus: query_range "+q+": gave up: context canceled")
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, f.requests(), 1)
}

func TestChunking(t *testing.T) {
	// 23 hourly points with at most 5 per query: 5 queries (5+5+5+5+3).
	// One series has every point, one starts in the third chunk, one
	// exists only inside the first chunk.
	for _, overreach := range []bool{false, true} {
		f := newFake(t)
		f.limit = 5
		f.overreach = overreach
		f.add(q, map[string]string{"code": "200"}, func(t time.Time) (float64, bool) { return float64(t.Sub(t0) / time.Hour), true })
		f.add(q, map[string]string{"code": "500"}, func(t time.Time) (float64, bool) { return 1, !t.Before(hour(12)) })
		f.add(q, map[string]string{"code": "503"}, func(t time.Time) (float64, bool) { return 2, t.Equal(hour(2)) })
		c := client(t, f.srv.URL, &sleeper{}, func(c *prometheus.ClientConfig) { c.MaxPoints = 5 })
		m, _, err := c.QueryRange(context.Background(), q, hour(1), hour(23), time.Hour)
		require.NoError(t, err)

		reqs := f.requests()
		require.Len(t, reqs, 5)
		next := hour(1)
		for _, r := range reqs {
			start, end := must(parseTime(r.Get("start"))), must(parseTime(r.Get("end")))
			require.Equal(t, next, start, "each chunk starts one step after the previous one ends")
			require.LessOrEqual(t, int(end.Sub(start)/time.Hour)+1, 5)
			require.Equal(t, "3600", r.Get("step"))
			next = end.Add(time.Hour)
		}
		require.Equal(t, hour(24), next, "the chunks end at the range's end")

		require.Len(t, m, 3)
		require.Equal(t, map[string]string{"code": "200"}, m[0].Labels)
		require.Len(t, m[0].Points, 23)
		for i, p := range m[0].Points {
			require.Equal(t, prometheus.Point{T: hour(i + 1), V: float64(i + 1)}, p)
		}
		require.Len(t, m[1].Points, 12)
		require.Equal(t, hour(12), m[1].Points[0].T)
		require.Equal(t, hour(23), m[1].Points[11].T)
		require.Equal(t, []prometheus.Point{{hour(2), 2}}, m[2].Points)
	}
}

func TestChunkingNeededAgainstPrometheusLimit(t *testing.T) {
	f := newFake(t)
	f.limit = 5
	f.add(q, nil, every(1))
	c := client(t, f.srv.URL, &sleeper{}, func(c *prometheus.ClientConfig) { c.MaxPoints = 6 })
	_, _, err := c.QueryRange(context.Background(), q, hour(1), hour(23), time.Hour)
	require.EqualError(t, err, "prometheus: query_range "+q+": HTTP 400 (bad_data): exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
		"the fake enforces the limit, so TestChunking proves the client stays under it")
}

func TestInstantQuery(t *testing.T) {
	f := newFake(t)
	f.handle = func(w http.ResponseWriter, r *http.Request, form url.Values, _ int) bool {
		if r.URL.Path != "/prom/api/v1/query" || form.Get("time") != "1788310800" {
			http.NotFound(w, r)
			return true
		}
		writeJSON(w, 200, map[string]any{"status": "success", "warnings": []string{"PromQL info: metric might not be a counter"},
			"data": map[string]any{"resultType": "vector", "result": []any{
				map[string]any{"metric": map[string]string{"job": "b"}, "value": []any{1788310800, "NaN"}},
				map[string]any{"metric": map[string]string{"job": "a"}, "value": []any{1788310800.5, "1.5"}},
			}}})
		return true
	}
	c := client(t, f.srv.URL+"/prom/", &sleeper{})
	v, warns, err := c.Query(context.Background(), "up", hour(1))
	require.NoError(t, err)
	require.Equal(t, prometheus.Warnings{"PromQL info: metric might not be a counter"}, warns)
	require.Len(t, v, 2)
	require.Equal(t, map[string]string{"job": "a"}, v[0].Labels, "sorted by labels")
	require.Equal(t, prometheus.Point{T: hour(1).Add(500 * time.Millisecond), V: 1.5}, v[0].Point)
	require.True(t, v[1].Point.V != v[1].Point.V, "NaN is passed through; readers decide")

	_, _, err = c.QueryRange(context.Background(), "up", hour(1), hour(2), time.Hour)
	require.EqualError(t, err, "prometheus: query_range up: HTTP 404: 404 page not found")
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name string
		cfg  prometheus.ClientConfig
		want string
	}{
		{"Basic auth is sent.", prometheus.ClientConfig{Username: "slorec", Password: "s3cret"}, "Basic c2xvcmVjOnMzY3JldA=="},
		{"A bearer token is sent.", prometheus.ClientConfig{BearerToken: "tok"}, "Bearer tok"},
		{"No credentials, no header.", prometheus.ClientConfig{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			cfg := tt.cfg
			cfg.URL = f.srv.URL
			cfg.Header = http.Header{"X-Scope-Orgid": {"tenant-1"}}
			c, err := prometheus.NewClient(cfg)
			require.NoError(t, err)
			_, _, err = rangeOf(c)
			require.NoError(t, err)
			require.Equal(t, tt.want, f.heads[0].Get("Authorization"))
			require.Equal(t, "tenant-1", f.heads[0].Get("X-Scope-OrgID"))
			require.Equal(t, "/api/v1/query_range", f.paths[0])
		})
	}
}

func TestCredentialsInURL(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.WriteHeader(500)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://slorec:s3cret@", 1)
	c, err := prometheus.NewClient(prometheus.ClientConfig{URL: u, Retries: -1})
	require.NoError(t, err)
	_, _, err = rangeOf(c)
	require.Error(t, err)
	require.Equal(t, "Basic c2xvcmVjOnMzY3JldA==", auth)
	require.NotContains(t, err.Error(), "s3cret")
}

func TestNewClientErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  prometheus.ClientConfig
		want string
	}{
		{"A URL is required.", prometheus.ClientConfig{}, "prometheus url: required (flag or SLOREC_PROMETHEUS_URL)"},
		{"The URL needs a scheme and host.", prometheus.ClientConfig{URL: "prometheus:9090"}, `prometheus url "prometheus:9090": want http(s)://host[:port][/prefix]`},
		{"The URL's password is masked in errors.", prometheus.ClientConfig{URL: "ftp://u:pw@h"}, `prometheus url "ftp://u:xxxxx@h": want http(s)://host[:port][/prefix]`},
		{"Query strings are refused.", prometheus.ClientConfig{URL: "http://h/?x=1"}, `prometheus url "http://h/?x=1": want no query or fragment`},
		{"Basic auth and a bearer token exclude each other.", prometheus.ClientConfig{URL: "http://h", Username: "u", BearerToken: "t"}, "prometheus auth: set basic auth or a bearer token, not both"},
		{"Credentials twice are refused.", prometheus.ClientConfig{URL: "http://a:b@h", Username: "u"}, `prometheus url "http://a:xxxxx@h": credentials both in the URL and configured`},
		{"Negative limits are refused.", prometheus.ClientConfig{URL: "http://h", Timeout: -1}, "prometheus client: negative timeout, backoff or limit"},
		{"One point per query cannot make progress.", prometheus.ClientConfig{URL: "http://h", MaxPoints: 1}, "prometheus client: max points 1 is below 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := prometheus.NewClient(tt.cfg)
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			require.Equal(t, tt.want, slorec.ErrorMessage(err))
		})
	}
}

func TestFromEnvAndLogValue(t *testing.T) {
	env := map[string]string{
		prometheus.EnvURL: "http://env:9090", prometheus.EnvUsername: "u", prometheus.EnvPassword: "pw", prometheus.EnvBearerToken: "",
	}
	cfg := prometheus.ClientConfig{URL: "http://flag:9090"}
	cfg.FromEnv(func(k string) string { return env[k] })
	require.Equal(t, "http://flag:9090", cfg.URL, "a set field wins over the environment")
	require.Equal(t, "u", cfg.Username)
	require.Equal(t, "pw", cfg.Password)

	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "prometheus", cfg)
	require.Contains(t, b.String(), "prometheus.password=***")
	require.NotContains(t, b.String(), "pw ")
	require.NotContains(t, b.String(), "=pw")
}

func TestQueryErrorUnwrap(t *testing.T) {
	cause := errors.New("boom")
	err := error(&prometheus.QueryError{Code: slorec.EUNAVAILABLE, Endpoint: "query", Query: "up", Attempts: 2, Reason: "connection failed: boom", Err: cause})
	require.ErrorIs(t, err, cause)
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
	require.Equal(t, "prometheus: query up: connection failed: boom (after 2 attempts)", slorec.ErrorMessage(err))
}
