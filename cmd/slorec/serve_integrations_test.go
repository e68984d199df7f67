package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/openslo"
	"github.com/slorec/slorec/integrations/prometheus/promtest"
	"github.com/slorec/slorec/store/inmem"
)

// The end-to-end tests of the integration endpoints: OpenSLO and
// Prometheus rule exports, OpenSLO bodies on POST /services/{id}/slos, and
// POST /metrics/prometheus against a real Prometheus (see promtest).

// apiProblem is an RFC 9457 problem as the API writes it.
type apiProblem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field  string `json:"field"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

// requireProblem requires a problem+json answer with status want and
// returns it.
func requireProblem(t *testing.T, want, code int, body []byte, hdr http.Header) apiProblem {
	t.Helper()
	require.Equal(t, want, code, string(body))
	require.Equal(t, "application/problem+json", hdr.Get("Content-Type"))
	var p apiProblem
	require.NoError(t, json.Unmarshal(body, &p), string(body))
	require.Equal(t, want, p.Status)
	require.True(t, strings.HasPrefix(p.Type, "urn:slorec:problem:"), p.Type)
	return p
}

// integServer is a server over an in-memory store, with an editor's and a
// reader's client of tenant acme.
type integServer struct {
	st     *inmem.Store
	editor client
	reader client
}

// startIntegServer starts a server with the environment vars; with
// metrics it ingests the whole e-commerce example through the API,
// without only its topology.
func startIntegServer(t *testing.T, vars map[string]string, metrics bool) integServer {
	t.Helper()
	st := inmem.New()
	editor := secret(t, st, "acme", "portal", slorec.RoleEditor)
	reader := secret(t, st, "acme", "viewer", slorec.RoleReader)
	base := startServerEnv(t, st, vars)
	s := integServer{st: st, editor: client{t, base, editor}, reader: client{t, base, reader}}
	postExample(t, s.editor, metrics)
	return s
}

// recommendation is GET slo-recommendations of service.
func (s integServer) recommendation(t *testing.T, service string) slorec.Recommendation {
	t.Helper()
	var view app.RecommendationView
	s.reader.json("GET", "/api/v1/services/"+service+"/slo-recommendations", nil, http.StatusOK, &view)
	require.Equal(t, service, view.Recommendation.Service)
	require.NotEmpty(t, view.Recommendation.ID)
	return view.Recommendation
}

// history is GET /services/{id}/slos.
func (s integServer) history(t *testing.T, service string) []slorec.SLO {
	t.Helper()
	var h struct {
		SLOs []slorec.SLO `json:"slos"`
	}
	s.reader.json("GET", "/api/v1/services/"+service+"/slos", nil, http.StatusOK, &h)
	return h.SLOs
}

// getYAML requires a 200 application/yaml answer and returns the body.
func getYAML(t *testing.T, c client, path string) []byte {
	t.Helper()
	code, body, hdr := c.do("GET", path, "", nil)
	require.Equal(t, http.StatusOK, code, string(body))
	require.Equal(t, "application/yaml; charset=utf-8", hdr.Get("Content-Type"))
	require.NotEmpty(t, body)
	return body
}

// openSLOSchemas returns the validator of the official OpenSLO v1
// schemas (see openslo.FindSchemas). Without them the test is skipped,
// except under CI=true, where it fails.
func openSLOSchemas(t *testing.T) *openslo.Validator {
	t.Helper()
	v, err := openslo.DefaultValidator(os.Getenv)
	if slorec.ErrorCode(err) == slorec.ENOTFOUND {
		if os.Getenv("CI") == "true" {
			t.Fatalf("official OpenSLO v1 schemas: %s (CI=true: they must be present)", slorec.ErrorMessage(err))
		}
		t.Skipf("official OpenSLO v1 schemas: %s (skipped outside CI)", slorec.ErrorMessage(err))
	}
	require.NoError(t, err)
	return v
}

// importOpenSLO validates doc against the schemas and imports it, without
// warnings.
func importOpenSLO(t *testing.T, v *openslo.Validator, doc []byte) []slorec.SLO {
	t.Helper()
	require.NoError(t, v.Validate(doc), string(doc))
	slos, warns, err := openslo.Import(bytes.NewReader(doc))
	require.NoError(t, err)
	require.Empty(t, warns)
	return slos
}

// TestServeOpenSLOExport exports checkout-service's recommended and then
// committed SLOs as OpenSLO: valid against the official schemas, and
// imported back as exactly the SLOs exported.
func TestServeOpenSLOExport(t *testing.T) {
	t.Parallel()
	v := openSLOSchemas(t)
	s := startIntegServer(t, nil, true)
	rec := s.recommendation(t, "checkout-service")
	require.Len(t, rec.Objectives, 2, "availability and latency")

	t.Run("The default source is the recommendation, which a reader may export.", func(t *testing.T) {
		doc := getYAML(t, s.reader, "/api/v1/services/checkout-service/openslo")
		require.Equal(t, rec.SLOs(), importOpenSLO(t, v, doc), "the objectives, with their window and recommendation id")
		require.Equal(t, doc, getYAML(t, s.reader, "/api/v1/services/checkout-service/openslo?source=recommended"))
	})

	t.Run("Committed SLOs before any commit are a 404 naming both ways out.", func(t *testing.T) {
		code, body, hdr := s.reader.do("GET", "/api/v1/services/checkout-service/openslo?source=committed", "", nil)
		p := requireProblem(t, http.StatusNotFound, code, body, hdr)
		require.Equal(t, "checkout-service has no committed SLOs; export the recommended ones (source=recommended) or commit some", p.Detail)
	})

	t.Run("An unknown source is a 400.", func(t *testing.T) {
		code, body, hdr := s.reader.do("GET", "/api/v1/services/checkout-service/openslo?source=bogus", "", nil)
		p := requireProblem(t, http.StatusBadRequest, code, body, hdr)
		require.Contains(t, p.Detail, `source: "bogus" (want recommended or committed)`)
	})

	t.Run("An unknown service is a 404, for either source.", func(t *testing.T) {
		for _, q := range []string{"", "?source=committed"} {
			code, body, hdr := s.reader.do("GET", "/api/v1/services/ghost/openslo"+q, "", nil)
			requireProblem(t, http.StatusNotFound, code, body, hdr)
		}
	})

	t.Run("After accepting the recommendation the committed SLOs are exported.", func(t *testing.T) {
		var res app.CommitResult
		s.editor.json("POST", "/api/v1/services/checkout-service/slos", map[string]any{"recommendation_id": rec.ID}, http.StatusCreated, &res)
		require.Equal(t, slorec.EventSLOAccepted, res.Event)
		committed := s.history(t, "checkout-service")
		require.Len(t, committed, 2)

		doc := getYAML(t, s.reader, "/api/v1/services/checkout-service/openslo?source=committed")
		got := importOpenSLO(t, v, doc)
		// The export carries each SLO's id, version, author, creation
		// time and recommendation, so the import is the stored SLO.
		require.Equal(t, committed, got)
		for i, sl := range got {
			o := rec.Objectives[i]
			require.Equal(t, o.SLI, sl.SLI)
			require.Equal(t, o.Target, sl.Target)
			require.Equal(t, o.ThresholdMs, sl.ThresholdMs)
			require.Equal(t, rec.ID, sl.RecommendationID)
			require.Equal(t, 1, sl.Version)
		}
	})
}

// promtoolCheckRules runs `promtool check rules --lint-fatal` on the file
// and requires it to pass.
func promtoolCheckRules(t *testing.T, file string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(promtest.Bin(t), "promtool"), "check", "rules", "--lint-fatal", file).CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", out)
	require.Contains(t, string(out), "SUCCESS", string(out))
}

// TestServePrometheusRulesExport exports checkout-service's rules: a rule
// file promtool accepts, or as JSON what was exported.
func TestServePrometheusRulesExport(t *testing.T) {
	t.Parallel()
	promtest.Bin(t) // skip before ingesting anything
	s := startIntegServer(t, nil, true)
	rec := s.recommendation(t, "checkout-service")

	doc := getYAML(t, s.reader, "/api/v1/services/checkout-service/prometheus-rules")
	file := filepath.Join(t.TempDir(), "checkout-service.rules.yaml")
	require.NoError(t, os.WriteFile(file, doc, 0o644))
	promtoolCheckRules(t, file)
	require.Contains(t, string(doc), `slorec_slo: checkout-service-availability`)

	code, body, hdr := s.reader.do("GET", "/api/v1/services/checkout-service/prometheus-rules", "", nil, "Accept", "application/json")
	require.Equal(t, http.StatusOK, code, string(body))
	require.Contains(t, hdr.Get("Content-Type"), "application/json")
	var res struct {
		File struct {
			Groups []struct {
				Name  string           `json:"name"`
				Rules []map[string]any `json:"rules"`
			} `json:"groups"`
		} `json:"file"`
		SLOs []struct {
			Name        string         `json:"name"`
			Service     string         `json:"service"`
			SLI         slorec.SLIKind `json:"sli"`
			Target      float64        `json:"target"`
			ThresholdMs float64        `json:"threshold_ms"`
			WindowDays  int            `json:"window_days"`
		} `json:"slos"`
	}
	require.NoError(t, json.Unmarshal(body, &res), string(body))
	require.NotEmpty(t, res.File.Groups)
	for _, g := range res.File.Groups {
		require.NotEmpty(t, g.Rules, g.Name)
	}
	require.Len(t, res.SLOs, len(rec.Objectives))
	for i, o := range rec.Objectives {
		got := res.SLOs[i]
		require.Equal(t, "checkout-service-"+string(o.SLI), got.Name)
		require.Equal(t, "checkout-service", got.Service)
		require.Equal(t, o.SLI, got.SLI)
		require.Equal(t, o.Target, got.Target)
		require.Equal(t, o.ThresholdMs, got.ThresholdMs)
		require.Equal(t, o.WindowDays, got.WindowDays)
	}

	for _, tt := range []struct {
		path string
		want int
	}{
		{"/api/v1/services/checkout-service/prometheus-rules?source=committed", http.StatusNotFound},
		{"/api/v1/services/checkout-service/prometheus-rules?source=bogus", http.StatusBadRequest},
		{"/api/v1/services/ghost/prometheus-rules", http.StatusNotFound},
	} {
		code, body, hdr := s.reader.do("GET", tt.path, "", nil)
		requireProblem(t, tt.want, code, body, hdr)
	}
}

// availabilityOpenSLO is a hand-written OpenSLO v1 availability SLO of
// service with target, as another tool would write it: no slorec
// annotations.
func availabilityOpenSLO(service, target string) string {
	return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ` + service + `-availability
spec:
  service: ` + service + `
  indicator:
    metadata:
      name: ` + service + `-availability-sli
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="` + service + `",code=~"5.."})
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="` + service + `"})
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: ` + target + `
`
}

