package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenAPIDocumentsExactlyTheRoutes compares openapi.json with the
// router: every route is documented, and nothing documented is missing.
func TestOpenAPIDocumentsExactlyTheRoutes(t *testing.T) {
	s, _ := testServer(t, Config{Auth: testTokens})
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(OpenAPI, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)

	param := regexp.MustCompile(`:([a-z_]+)`)
	var routed []string
	for _, r := range s.engine.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") && slices.Contains([]string{"/api/v1/echo", "/api/v1/fail", "/api/v1/slow", "/api/v1/panic"}, r.Path) {
			continue // the test's own routes
		}
		routed = append(routed, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(routed)
	slices.Sort(documented)
	require.Equal(t, routed, documented)
}

// TestOpenAPIReferencesResolve checks every $ref points into components.
func TestOpenAPIReferencesResolve(t *testing.T) {
	var doc map[string]any
	require.NoError(t, json.Unmarshal(OpenAPI, &doc))
	comps := doc["components"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				require.Len(t, parts, 2, ref)
				section, ok := comps[parts[0]].(map[string]any)
				require.True(t, ok, ref)
				require.Contains(t, section, parts[1], ref)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(doc)
}

func TestOpenAPIAndMetricsAreServed(t *testing.T) {
	s, _ := testServer(t, Config{Auth: testTokens})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, string(OpenAPI), w.Body.String())

	do(s, "GET", "/api/v1/services", "", "") // a 401, counted
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, w.Code)
	body := w.Body.String()
	require.Contains(t, body, `slorec_http_requests_total{code="401",method="GET",route="/api/v1/services"} 1`)
	require.Contains(t, body, "slorec_http_request_duration_seconds_bucket")
	require.Contains(t, body, "go_goroutines")
}
