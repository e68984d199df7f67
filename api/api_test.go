package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/api"
	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/store/inmem"
)

func newServer(t *testing.T) *api.Server {
	t.Helper()
	mem := inmem.New()
	st := mem.Tenant(slorec.DefaultTenant)
	_, err := st.UpsertGraph(context.Background(), slorec.Graph{Services: []slorec.Service{
		{ID: "checkout", Kind: slorec.KindService, Tier: slorec.TierCritical, Deps: []slorec.Dependency{
			{Target: "payments", Type: slorec.Sync, Criticality: slorec.Hard}}},
	}})
	require.NoError(t, err)
	a, err := app.New(app.Config{Tenant: func(t string) app.TenantStore { return mem.Tenant(t) }})
	require.NoError(t, err)
	srv, err := api.New(api.Config{App: a, Ready: func(context.Context) error { return ready }})
	require.NoError(t, err)
	return srv
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestServicesAreListedAndFetched(t *testing.T) {
	srv := newServer(t)
	rec := get(t, srv, "/api/v1/services")
	require.Equal(t, http.StatusOK, rec.Code)
	var list struct{ Services []slorec.Service }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
	require.Len(t, list.Services, 1)
	require.Equal(t, "payments", list.Services[0].Deps[0].Target)

	rec = get(t, srv, "/api/v1/services/checkout")
	require.Equal(t, http.StatusOK, rec.Code)
}

func TestErrorsAreProblemJSON(t *testing.T) {
	srv := newServer(t)
	for path, want := range map[string]int{
		"/api/v1/services/ghost": http.StatusNotFound,
		"/api/v1/nothing-here":   http.StatusNotFound,
	} {
		rec := get(t, srv, path)
		require.Equal(t, want, rec.Code, path)
		require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), path)
		var p api.Problem
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
		require.Equal(t, want, p.Status)
		require.Equal(t, slorec.ENOTFOUND, p.Code)
		require.NotEmpty(t, p.Detail)
	}
}

// ready is what the test servers' readiness check returns.
var ready error

func TestHealthAndReadiness(t *testing.T) {
	srv := newServer(t)
	require.Equal(t, http.StatusOK, get(t, srv, "/healthz").Code)
	require.Equal(t, http.StatusOK, get(t, srv, "/readyz").Code)
	ready = errors.New("dial tcp 10.0.0.5:5432: connection refused")
	defer func() { ready = nil }()
	rec := get(t, srv, "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotContains(t, rec.Body.String(), "10.0.0.5", "driver errors stay in the log")
}