// TestServeCommitsOpenSLO posts OpenSLO documents to POST
// /services/{id}/slos: an export comes back as commits, another service's
// SLOs, malformed YAML and infeasible targets are refused as the JSON
// body is, and force with a justification commits anyway.
func TestServeCommitsOpenSLO(t *testing.T) {
	t.Parallel()
	v := openSLOSchemas(t)
	ctx := context.Background()
	s := startIntegServer(t, nil, true)
	rec := s.recommendation(t, "checkout-service")
	const path = "/api/v1/services/checkout-service/slos"

	t.Run("An OpenSLO export posted back is committed.", func(t *testing.T) {
		doc := getYAML(t, s.reader, "/api/v1/services/checkout-service/openslo")
		code, body, hdr := s.editor.do("POST", path, "application/yaml", doc)
		require.Equal(t, http.StatusCreated, code, string(body))
		require.Empty(t, hdr.Values("Warning"), "slorec reads its own export exactly")
		var res app.CommitResult
		require.NoError(t, json.Unmarshal(body, &res))
		require.False(t, res.Forced)
		require.Len(t, res.SLOs, 2)

		hist := s.history(t, "checkout-service")
		require.Len(t, hist, 2)
		want := rec.SLOs()
		for i, sl := range hist {
			require.Equal(t, want[i].SLI, sl.SLI)
			require.Equal(t, want[i].Target, sl.Target)
			require.Equal(t, want[i].ThresholdMs, sl.ThresholdMs)
			require.Equal(t, want[i].Percentile, sl.Percentile)
			require.Equal(t, want[i].WindowDays, sl.WindowDays)
			require.Equal(t, rec.ID, sl.RecommendationID, "the export's recommendation id is kept")
			require.Equal(t, 1, sl.Version)
			require.False(t, sl.Forced)
		}
	})

	t.Run("A hand-written feasible SLO is committed as the next version.", func(t *testing.T) {
		doc := availabilityOpenSLO("checkout-service", "0.98")
		require.NoError(t, v.Validate([]byte(doc)))
		code, body, _ := s.editor.do("POST", path, "application/x-yaml", []byte(doc))
		require.Equal(t, http.StatusCreated, code, string(body))
		cur, err := s.st.Tenant("acme").CurrentSLOs(ctx, "checkout-service")
		require.NoError(t, err)
		var avail slorec.SLO
		for _, sl := range cur {
			if sl.SLI == slorec.Availability {
				avail = sl
			}
		}
		require.Equal(t, 0.98, avail.Target)
		require.Equal(t, 30, avail.WindowDays)
		require.Equal(t, 2, avail.Version)
		require.Len(t, s.history(t, "checkout-service"), 3)
	})

	before := s.history(t, "checkout-service")

	t.Run("Another service's OpenSLO document is a 400 naming both services.", func(t *testing.T) {
		doc := getYAML(t, s.reader, "/api/v1/services/payment-service/openslo")
		code, body, hdr := s.editor.do("POST", path, "application/yaml", doc)
		p := requireProblem(t, http.StatusBadRequest, code, body, hdr)
		require.Equal(t, `OpenSLO SLO 1 is for service "payment-service", not "checkout-service": post each service's SLOs to its own path`, p.Detail)
	})

	t.Run("Malformed YAML is a 400 with its line.", func(t *testing.T) {
		code, body, hdr := s.editor.do("POST", path, "application/yaml", []byte("apiVersion: openslo/v1\nkind: SLO\nmetadata: [checkout\n"))
		p := requireProblem(t, http.StatusBadRequest, code, body, hdr)
		require.Equal(t, "openslo import: 1 problem\n\tdocument 1, line 3: malformed YAML: did not find expected ',' or ']'", p.Detail)
	})

	t.Run("A document without SLOs is a 400.", func(t *testing.T) {
		svc := "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout-service\nspec:\n  description: no SLOs\n"
		code, body, hdr := s.editor.do("POST", path, "application/yaml", []byte(svc))
		p := requireProblem(t, http.StatusBadRequest, code, body, hdr)
		require.Equal(t, "no SLO slorec can use in the OpenSLO documents: no SLO objects in the input", p.Detail)
	})

	t.Run("An unknown service is a 404.", func(t *testing.T) {
		code, body, hdr := s.editor.do("POST", "/api/v1/services/ghost/slos", "application/yaml", []byte(availabilityOpenSLO("ghost", "0.99")))
		requireProblem(t, http.StatusNotFound, code, body, hdr)
	})

	t.Run("A reader cannot commit.", func(t *testing.T) {
		code, body, hdr := s.reader.do("POST", path, "application/yaml", []byte(availabilityOpenSLO("checkout-service", "0.98")))
		requireProblem(t, http.StatusForbidden, code, body, hdr)
	})

	infeasible := []byte(availabilityOpenSLO("checkout-service", "0.9999"))
	require.NoError(t, v.Validate(infeasible))

	t.Run("An infeasible target is a 422, the same problem as for the JSON body.", func(t *testing.T) {
		code, body, hdr := s.editor.do("POST", path, "application/yaml", infeasible)
		p := requireProblem(t, http.StatusUnprocessableEntity, code, body, hdr)
		require.Contains(t, p.Detail, "infeasible SLO for checkout-service")
		require.Len(t, p.Errors, 1)
		require.Equal(t, "slos.availability", p.Errors[0].Field)

		jcode, jbody, _ := s.editor.do("POST", path, "application/json", []byte(`{"slos":[{"sli":"availability","target":0.9999,"window_days":30}]}`))
		require.Equal(t, http.StatusUnprocessableEntity, jcode, string(jbody))
		require.JSONEq(t, string(jbody), string(body))
	})

	t.Run("Force needs true or false and a real justification.", func(t *testing.T) {
		for _, q := range []string{"?force=yes&justification=launch+commitment+signed+with+the+customer", "?force=true&justification=short", "?force=true"} {
			code, body, hdr := s.editor.do("POST", path+q, "application/yaml", infeasible)
			requireProblem(t, http.StatusBadRequest, code, body, hdr)
		}
	})

	require.Equal(t, before, s.history(t, "checkout-service"), "no refused body committed anything")

	t.Run("Forced with a justification it is committed and audited.", func(t *testing.T) {
		q := "?force=true&justification=launch+commitment+signed+with+the+customer%3B+PLAT-123"
		var res app.CommitResult
		code, body, _ := s.editor.do("POST", path+q, "application/yaml", infeasible)
		require.Equal(t, http.StatusCreated, code, string(body))
		require.NoError(t, json.Unmarshal(body, &res))
		require.True(t, res.Forced)
		require.Len(t, res.SLOs, 1)
		require.True(t, res.SLOs[0].Forced)
		require.Equal(t, 0.9999, res.SLOs[0].Target)
		require.Equal(t, "launch commitment signed with the customer; PLAT-123", res.SLOs[0].Justification)
		hist := s.history(t, "checkout-service")
		require.Len(t, hist, len(before)+1)
		recs, err := s.st.Tenant("acme").Audit(ctx, slorec.AuditFilter{Action: "slo.forced"})
		require.NoError(t, err)
		require.Len(t, recs, 1)
		require.Contains(t, recs[0].Detail["justification"], "PLAT-123")
	})
}

