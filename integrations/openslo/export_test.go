package openslo_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/openslo"
	"github.com/slorec/slorec/integrations/prommap"
)

// fixtures return fresh values; variants copy and change a field.
func checkoutService() slorec.Service {
	return slorec.Service{ID: "checkout", Name: "Checkout", Kind: slorec.KindService, Tier: slorec.TierCritical, Owner: "team-checkout"}
}

func availability() slorec.SLO {
	return slorec.SLO{Service: "checkout", SLI: slorec.Availability, Target: 0.999, WindowDays: 28}
}

func latency() slorec.SLO {
	return slorec.SLO{Service: "checkout", SLI: slorec.Latency, Target: 0.99, ThresholdMs: 250, Percentile: 99, WindowDays: 28}
}

func mapping(t *testing.T, yml string) *prommap.Config {
	t.Helper()
	cfg, err := prommap.Load(strings.NewReader(yml))
	require.NoError(t, err)
	return cfg
}

// build exports and parses the result back into typed objects.
func build(t *testing.T, services []slorec.Service, slos []slorec.SLO, cfg *prommap.Config, opt openslo.Options) *openslo.Bundle {
	t.Helper()
	b, err := openslo.Build(services, slos, cfg, opt)
	require.NoError(t, err)
	return b
}

func TestExportProblems(t *testing.T) {
	tooFewBuckets := `defaults:
  latency:
    histogram: http_request_duration_seconds_bucket{service="{{service}}"}
    buckets: [0.1, 0.3, 0.5]
`
	dup := func() slorec.SLO { s := availability(); s.Target = 0.99; return s }
	pct := func() slorec.SLO { s := availability(); s.Target = 99.9; return s }
	long := func() slorec.SLO { s := latency(); s.ThresholdMs = 900; return s }
	tests := []struct {
		name     string
		services []slorec.Service
		slos     []slorec.SLO
		cfg      *prommap.Config
		want     []string
	}{
		{"Two SLOs for one service and SLI should error.", nil, []slorec.SLO{availability(), dup()}, nil,
			[]string{"SLO checkout-availability: the availability SLO of checkout is given twice; OpenSLO documents hold one SLO per service and SLI"}},
		{"Service ids that map to one name should error.",
			[]slorec.Service{{ID: "A_b", Kind: slorec.KindService, Tier: slorec.TierLow}, {ID: "a-b", Kind: slorec.KindService, Tier: slorec.TierLow}}, nil, nil,
			[]string{`Service a-b: service ids "A_b", "a-b" all map to this name; rename all but one`}},
		{"A repeated service id should error.", []slorec.Service{checkoutService(), checkoutService()}, nil, nil,
			[]string{`Service checkout: service id "checkout" given twice`}},
		{"An invalid SLO should error with slorec's message.", nil, []slorec.SLO{pct()}, nil,
			[]string{"SLO checkout-availability: target: 99.9 looks like a percentage; targets are ratios (0.999 for 99.9%)"}},
		{"A latency SLO of a service without latency series should error.", nil, []slorec.SLO{latency()},
			mapping(t, "services:\n  checkout:\n    latency: {none: true}\n"),
			[]string{"SLO checkout-latency: the Prometheus mapping names no latency histogram or summary for checkout"}},
		{"A threshold that is not a bucket boundary should error.", nil, []slorec.SLO{latency()}, mapping(t, tooFewBuckets),
			[]string{`SLO checkout-latency: latency threshold 250 ms is not a bucket boundary of http_request_duration_seconds_bucket{service="checkout"} (the next one is 300 ms); the histogram cannot count requests faster than it`}},
		{"A threshold above every bucket should error.", nil, []slorec.SLO{long()}, mapping(t, tooFewBuckets),
			// The reason is prommap's; only its gist is checked here.
			[]string{`SLO checkout-latency: http_request_duration_seconds_bucket{service="checkout"}: threshold 900 ms is above the histogram's largest bucket boundary`}},
		{"A mapping without an errors series should error.", nil, []slorec.SLO{availability()},
			&prommap.Config{Defaults: prommap.Mapping{Requests: `reqs_total{job="{{service}}"}`}},
			[]string{"SLO checkout-availability: the Prometheus mapping names no errors series for checkout"}},
		{"Every problem should be reported at once.", nil, []slorec.SLO{pct(), latency()}, mapping(t, tooFewBuckets),
			[]string{"SLO checkout-availability: target: 99.9 looks like a percentage; targets are ratios (0.999 for 99.9%)",
				`SLO checkout-latency: latency threshold 250 ms is not a bucket boundary of http_request_duration_seconds_bucket{service="checkout"} (the next one is 300 ms); the histogram cannot count requests faster than it`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := openslo.Export(tt.services, tt.slos, tt.cfg, openslo.Options{})
			require.Error(t, err)
			require.Nil(t, out)
			ps := problemsOf(t, err)
			require.Len(t, ps, len(tt.want), "%v", err)
			for i, p := range ps {
				require.True(t, strings.HasPrefix(p.String(), tt.want[i]), "got %q\nwant %q...", p, tt.want[i])
			}
		})
	}
}

