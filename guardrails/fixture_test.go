package guardrails_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
)

// recommendations are the engine's recommendations for the embedded
// e-commerce example, as `slorec recommend --format json` printed them
// (the "recommendations" array), so the guards meet real fact statements.
// Regenerate with:
//
//	go run ./cmd/slorec recommend --format json | jq .recommendations > guardrails/testdata/recommendations.json
func recommendations(t testing.TB) []slorec.Recommendation {
	t.Helper()
	b, err := os.ReadFile("testdata/recommendations.json")
	require.NoError(t, err)
	var recs []slorec.Recommendation
	require.NoError(t, json.Unmarshal(b, &recs))
	return recs
}

// recommendation returns a fresh copy of one service's recommendation
// from recommendations.
func recommendation(t testing.TB, service string) *slorec.Recommendation {
	t.Helper()
	for _, r := range recommendations(t) {
		if r.Service == service {
			return &r
		}
	}
	t.Fatalf("no recommendation for %s in testdata", service)
	return nil
}

// checkout is checkout-service's recommendation with its full working
// (26 facts), as `slorec recommend --service checkout-service --format
// json` printed it; a fresh value on every call. Regenerate with:
//
//	go run ./cmd/slorec recommend --service checkout-service --format json > guardrails/testdata/checkout-service.json
func checkout(t testing.TB) *slorec.Recommendation {
	t.Helper()
	b, err := os.ReadFile("testdata/checkout-service.json")
	require.NoError(t, err)
	var rec slorec.Recommendation
	require.NoError(t, json.Unmarshal(b, &rec))
	return &rec
}

// objective returns rec's objective for sli, to change in a variant.
func objective(t testing.TB, rec *slorec.Recommendation, sli slorec.SLIKind) *slorec.Objective {
	t.Helper()
	for i := range rec.Objectives {
		if rec.Objectives[i].SLI == sli {
			return &rec.Objectives[i]
		}
	}
	t.Fatalf("no %s objective", sli)
	return nil
}

// candidate returns obj's candidate of tier, to change in a variant.
func candidate(t testing.TB, obj *slorec.Objective, tier string) *slorec.Candidate {
	t.Helper()
	for i := range obj.Candidates {
		if obj.Candidates[i].Tier == tier {
			return &obj.Candidates[i]
		}
	}
	t.Fatalf("no %s candidate", tier)
	return nil
}

// Citation ids of the retrieved fixture chunks.
const (
	runbookPayment = "runbook/payment-provider-degradation#mitigation"
	incident       = "incident/inc-2024-03#summary"
)

// retrieved are the chunks retrieved for the checkout-service request.
func retrieved() []slorec.Citation {
	return []slorec.Citation{
		{ID: runbookPayment, Title: "Payment provider degradation", Snippet: "Fail over to the secondary provider when errors exceed 2% for 10 minutes."},
		{ID: incident, Title: "March 2024 checkout outage", Snippet: "Payment errors reached 38% for 47 minutes before the failover."},
	}
}

// evidence is checkout-service's recommendation and retrieved chunks.
func evidence(t testing.TB) guardrails.Evidence {
	return guardrails.Evidence{Recommendation: checkout(t), Retrieved: retrieved()}
}

// goodDraft is a draft for checkout-service that passes every guard: its
// numbers are facts as written (99.506%), rounded (99.51%), complements
// (an error budget of 1%) and numbers from the runbook its claim cites.
func goodDraft() slorec.Draft {
	return slorec.Draft{
		Summary: "Set checkout-service to 99% availability over 30 days and 95% of requests under 650 ms; its dependencies cap availability at 99.407% when they meet their own SLOs.",
		Targets: []slorec.DraftTarget{
			{SLI: slorec.Availability, Target: 0.99},
			{SLI: slorec.Latency, Target: 0.95, ThresholdMs: 650},
		},
		Rationale: []slorec.RationaleItem{
			{Claim: "Over 60 days checkout-service served 3,918,082 requests at 99.51% availability.", FactIDs: []string{"F1"}, CitationIDs: []string{}},
			{Claim: "payment-service is the tightest hard dependency: alone it caps checkout-service at 99.579%.", FactIDs: []string{"F9", "F6"}, CitationIDs: []string{}},
			{Claim: "The current 99.5% SLO leaves only 0.006% of headroom below the 99.506% ceiling, and none once dependencies are held to their SLOs (99.407%).", FactIDs: []string{"F15", "F8", "F10"}, CitationIDs: []string{}},
			{Claim: "The p95 latency averages 573.2 ms, well above the 271.9 ms floor that payment-service sets (F17).", FactIDs: []string{"F16", "F17"}, CitationIDs: []string{}},
			{Claim: "The payment runbook says to fail over to the secondary provider when errors exceed 2% for 10 minutes.", FactIDs: []string{}, CitationIDs: []string{runbookPayment}},
		},
		Risks: []string{
			"A 1% error budget is spent quickly if payment-service, which fails 0.421% of checkout-service's requests, degrades further.",
			"The latency target leaves 650 ms against a p99 bound of 1257.6 ms for the full call chain.",
		},
		ChosenTier:     "balanced",
		ConfidenceNote: "Confidence is high (1.00): complete metrics over 60 days and measured dependencies.",
	}
}

func marshal(t testing.TB, d slorec.Draft) []byte {
	t.Helper()
	b, err := json.Marshal(d)
	require.NoError(t, err)
	return b
}

// violations lists every violation as "guard path rule".
func violations(vs []slorec.GuardVerdict) []string {
	var out []string
	for _, v := range vs {
		for _, x := range v.Violations {
			out = append(out, fmt.Sprintf("%s %s %s", v.Guard, x.Path, x.Rule))
		}
	}
	return out
}