// errorsAboveRequestsMapping reads the example (latency from the
// summary) but counts api-gateway's requests as user-db's errors: more
// errors than requests, so user-db fails and no other service does.
const errorsAboveRequestsMapping = promtest.Mapping + `services:
  user-db:
    errors: 'http_requests_total{service="api-gateway"}'
`

// storedBuckets returns every service's stored buckets in tenant acme,
// leaving out services without any.
func storedBuckets(t *testing.T, st *inmem.Store, services []string) map[string][]slorec.MetricBucket {
	t.Helper()
	out := map[string][]slorec.MetricBucket{}
	for _, svc := range services {
		bs, err := st.Tenant("acme").Metrics(context.Background(), svc, time.Time{}, time.Time{})
		require.NoError(t, err)
		if len(bs) > 0 {
			out[svc] = bs
		}
	}
	return out
}

// requireSameBuckets requires got to be want: counts exact, latencies
// within 1e-6 ms (a summary's quantile goes through seconds and a float's
// text form).
func requireSameBuckets(t *testing.T, want, got []slorec.MetricBucket) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.InDelta(t, w.LatencyP50Ms, g.LatencyP50Ms, 1e-6, "%s %s p50", w.Service, w.Start)
		require.InDelta(t, w.LatencyP95Ms, g.LatencyP95Ms, 1e-6, "%s %s p95", w.Service, w.Start)
		require.InDelta(t, w.LatencyP99Ms, g.LatencyP99Ms, 1e-6, "%s %s p99", w.Service, w.Start)
		w.LatencyP50Ms, w.LatencyP95Ms, w.LatencyP99Ms = g.LatencyP50Ms, g.LatencyP95Ms, g.LatencyP99Ms
		require.Equal(t, w, g, "%s bucket %d: counts are exact", w.Service, i)
	}
}