func TestExportLatencyQueries(t *testing.T) {
	t.Run("A threshold on a known bucket boundary should count that bucket.", func(t *testing.T) {
		cfg := mapping(t, "defaults:\n  latency:\n    histogram: rpc_seconds_bucket{app=\"{{service}}\"}\n    buckets: [0.1, 0.25, 0.5]\n")
		b := build(t, nil, []slorec.SLO{latency()}, cfg, openslo.Options{})
		rm := b.SLOs[0].Spec.Indicator.Spec.RatioMetric
		require.True(t, rm.Counter)
		require.Nil(t, rm.Bad)
		require.Equal(t, `sum(rpc_seconds_bucket{app="checkout",le="0.25"})`, rm.Good.MetricSource.Query())
		require.Equal(t, `sum(rpc_seconds_count{app="checkout"})`, rm.Total.MetricSource.Query())
		require.Equal(t, openslo.MetricSourcePrometheus, rm.Good.MetricSource.Type)
	})

	t.Run("A summary should become a threshold on its quantile.", func(t *testing.T) {
		cfg := mapping(t, "services:\n  checkout:\n    latency: {summary: 'rpc_latency_seconds{service=\"{{service}}\"}'}\n")
		slos := []slorec.SLO{latency()}
		b := build(t, nil, slos, cfg, openslo.Options{})
		spec := b.SLOs[0].Spec
		require.Nil(t, spec.Indicator.Spec.RatioMetric)
		require.Equal(t, `avg(rpc_latency_seconds{service="checkout",quantile="0.99"})`, spec.Indicator.Spec.ThresholdMetric.MetricSource.Query())
		require.Equal(t, openslo.OpLTE, spec.Objectives[0].Op)
		require.InDelta(t, 0.25, *spec.Objectives[0].Value, 1e-12, "in the series' unit")

		out, err := b.Marshal()
		require.NoError(t, err)
		require.NoError(t, validator(t).Validate(out))
		got, warnings, err := openslo.Import(bytes.NewReader(out))
		require.NoError(t, err)
		require.Empty(t, warnings)
		require.Equal(t, slos, got)

		got, warnings, err = openslo.Import(bytes.NewReader(stripAnnotations(t, out)))
		require.NoError(t, err)
		require.Empty(t, warnings)
		require.Equal(t, []slorec.SLO{{Service: "checkout", SLI: slorec.Latency, Target: 0.99, ThresholdMs: 250, WindowDays: 28}}, got,
			"the value converts from seconds, named in the query")
	})
}

// TestExportProvenance checks that slorec's provenance reaches the
// annotations and comes back on import.
func TestExportProvenance(t *testing.T) {
	s := latency()
	s.ID, s.Version, s.RecommendationID = "slo-17", 3, "rec-9"
	s.Forced, s.Justification = true, "Launch week: the payment provider's SLA is being renegotiated.\nRevisit on 2025-07-01."
	s.Author = "ana@example.com"
	s.CreatedAt = time.Date(2025, 6, 1, 12, 30, 0, 500, time.FixedZone("CEST", 2*3600))
	rec := slorec.Recommendation{ID: "rec-9", Service: "checkout", Version: 4, Confidence: 0.8125, NeedsReview: true, EngineVersion: "engine-2",
		Objectives: []slorec.Objective{
			{SLI: slorec.Availability, Tier: "balanced", Target: 0.995, WindowDays: 28},
			{SLI: slorec.Latency, Tier: "conservative", Target: 0.99, ThresholdMs: 300, Percentile: 99, WindowDays: 28},
		}}
	b := build(t, []slorec.Service{checkoutService()}, []slorec.SLO{s}, nil, openslo.Options{Recommendations: []slorec.Recommendation{rec}})
	md := b.SLOs[0].Metadata
	require.Equal(t, "checkout-latency", md.Name)
	require.Equal(t, "Checkout latency", md.DisplayName)
	require.Equal(t, openslo.Labels{"managed-by": {"slorec"}, "sli": {"latency"}, "tier": {"critical"}}, md.Labels)
	require.Equal(t, map[string]string{
		openslo.AnnotationServiceID:             "checkout",
		openslo.AnnotationSLI:                   "latency",
		openslo.AnnotationThresholdMs:           "250",
		openslo.AnnotationPercentile:            "99",
		openslo.AnnotationSLOID:                 "slo-17",
		openslo.AnnotationVersion:               "3",
		openslo.AnnotationRecommendationID:      "rec-9",
		openslo.AnnotationForced:                "true",
		openslo.AnnotationJustification:         s.Justification,
		openslo.AnnotationAuthor:                "ana@example.com",
		openslo.AnnotationCreatedAt:             "2025-06-01T10:30:00.0000005Z",
		openslo.AnnotationRecommendedTier:       "conservative",
		openslo.AnnotationRecommendedTarget:     "0.99",
		openslo.AnnotationRecommendationVersion: "4",
		openslo.AnnotationConfidence:            "0.81",
		openslo.AnnotationNeedsReview:           "true",
		openslo.AnnotationEngineVersion:         "engine-2",
	}, md.Annotations)

	out, err := b.Marshal()
	require.NoError(t, err)
	require.NoError(t, validator(t).Validate(out))
	got, warnings, err := openslo.Import(bytes.NewReader(out))
	require.NoError(t, err)
	require.Empty(t, warnings)
	require.Len(t, got, 1)
	require.True(t, s.CreatedAt.Equal(got[0].CreatedAt))
	got[0].CreatedAt = s.CreatedAt
	require.Equal(t, s, got[0])
}

