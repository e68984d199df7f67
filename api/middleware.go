package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slorec/slorec"
)

// Authenticator checks bearer secrets; store.Tokens fits.
type Authenticator interface {
	// Authenticate returns the token of secret. Errors: EUNAUTHORIZED.
	Authenticate(ctx context.Context, secret string) (slorec.Token, error)
}

// IdempotencyStore keeps the outcomes of POSTs sent with an
// Idempotency-Key; store.Idempotency fits.
type IdempotencyStore interface {
	BeginIdempotent(ctx context.Context, tenant, key, requestHash string) (*slorec.IdempotencyRecord, error)
	FinishIdempotent(ctx context.Context, rec slorec.IdempotencyRecord) error
	ReleaseIdempotent(ctx context.Context, tenant, key string) error
}

const tokenKey = "slorec.token"

// token is the authenticated token of a request (zero before auth).
func token(c *gin.Context) slorec.Token {
	t, _ := c.Get(tokenKey)
	tok, _ := t.(slorec.Token)
	return tok
}

// withTimeout bounds every handler: the request's context ends after d,
// so the store, the engine and the LLM stop, and the handler answers 503.
func withTimeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// limitBody caps request bodies at n bytes; reading past it fails with
// *http.MaxBytesError, which problem answers with 413.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

// authenticate requires a valid bearer token and stores it in the
// context. A missing or malformed header and an unknown or revoked token
// are 401s with WWW-Authenticate, and the same message for the last two.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="slorec"`)
		s.problem(c, slorec.Errorf(slorec.EUNAUTHORIZED, "send an API token: Authorization: Bearer <token>"))
		return
	}
	tok, err := s.cfg.Auth.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
	if err != nil {
		if slorec.ErrorCode(err) == slorec.EUNAUTHORIZED {
			c.Header("WWW-Authenticate", `Bearer realm="slorec", error="invalid_token"`)
		}
		s.problem(c, err)
		return
	}
	c.Set(tokenKey, tok)
	c.Next()
}

// rateLimit answers 429 with Retry-After when the token's bucket is empty.
func (s *Server) rateLimit(c *gin.Context) {
	ok, wait := s.limiter.Allow(token(c).ID)
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())))
		s.problem(c, slorec.Errorf(slorec.ELIMITED, "rate limit exceeded: retry in %d s", int(wait.Seconds())))
		return
	}
	c.Next()
}

// require refuses a token whose role does not include need.
func (s *Server) require(need slorec.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if r := token(c).Role; !r.Allows(need) {
			s.problem(c, slorec.Errorf(slorec.EFORBIDDEN, "this needs the %s role; the token has %s", need, r))
			return
		}
		c.Next()
	}
}

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 200

// idempotent honours Idempotency-Key on a POST: the first request with a
// key runs and its response (unless a 5xx, which may be retried) is
// stored; a retry with the same key and body gets the stored response
// with Idempotent-Replayed: true; the same key with another body, or while
// the first is still running, is a 409. The key is per tenant; the body
// hash covers method, path and body.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" || c.Request.Method != http.MethodPost || s.cfg.Idempotency == nil {
		c.Next()
		return
	}
	if len(key) > MaxIdempotencyKey {
		s.problem(c, slorec.Errorf(slorec.EINVALID, "Idempotency-Key: longer than %d bytes", MaxIdempotencyKey))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.New()
	fmt.Fprintf(sum, "%s %s\n", c.Request.Method, c.Request.URL.Path)
	sum.Write(body)
	hash := hex.EncodeToString(sum.Sum(nil))
	tenant := token(c).Tenant
	ctx := c.Request.Context()
	rec, err := s.cfg.Idempotency.BeginIdempotent(ctx, tenant, key, hash)
	if err != nil {
		s.problem(c, err)
		return
	}
	if rec != nil {
		c.Header("Idempotent-Replayed", "true")
		c.Data(rec.StatusCode, rec.ContentType, rec.Body)
		c.Abort()
		return
	}
	w := &capture{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	// The request's own context may be over; the record must still land.
	done, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if st := w.Status(); st >= 500 {
		if err := s.cfg.Idempotency.ReleaseIdempotent(done, tenant, key); err != nil {
			s.cfg.Logger.Error("release idempotency key", "err", err)
		}
		return
	}
	err = s.cfg.Idempotency.FinishIdempotent(done, slorec.IdempotencyRecord{
		Tenant: tenant, Key: key, RequestHash: hash, StatusCode: w.Status(),
		ContentType: w.Header().Get("Content-Type"), Body: w.buf.Bytes(),
	})
	if err != nil {
		s.cfg.Logger.Error("store idempotent response", "err", err)
	}
}

// capture copies what a handler writes.
type capture struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *capture) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *capture) WriteString(s string) (int, error) {
	w.buf.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

// bodyError turns a body-reading error into a coded one: too large is
// 413, anything else a malformed request.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &tooLarge{limit: tooBig.Limit}
	}
	return slorec.Errorf(slorec.EINVALID, "read body: %v", err)
}

// tooLarge is a body over the limit; problem answers 413.
type tooLarge struct{ limit int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("request body larger than %d bytes", e.limit)
}