// TestServePrometheusIngestUnconfigured needs no Prometheus: a server
// without SLOREC_PROMETHEUS_URL answers 503.
func TestServePrometheusIngestUnconfigured(t *testing.T) {
	t.Parallel()
	s := startIntegServer(t, nil, false)
	for _, body := range []string{"", `{"window_days":7}`} {
		code, got, hdr := s.editor.do("POST", "/api/v1/metrics/prometheus", "application/json", []byte(body))
		p := requireProblem(t, http.StatusServiceUnavailable, code, got, hdr)
		require.Equal(t, slorec.EUNAVAILABLE, p.Code)
		require.Contains(t, p.Detail, "no Prometheus is configured (SLOREC_PROMETHEUS_URL)")
	}
	code, got, hdr := s.editor.do("POST", "/api/v1/metrics/prometheus", "application/json", []byte(`{"window":7}`))
	requireProblem(t, http.StatusBadRequest, code, got, hdr)
	code, got, hdr = s.reader.do("POST", "/api/v1/metrics/prometheus", "application/json", nil)
	requireProblem(t, http.StatusForbidden, code, got, hdr)
	require.Empty(t, storedBuckets(t, s.st, []string{"checkout-service", "api-gateway"}))
}

// TestServePrometheusIngest backfills one real Prometheus with the
// e-commerce example's 60 days and ingests from it through POST
// /metrics/prometheus on servers that were given only the topology.
func TestServePrometheusIngest(t *testing.T) {
	t.Parallel()
	promtest.Bin(t) // skip before loading anything
	ds, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{Now: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	url, ex := promtest.StartWith(t, ds)
	dir := t.TempDir()
	mapping := filepath.Join(dir, "mapping.yaml")
	require.NoError(t, os.WriteFile(mapping, []byte(promtest.Mapping), 0o644))
	failing := filepath.Join(dir, "failing.yaml")
	require.NoError(t, os.WriteFile(failing, []byte(errorsAboveRequestsMapping), 0o644))
	vars := map[string]string{"SLOREC_PROMETHEUS_URL": url, "SLOREC_PROMETHEUS_CONFIG": mapping}
	days := int(ex.End.Sub(ex.Start) / (24 * time.Hour))
	require.Equal(t, 60, days, "the example's whole history")
	end := ex.End.Format(time.RFC3339)
	const ingest = "/api/v1/metrics/prometheus"

	t.Run("The whole history is stored and recommends as the example's own metrics do.", func(t *testing.T) {
		s := startIntegServer(t, vars, false)
		req := map[string]any{"window_days": days, "end": end}
		var rep app.PrometheusReport
		s.editor.json("POST", ingest, req, http.StatusOK, &rep, "Idempotency-Key", "prom-1")
		require.True(t, rep.Written)
		require.Zero(t, rep.Failed)
		require.Empty(t, rep.NoData)
		require.Empty(t, rep.Warnings)
		require.Equal(t, ex.Start, rep.Start)
		require.Equal(t, ex.End, rep.End)
		require.EqualValues(t, 3600, rep.StepSeconds)
		require.Equal(t, len(ds.Metrics), rep.Buckets)
		require.Equal(t, len(ds.Metrics), rep.MetricsWritten)
		require.Len(t, rep.Services, len(ex.Services))
		for i, sv := range rep.Services {
			require.Equal(t, ex.Services[i], sv.Service)
			require.Equal(t, days*24, sv.Buckets)
			require.Empty(t, sv.Code)
		}
		got := storedBuckets(t, s.st, ex.Services)
		require.Len(t, got, len(ex.Services))
		for _, svc := range ex.Services {
			requireSameBuckets(t, ex.Buckets[svc], got[svc])
		}

		// A retry with the same key replays the answer.
		code, body, hdr := s.editor.do("POST", ingest, "application/json", mustJSON(t, req), "Idempotency-Key", "prom-1")
		require.Equal(t, http.StatusOK, code, string(body))
		require.Equal(t, "true", hdr.Get("Idempotent-Replayed"))
		var replay app.PrometheusReport
		require.NoError(t, json.Unmarshal(body, &replay))
		require.Equal(t, rep, replay)

		// The ingestion is audited once (the replay ran nothing), with
		// what it wrote.
		recs, err := s.st.Tenant("acme").Audit(context.Background(), slorec.AuditFilter{Action: "metrics.prometheus"})
		require.NoError(t, err)
		require.Len(t, recs, 1)
		require.NotEmpty(t, recs[0].Actor)
		require.EqualValues(t, len(ds.Metrics), recs[0].Detail["buckets"])

		// The same buckets make the same recommendation as the example's
		// metrics.csv posted to another server: objectives and facts are
		// equal. The input hashes are not: about a hundred latencies come
		// back a float's last bit away (milliseconds to seconds as text and
		// back), which the hash sees and the engine's rounding does not.
		ref := startIntegServer(t, nil, true)
		for _, svc := range []string{"checkout-service", "payment-service", "api-gateway"} {
			want, have := ref.recommendation(t, svc), s.recommendation(t, svc)
			require.Equal(t, want.Objectives, have.Objectives, svc)
			require.Equal(t, want.Facts, have.Facts, svc)
			require.Equal(t, want.Confidence, have.Confidence, svc)
			require.Equal(t, want.Flags, have.Flags, svc)
			// 1,440 hours of history: 1440-720+1 rolling 30-day windows.
			require.Len(t, have.Objectives, 2, svc)
			require.Equal(t, "721 rolling 30-day windows of good/total requests", have.Objectives[0].Source, svc)
			require.Equal(t, "hourly p95 series, 1440 buckets with latency (p50/p95/p99 present)", have.Objectives[1].Source, svc)
		}
	})

	t.Run("A failing service refuses the ingestion and writes nothing, unless partial is allowed.", func(t *testing.T) {
		s := startIntegServer(t, map[string]string{"SLOREC_PROMETHEUS_URL": url, "SLOREC_PROMETHEUS_CONFIG": failing}, false)
		rec := s.recommendation(t, "checkout-service")
		code, body, hdr := s.editor.do("POST", ingest, "application/json", []byte(`{"window_days":7,"end":"`+end+`"}`))
		p := requireProblem(t, http.StatusBadRequest, code, body, hdr)
		require.Equal(t, slorec.EINVALID, p.Code)
		require.Equal(t, "1 of 12 services failed; nothing was written (allow partial ingestion to write the rest)", p.Detail)
		require.Len(t, p.Errors, 1, string(body))
		require.Equal(t, "services.user-db", p.Errors[0].Field)
		require.Regexp(t, `^invalid: bucket 2026-10-25T00:00:00Z: errors \d+ exceed requests \d+`, p.Errors[0].Detail)
		require.Empty(t, storedBuckets(t, s.st, ex.Services))
		require.Equal(t, rec, s.recommendation(t, "checkout-service"), "the recommendation is unchanged")

		var rep app.PrometheusReport
		s.editor.json("POST", ingest, map[string]any{"window_days": 7, "end": end, "allow_partial": true}, http.StatusOK, &rep)
		require.True(t, rep.Written)
		require.Equal(t, 1, rep.Failed)
		require.Equal(t, 11*7*24, rep.MetricsWritten)
		for _, sv := range rep.Services {
			if sv.Service == "user-db" {
				require.Equal(t, slorec.EINVALID, sv.Code)
				require.Zero(t, sv.Buckets)
				continue
			}
			require.Empty(t, sv.Code, sv.Service)
			require.Equal(t, 7*24, sv.Buckets, sv.Service)
		}
		got := storedBuckets(t, s.st, ex.Services)
		require.Len(t, got, len(ex.Services)-1)
		require.NotContains(t, got, "user-db")
		week := ex.End.Add(-7 * 24 * time.Hour)
		for svc, bs := range got {
			all := ex.Buckets[svc]
			requireSameBuckets(t, all[len(all)-7*24:], bs)
			require.Equal(t, week, bs[0].Start)
		}
		// The recommendation now rests on the week read.
		require.Len(t, rec.Objectives, 1)
		require.Equal(t, "no metrics: dependency composition and priors only", rec.Objectives[0].Source)
		after := s.recommendation(t, "checkout-service")
		require.NotEqual(t, rec.InputHash, after.InputHash)
		require.Len(t, after.Objectives, 2)
		require.Equal(t, "1 rolling 7-day windows of good/total requests", after.Objectives[0].Source)
		require.Equal(t, "hourly p95 series, 168 buckets with latency (p50/p95/p99 present)", after.Objectives[1].Source)
	})

	t.Run("A bad body is a 400 and writes nothing.", func(t *testing.T) {
		s := startIntegServer(t, vars, false)
		for _, body := range []string{
			`{"window_days":7,"colour":"red"}`,
			`{"window_days":-1}`,
			`{"window_days":401}`,
			`{"window_days":"7"}`,
			`{"window_days":7,"end":"2026-11-01"}`,
			`{"window_days":7,"services":["ghost"]}`,
			`{"window_days":7`,
			`{"window_days":7}{}`,
		} {
			code, got, hdr := s.editor.do("POST", ingest, "application/json", []byte(body))
			requireProblem(t, http.StatusBadRequest, code, got, hdr)
		}
		require.Empty(t, storedBuckets(t, s.st, ex.Services))
	})

	t.Run("Queued with Prefer: respond-async, an ingestion runs in the background and reports.", func(t *testing.T) {
		s := startIntegServer(t, vars, false)
		in := queueIngest(t, s.editor, map[string]any{"window_days": 7, "end": end})
		require.Equal(t, "acme", in.Tenant)
		done := awaitIngestion(t, s.reader, in.ID)
		require.Equal(t, slorec.IngestionSucceeded, done.Status, "%s: %s", done.Code, done.Error)
		require.Equal(t, 1, done.Attempts)
		var rep app.PrometheusReport
		require.NoError(t, json.Unmarshal(done.Report, &rep))
		require.True(t, rep.Written)
		require.Equal(t, 12*7*24, rep.MetricsWritten)
		require.Len(t, storedBuckets(t, s.st, ex.Services), len(ex.Services))
		recs, err := s.st.Tenant("acme").Audit(context.Background(), slorec.AuditFilter{Action: "metrics.prometheus"})
		require.NoError(t, err)
		require.Len(t, recs, 1, "audited as the queued request's actor")

		// What can be checked before reading is checked at once.
		for _, body := range []string{`{"window_days":401}`, `{"window_days":7,"services":["ghost"]}`, `{"window_days":0}`} {
			code, got, hdr := s.editor.do("POST", ingest, "application/json", []byte(body), "Prefer", "respond-async")
			requireProblem(t, http.StatusBadRequest, code, got, hdr)
		}
		code, got, hdr := s.editor.do("GET", "/api/v1/ingestions/ing_missing", "", nil)
		requireProblem(t, http.StatusNotFound, code, got, hdr)

		second := queueIngest(t, s.editor, map[string]any{"window_days": 1, "end": end})
		awaitIngestion(t, s.reader, second.ID)
		var list struct {
			Ingestions []slorec.Ingestion `json:"ingestions"`
		}
		s.reader.json("GET", "/api/v1/ingestions", nil, http.StatusOK, &list)
		require.Len(t, list.Ingestions, 2, "the refused requests were never queued")
		require.Equal(t, []string{second.ID, in.ID}, []string{list.Ingestions[0].ID, list.Ingestions[1].ID}, "newest first")
		require.Equal(t, slorec.IngestionSucceeded, list.Ingestions[1].Status)
		s.reader.json("GET", "/api/v1/ingestions?limit=1", nil, http.StatusOK, &list)
		require.Len(t, list.Ingestions, 1)
		code, got, hdr = s.reader.do("GET", "/api/v1/ingestions?limit=0", "", nil)
		requireProblem(t, http.StatusBadRequest, code, got, hdr)
	})

	t.Run("A queued ingestion that fails says why, with its report.", func(t *testing.T) {
		s := startIntegServer(t, map[string]string{"SLOREC_PROMETHEUS_URL": url, "SLOREC_PROMETHEUS_CONFIG": failing}, false)
		in := queueIngest(t, s.editor, map[string]any{"window_days": 7, "end": end})
		done := awaitIngestion(t, s.editor, in.ID)
		require.Equal(t, slorec.IngestionFailed, done.Status)
		require.Equal(t, slorec.EINVALID, done.Code)
		require.Equal(t, "1 of 12 services failed; nothing was written (allow partial ingestion to write the rest)", done.Error)
		var rep app.PrometheusReport
		require.NoError(t, json.Unmarshal(done.Report, &rep))
		require.False(t, rep.Written)
		require.Equal(t, 1, rep.Failed)
		require.Empty(t, storedBuckets(t, s.st, ex.Services))
	})

	t.Run("On Postgres a queued ingestion is a River job another replica may run.", func(t *testing.T) {
		ctx := context.Background()
		db := openPostgres(t)
		acme := secret(t, db, "acme", "portal", slorec.RoleEditor)
		globex := secret(t, db, "globex", "portal", slorec.RoleEditor)
		one := client{t, startServerEnv(t, db, vars), acme}
		postExample(t, one, false)
		in := queueIngest(t, one, map[string]any{"window_days": 7, "end": end})
		two := client{t, startServerEnv(t, db, vars), acme}
		done := awaitIngestion(t, two, in.ID)
		require.Equal(t, slorec.IngestionSucceeded, done.Status, "%s: %s", done.Code, done.Error)
		var n int
		require.NoError(t, db.Pool().QueryRow(ctx, `SELECT count(*) FROM metric_buckets WHERE tenant = 'acme'`).Scan(&n))
		require.Equal(t, 12*7*24, n)
		// River records the job completed a moment after it returns.
		require.Eventually(t, func() bool {
			var state string
			err := db.Pool().QueryRow(ctx, `SELECT state FROM river_job WHERE kind = 'prometheus_ingest'`).Scan(&state)
			return err == nil && state == "completed"
		}, 10*time.Second, 50*time.Millisecond, "the River job completes")
		code, got, hdr := client{t, one.base, globex}.do("GET", "/api/v1/ingestions/"+in.ID, "", nil)
		requireProblem(t, http.StatusNotFound, code, got, hdr)
	})

	// The OpenAPI document gives window_days a minimum of 1 (absent means
	// 30): an explicit 0 is a bad request too.
	t.Run("An explicit window_days of 0 is a 400 and writes nothing.", func(t *testing.T) {
		s := startIntegServer(t, vars, false)
		code, got, hdr := s.editor.do("POST", ingest, "application/json", []byte(`{"window_days":0,"end":"`+end+`"}`))
		requireProblem(t, http.StatusBadRequest, code, got, hdr)
		require.Empty(t, storedBuckets(t, s.st, ex.Services))
	})
}

// queueIngest posts an ingestion with Prefer: respond-async and requires
// the 202 with its Location.
func queueIngest(t *testing.T, c client, req map[string]any) slorec.Ingestion {
	t.Helper()
	code, body, hdr := c.do("POST", "/api/v1/metrics/prometheus", "application/json", mustJSON(t, req), "Prefer", "respond-async")
	require.Equal(t, http.StatusAccepted, code, string(body))
	require.Equal(t, "respond-async", hdr.Get("Preference-Applied"))
	var in slorec.Ingestion
	require.NoError(t, json.Unmarshal(body, &in))
	require.Equal(t, "/api/v1/ingestions/"+in.ID, hdr.Get("Location"))
	require.Contains(t, []string{slorec.IngestionQueued, slorec.IngestionRunning, slorec.IngestionSucceeded}, in.Status)
	return in
}

// awaitIngestion polls an ingestion until it finishes (a minute at most).
func awaitIngestion(t *testing.T, c client, id string) slorec.Ingestion {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var in slorec.Ingestion
		c.json("GET", "/api/v1/ingestions/"+id, nil, http.StatusOK, &in)
		if in.Finished() {
			return in
		}
		require.True(t, time.Now().Before(deadline), "ingestion %s still %s", id, in.Status)
		time.Sleep(50 * time.Millisecond)
	}
}