func TestExportMatchesUnsavedRecommendations(t *testing.T) {
	rec := slorec.Recommendation{Service: "checkout", Confidence: 0.5, Objectives: []slorec.Objective{
		{SLI: slorec.Availability, Tier: "aspirational", Target: 0.9995},
		{SLI: slorec.Latency, Tier: "balanced", Target: 0.95, ThresholdMs: 300, Percentile: 95, WindowDays: 7},
	}}
	slos := rec.SLOs()
	require.Equal(t, []slorec.SLO{
		{Service: "checkout", SLI: slorec.Availability, Target: 0.9995, WindowDays: slorec.DefaultWindowDays},
		{Service: "checkout", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 300, Percentile: 95, WindowDays: 7},
	}, slos)
	changed := slos[1]
	changed.ThresholdMs = 400 // modified after the recommendation: no longer its objective
	b := build(t, nil, []slorec.SLO{slos[0], changed}, nil, openslo.Options{Recommendations: []slorec.Recommendation{rec}})
	require.Equal(t, "aspirational", b.SLOs[0].Metadata.Annotations[openslo.AnnotationRecommendedTier])
	require.Equal(t, "0.50", b.SLOs[0].Metadata.Annotations[openslo.AnnotationConfidence])
	require.NotContains(t, b.SLOs[1].Metadata.Annotations, openslo.AnnotationRecommendedTier)

	rec.ID = "rec-1"
	require.Equal(t, "rec-1", rec.SLOs()[0].RecommendationID)
}

