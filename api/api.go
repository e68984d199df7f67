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
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slorec/slorec"
)

// Store is the persistence the API reads and writes.
type Store interface {
	// Services returns every service, sorted by id.
	Services(ctx context.Context) ([]slorec.Service, error)
	// Service returns one service. Errors: ENOTFOUND.
	Service(ctx context.Context, id string) (slorec.Service, error)
}

// Config configures the server.
type Config struct {
	Store  Store
	Logger *slog.Logger
}

// Server is the HTTP handler of slorec.
type Server struct {
	cfg    Config
	engine *gin.Engine
}

// New validates cfg, fills defaults and returns a server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, engine: gin.New()}
	s.engine.Use(gin.Recovery())
	s.engine.NoRoute(func(c *gin.Context) {
		s.problem(c, slorec.Errorf(slorec.ENOTFOUND, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	s.engine.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	v1 := s.engine.Group("/api/v1")
	v1.GET("/services", s.listServices)
	v1.GET("/services/:id", s.getService)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func (s *Server) listServices(c *gin.Context) {
	svcs, err := s.cfg.Store.Services(c.Request.Context())
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"services": svcs})
}

func (s *Server) getService(c *gin.Context) {
	svc, err := s.cfg.Store.Service(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, svc)
}

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
}

// status maps an error code to its HTTP status; this is the only place.
func status(code string) int {
	switch code {
	case slorec.EINVALID:
		return http.StatusBadRequest
	case slorec.ENOTFOUND:
		return http.StatusNotFound
	case slorec.ECONFLICT:
		return http.StatusConflict
	case slorec.EREJECTED:
		return http.StatusUnprocessableEntity
	case slorec.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// problem writes err as problem+json. Uncoded errors are logged and shown
// only as "internal error".
func (s *Server) problem(c *gin.Context, err error) {
	code := slorec.ErrorCode(err)
	st := status(code)
	if code == slorec.EINTERNAL {
		s.cfg.Logger.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(st, Problem{
		Type:     "urn:slorec:problem:" + code,
		Title:    http.StatusText(st),
		Status:   st,
		Detail:   slorec.ErrorMessage(err),
		Instance: c.Request.URL.Path,
		Code:     code,
	})
}
