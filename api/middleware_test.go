package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/app"
)

// noApp is an App whose store is never reached by the test routes.
func noApp(t *testing.T) *app.App {
	t.Helper()
	a, err := app.New(app.Config{Tenant: func(string) app.TenantStore { return nil }})
	require.NoError(t, err)
	return a
}

// tokens is an Authenticator of fixed secrets.
type tokens map[string]slorec.Token

func (t tokens) Authenticate(_ context.Context, secret string) (slorec.Token, error) {
	if tok, ok := t[secret]; ok {
		return tok, nil
	}
	return slorec.Token{}, slorec.Errorf(slorec.EUNAUTHORIZED, "unknown or revoked token")
}

// memIdem is an IdempotencyStore in a map.
type memIdem struct {
	mu   sync.Mutex
	recs map[string]*slorec.IdempotencyRecord // nil value: in progress
	hash map[string]string
}

func (m *memIdem) BeginIdempotent(_ context.Context, tenant, key, hash string) (*slorec.IdempotencyRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := tenant + "\x00" + key
	if h, ok := m.hash[k]; ok {
		if h != hash {
			return nil, slorec.Errorf(slorec.ECONFLICT, "Idempotency-Key reused with another request")
		}
		if m.recs[k] == nil {
			return nil, slorec.Errorf(slorec.ECONFLICT, "Idempotency-Key: the first request is still running")
		}
		return m.recs[k], nil
	}
	m.hash[k], m.recs[k] = hash, nil
	return nil, nil
}

func (m *memIdem) FinishIdempotent(_ context.Context, rec slorec.IdempotencyRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[rec.Tenant+"\x00"+rec.Key] = &rec
	return nil
}

func (m *memIdem) ReleaseIdempotent(_ context.Context, tenant, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.hash, tenant+"\x00"+key)
	delete(m.recs, tenant+"\x00"+key)
	return nil
}

var testTokens = tokens{
	"reader-secret": {ID: "t1", Tenant: "acme", Role: slorec.RoleReader},
	"editor-secret": {ID: "t2", Tenant: "acme", Role: slorec.RoleEditor},
	"other-editor":  {ID: "t3", Tenant: "globex", Role: slorec.RoleEditor},
}

// testServer is a server with test routes: POST /api/v1/echo (editor,
// idempotent) counts its runs; GET /api/v1/slow waits for its context;
// GET /api/v1/panic panics; POST /api/v1/fail answers 503.
func testServer(t *testing.T, cfg Config) (*Server, *int) {
	t.Helper()
	cfg.App = noApp(t)
	if cfg.Auth == nil {
		cfg.Auth = testTokens
	}
	s, err := New(cfg)
	require.NoError(t, err)
	runs := new(int)
	v1 := s.engine.Group("/api/v1")
	if cfg.Auth != nil {
		v1.Use(s.authenticate, s.rateLimit)
	}
	v1.POST("/echo", s.require(slorec.RoleEditor), s.idempotent, func(c *gin.Context) {
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			s.problem(c, bodyError(err))
			return
		}
		*runs++
		c.JSON(http.StatusCreated, gin.H{"run": *runs, "body": string(b), "tenant": token(c).Tenant})
	})
	v1.POST("/fail", s.require(slorec.RoleEditor), s.idempotent, func(c *gin.Context) {
		*runs++
		s.problem(c, slorec.Errorf(slorec.EUNAVAILABLE, "database unavailable"))
	})
	v1.GET("/slow", func(c *gin.Context) {
		<-c.Request.Context().Done()
		s.problem(c, c.Request.Context().Err())
	})
	v1.GET("/panic", func(*gin.Context) { panic("boom: SELECT * FROM secrets") })
	return s, runs
}

func do(s http.Handler, method, path, secret, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func problemOf(t *testing.T, w *httptest.ResponseRecorder) Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), w.Body.String())
	var p Problem
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	require.Equal(t, w.Code, p.Status)
	require.Equal(t, "urn:slorec:problem:"+p.Code, p.Type)
	return p
}