// TestExportIsDeterministic shuffles the input: the output must not move.
func TestExportIsDeterministic(t *testing.T) {
	services := []slorec.Service{checkoutService(), {ID: "cart", Kind: slorec.KindService, Tier: slorec.TierHigh},
		{ID: "db", Kind: slorec.KindDatastore, Tier: slorec.TierHigh}}
	cart := availability()
	cart.Service = "cart"
	slos := []slorec.SLO{availability(), latency(), cart}
	want, err := openslo.Export(services, slos, nil, openslo.Options{})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		s, l := slices.Clone(services), slices.Clone(slos)
		rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		got, err := openslo.Export(s, l, nil, openslo.Options{})
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

func TestExportAlerting(t *testing.T) {
	v := validator(t)
	short := availability()
	short.WindowDays = 2

	t.Run("Every SLO should reference the page and ticket policies.", func(t *testing.T) {
		b := build(t, nil, []slorec.SLO{availability()}, nil, openslo.Options{PageTarget: "pagerduty", TicketTarget: "jira"})
		require.Equal(t, []openslo.AlertPolicyItem{{Ref: openslo.PagePolicy}, {Ref: openslo.TicketPolicy}}, b.SLOs[0].Spec.AlertPolicies)
		require.Len(t, b.Policies, 2)
		require.Equal(t, "pagerduty", b.Targets[0].Spec.Target)
		require.Equal(t, "jira", b.Targets[1].Spec.Target)
		page, ticket := b.Conditions[0].Spec.Condition, b.Conditions[1].Spec.Condition
		require.Equal(t, openslo.Condition{Kind: "burnrate", Op: "gte", Threshold: 14.4, LookbackWindow: "1h", AlertAfter: "5m"}, page)
		require.Equal(t, openslo.Condition{Kind: "burnrate", Op: "gte", Threshold: 1, LookbackWindow: "3d", AlertAfter: "6h"}, ticket)
		// Every reference resolves to an object of the bundle.
		names := map[string]bool{}
		for _, c := range b.Conditions {
			names[c.Metadata.Name] = true
		}
		for _, tg := range b.Targets {
			names[tg.Metadata.Name] = true
		}
		for _, p := range b.Policies {
			names[p.Metadata.Name] = true
			require.True(t, names[p.Spec.Conditions[0].ConditionRef])
			require.True(t, names[p.Spec.NotificationTargets[0].TargetRef])
		}
		for _, ref := range b.SLOs[0].Spec.AlertPolicies {
			require.True(t, names[ref.Ref])
		}
		out, err := b.Marshal()
		require.NoError(t, err)
		require.NoError(t, v.Validate(out))
	})

	t.Run("A window shorter than the ticket's lookback should only page.", func(t *testing.T) {
		b := build(t, nil, []slorec.SLO{short}, nil, openslo.Options{})
		require.Equal(t, []openslo.AlertPolicyItem{{Ref: openslo.PagePolicy}}, b.SLOs[0].Spec.AlertPolicies)
	})

	t.Run("NoAlerts should leave alerting out.", func(t *testing.T) {
		out, err := openslo.Export([]slorec.Service{checkoutService()}, []slorec.SLO{availability()}, nil, openslo.Options{NoAlerts: true})
		require.NoError(t, err)
		require.NoError(t, v.Validate(out))
		require.Equal(t, map[string]int{"Service": 1, "SLO": 1}, countKinds(t, out))
		require.NotContains(t, string(out), "alertPolicies")
	})

	t.Run("Services without SLOs should get no alerting.", func(t *testing.T) {
		out, err := openslo.Export([]slorec.Service{checkoutService()}, nil, nil, openslo.Options{})
		require.NoError(t, err)
		require.NoError(t, v.Validate(out))
		require.Equal(t, map[string]int{"Service": 1}, countKinds(t, out))
	})
}

func TestExportServiceObjects(t *testing.T) {
	odd := slorec.Service{ID: "www.googleapis.com", Kind: slorec.KindExternal, Tier: slorec.TierHigh, Owner: "group:ops/sre", PublishedSLA: 0.9995, Version: 7}
	s := availability()
	s.Service = "www.googleapis.com"
	orphan := availability()
	orphan.Service = "not-in-catalog"
	b := build(t, []slorec.Service{odd}, []slorec.SLO{s, orphan}, nil, openslo.Options{})
	require.Len(t, b.Services, 1, "an SLO's service outside the catalog gets no Service object")
	svc := b.Services[0]
	require.Equal(t, openslo.Metadata{Name: "www-googleapis-com", DisplayName: "www.googleapis.com",
		Labels: openslo.Labels{"managed-by": {"slorec"}, "kind": {"external"}, "tier": {"high"}},
		Annotations: map[string]string{"slorec.io/service-id": "www.googleapis.com", "slorec.io/kind": "external", "slorec.io/tier": "high",
			"slorec.io/owner": "group:ops/sre", "slorec.io/published-sla": "0.9995", "slorec.io/catalog-version": "7"}}, svc.Metadata,
		"an owner that breaks the label rule stays an annotation")
	require.Equal(t, "www.googleapis.com is a slorec external of tier high, owned by group:ops/sre. Exported by slorec.", svc.Spec.Description)
	require.Equal(t, "www-googleapis-com", b.SLOs[1].Spec.Service)
	require.Equal(t, "not-in-catalog", b.SLOs[0].Spec.Service)

	out, err := b.Marshal()
	require.NoError(t, err)
	require.NoError(t, validator(t).Validate(out))
	got, _, err := openslo.Import(bytes.NewReader(out))
	require.NoError(t, err)
	require.Equal(t, []string{"not-in-catalog", "www.googleapis.com"}, []string{got[0].Service, got[1].Service})
}

func TestName(t *testing.T) {
	long := strings.Repeat("payment-gateway-", 5)
	tests := []struct{ id, want string }{
		{"checkout", "checkout"},
		{"www.googleapis.com", "www-googleapis-com"},
		{"PetSite", "petsite"},
		{"  -- odd__id --  ", "odd-id"},
		{"api:payments/v2", "api-payments-v2"},
		{"Straße", "stra-e"},
		// sha256("___") starts bda251.
		{"___", "id-bda251"},
		// Cut to 56 characters, the trailing hyphen dropped, then the first
		// six hex digits of the id's SHA-256.
		{long + "a", "payment-gateway-payment-gateway-payment-gateway-payment-32075f"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got := openslo.Name(tt.id)
			require.Equal(t, tt.want, got)
			require.LessOrEqual(t, len(got), openslo.MaxNameLength)
			require.Regexp(t, `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, got, "an RFC 1123 label")
		})
	}
	require.NotEqual(t, openslo.Name(long+"a"), openslo.Name(long+"b"), "long ids sharing a prefix stay distinct")
}
