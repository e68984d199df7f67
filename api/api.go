// Package api serves slorec over HTTP with gin: the REST API under /api/v1
// that a developer portal and scripts use. Errors are RFC 9457
// problem+json documents; slorec error codes map to HTTP statuses in one
// place (status).
//
// The package declares the interfaces it needs (Store) and imports no
// adapter: cmd/slorec wires the concrete store in.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/app"
)

// Config configures the server.
type Config struct {
	// App runs the use cases; required.
	App    *app.App
	Logger *slog.Logger
	// Ready reports whether the backends (the database) answer, for
	// /readyz; nil means always ready.
	Ready func(ctx context.Context) error
	// Auth checks bearer tokens on /api/v1; nil leaves the API open (the
	// embedded single-user default).
	Auth Authenticator
	// Idempotency stores Idempotency-Key outcomes; nil ignores the header.
	Idempotency IdempotencyStore
	// RateLimit is each token's sustained requests per second, RateBurst
	// its burst; zero means 50 and 100, a negative rate no limit.
	RateLimit float64
	RateBurst int
	// MaxBodyBytes caps request bodies; zero means 8 MiB.
	MaxBodyBytes int64
	// Timeout bounds every handler; zero means 30 s.
	Timeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the HTTP handler of slorec.
type Server struct {
	cfg     Config
	engine  *gin.Engine
	limiter *Limiter
	metrics *metrics
}

// New validates cfg, fills defaults and returns a server.
func New(cfg Config) (*Server, error) {
	if cfg.App == nil {
		return nil, errors.New("api: App is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit, cfg.RateBurst = 50, 100
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 8 << 20
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, engine: gin.New(), limiter: NewLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now), metrics: newMetrics()}
	s.engine.Use(s.metrics.observe, gin.CustomRecovery(func(c *gin.Context, rec any) {
		s.problem(c, fmt.Errorf("panic: %v", rec))
	}), withTimeout(cfg.Timeout), limitBody(cfg.MaxBodyBytes))
	s.engine.NoRoute(func(c *gin.Context) {
		s.problem(c, slorec.Errorf(slorec.ENOTFOUND, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	s.engine.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	s.engine.GET("/readyz", s.readyz)
	s.engine.GET("/metrics", s.metrics.handler())
	s.engine.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", OpenAPI) })
	v1 := s.engine.Group("/api/v1")
	if cfg.Auth != nil {
		v1.Use(s.authenticate, s.rateLimit)
	}
	s.routes(v1)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func (s *Server) readyz(c *gin.Context) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(c.Request.Context()); err != nil {
			s.cfg.Logger.Warn("not ready", "err", err)
			s.problem(c, slorec.Errorf(slorec.EUNAVAILABLE, "the database does not answer"))
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// Problem is an RFC 9457 problem details document. Type is a stable URN
// per error code; Errors lists field-level problems of a validation
// failure.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Code     string       `json:"code"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// FieldError is one invalid field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// FieldErrors is an EINVALID error carrying field-level details.
type FieldErrors struct {
	Message string
	Fields  []FieldError
}

func (e *FieldErrors) Error() string { return e.Message }

// codeStatus maps an error code to its HTTP status; this is the only place.
func codeStatus(code string) int {
	switch code {
	case slorec.EINVALID:
		return http.StatusBadRequest
	case slorec.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case slorec.EFORBIDDEN:
		return http.StatusForbidden
	case slorec.ENOTFOUND:
		return http.StatusNotFound
	case slorec.ECONFLICT:
		return http.StatusConflict
	case slorec.EREJECTED:
		return http.StatusUnprocessableEntity
	case slorec.ELIMITED:
		return http.StatusTooManyRequests
	case slorec.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// problem writes err as problem+json. Uncoded errors are logged and shown
// only as "internal error": no stack traces, SQL or driver text leave.
func (s *Server) problem(c *gin.Context, err error) {
	code, detail := slorec.ErrorCode(err), slorec.ErrorMessage(err)
	st := codeStatus(code)
	var fields []FieldError
	var fe *FieldErrors
	var tl *tooLarge
	var mb *http.MaxBytesError
	if vf, ok := validationFields(err); ok {
		fe = vf
	}
	var rej *app.Rejection
	var ir *ingestRefused
	switch {
	case errors.As(err, &ir):
		fields = ir.fields
	case errors.As(err, &rej):
		for _, ch := range rej.Checks {
			if !ch.Feasible {
				fields = append(fields, FieldError{Field: "slos." + string(ch.SLI), Detail: ch.Reason})
			}
		}
	case fe != nil || errors.As(err, &fe):
		code, st, detail, fields = slorec.EINVALID, http.StatusBadRequest, fe.Message, fe.Fields
	case errors.As(err, &tl), errors.As(err, &mb):
		limit := s.cfg.MaxBodyBytes
		code, st, detail = "too_large", http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(c.Request.Context().Err(), context.DeadlineExceeded):
		code, st, detail = slorec.EUNAVAILABLE, http.StatusServiceUnavailable, "the request took too long"
	case code == slorec.EINTERNAL:
		s.cfg.Logger.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(st, Problem{
		Type:     "urn:slorec:problem:" + code,
		Title:    http.StatusText(st),
		Status:   st,
		Detail:   detail,
		Instance: c.Request.URL.Path,
		Code:     code,
		Errors:   fields,
	})
}