func TestAuthAndRoles(t *testing.T) {
	s, _ := testServer(t, Config{})
	tests := []struct {
		name   string
		secret string
		header string
		want   int
		code   string
	}{
		{"No token is 401.", "", "", http.StatusUnauthorized, slorec.EUNAUTHORIZED},
		{"An unknown token is 401.", "nope", "", http.StatusUnauthorized, slorec.EUNAUTHORIZED},
		{"A Basic header is 401.", "", "Basic dXNlcjpwdw==", http.StatusUnauthorized, slorec.EUNAUTHORIZED},
		{"A reader may not write.", "reader-secret", "", http.StatusForbidden, slorec.EFORBIDDEN},
		{"An editor may.", "editor-secret", "", http.StatusCreated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w *httptest.ResponseRecorder
			if tt.header != "" {
				w = do(s, "POST", "/api/v1/echo", "", "{}", "Authorization", tt.header)
			} else {
				w = do(s, "POST", "/api/v1/echo", tt.secret, "{}")
			}
			require.Equal(t, tt.want, w.Code, w.Body.String())
			if tt.code != "" {
				require.Equal(t, tt.code, problemOf(t, w).Code)
			}
			if tt.want == http.StatusUnauthorized {
				require.Contains(t, w.Header().Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, _ := testServer(t, Config{RateLimit: 1, RateBurst: 2, Now: func() time.Time { return now }})
	for range 2 {
		require.Equal(t, http.StatusCreated, do(s, "POST", "/api/v1/echo", "editor-secret", "{}").Code)
	}
	w := do(s, "POST", "/api/v1/echo", "editor-secret", "{}")
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	require.Equal(t, "1", w.Header().Get("Retry-After"))
	require.Equal(t, slorec.ELIMITED, problemOf(t, w).Code)
	require.Equal(t, http.StatusCreated, do(s, "POST", "/api/v1/echo", "other-editor", "{}").Code, "buckets are per token")
	now = now.Add(time.Second)
	require.Equal(t, http.StatusCreated, do(s, "POST", "/api/v1/echo", "editor-secret", "{}").Code, "a token is back after a second")
}

func TestBodyLimitAnswers413(t *testing.T) {
	s, runs := testServer(t, Config{MaxBodyBytes: 64})
	w := do(s, "POST", "/api/v1/echo", "editor-secret", strings.Repeat("x", 65))
	require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	require.Equal(t, "too_large", problemOf(t, w).Code)
	require.Zero(t, *runs)
	// Through the idempotency middleware, which reads the body first.
	w = do(s, "POST", "/api/v1/echo", "editor-secret", strings.Repeat("x", 65), "Idempotency-Key", "k1")
	require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	require.Zero(t, *runs)
}

func TestIdempotencyKey(t *testing.T) {
	idem := &memIdem{recs: map[string]*slorec.IdempotencyRecord{}, hash: map[string]string{}}
	s, runs := testServer(t, Config{Idempotency: idem})
	first := do(s, "POST", "/api/v1/echo", "editor-secret", `{"a":1}`, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, first.Code)
	again := do(s, "POST", "/api/v1/echo", "editor-secret", `{"a":1}`, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, again.Code)
	require.Equal(t, first.Body.String(), again.Body.String(), "the stored response is replayed")
	require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
	require.Equal(t, 1, *runs, "the handler ran once")

	other := do(s, "POST", "/api/v1/echo", "editor-secret", `{"a":2}`, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusConflict, other.Code)
	require.Equal(t, slorec.ECONFLICT, problemOf(t, other).Code)
	require.Equal(t, 1, *runs)

	require.Equal(t, http.StatusCreated, do(s, "POST", "/api/v1/echo", "other-editor", `{"a":2}`, "Idempotency-Key", "k1").Code, "keys are per tenant")
	require.Equal(t, 2, *runs)

	// A 5xx releases the key, so a retry runs.
	require.Equal(t, http.StatusServiceUnavailable, do(s, "POST", "/api/v1/fail", "editor-secret", `{}`, "Idempotency-Key", "k2").Code)
	require.Equal(t, http.StatusServiceUnavailable, do(s, "POST", "/api/v1/fail", "editor-secret", `{}`, "Idempotency-Key", "k2").Code)
	require.Equal(t, 4, *runs)

	long := do(s, "POST", "/api/v1/echo", "editor-secret", `{}`, "Idempotency-Key", strings.Repeat("k", MaxIdempotencyKey+1))
	require.Equal(t, http.StatusBadRequest, long.Code)
}

func TestHandlerTimeoutAnswers503(t *testing.T) {
	s, _ := testServer(t, Config{Timeout: 20 * time.Millisecond})
	w := do(s, "GET", "/api/v1/slow", "reader-secret", "")
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Equal(t, "the request took too long", problemOf(t, w).Detail)
}

func TestPanicsAreInternalErrorsWithoutDetail(t *testing.T) {
	s, _ := testServer(t, Config{})
	w := do(s, "GET", "/api/v1/panic", "reader-secret", "")
	require.Equal(t, http.StatusInternalServerError, w.Code)
	p := problemOf(t, w)
	require.Equal(t, "internal error", p.Detail)
	require.NotContains(t, w.Body.String(), "SELECT")
	require.NotContains(t, w.Body.String(), "goroutine")
}

func TestLimiterRefills(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLimiter(2, 1, func() time.Time { return now })
	ok, _ := l.Allow("a")
	require.True(t, ok)
	ok, wait := l.Allow("a")
	require.False(t, ok)
	require.Equal(t, time.Second, wait, "half a second rounds up to a whole second")
	now = now.Add(500 * time.Millisecond)
	ok, _ = l.Allow("a")
	require.True(t, ok)
	require.True(t, (*Limiter)(nil) == nil)
	ok, _ = NewLimiter(0, 0, nil).Allow("x")
	require.True(t, ok, "a zero rate disables limiting")
}
