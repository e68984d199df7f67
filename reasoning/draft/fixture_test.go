package draft_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/reasoning/draft"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/stretchr/testify/require"
)

var (
	exampleOnce sync.Once
	exampleRecs []slorec.Recommendation
	exampleErr  error
)

// exampleRecommendations runs the engine on the embedded e-commerce
// example, one service at a time so each gets its full working (critical
// path, Monte Carlo), as `slorec recommend --service` does. Callers get
// fresh copies.
func exampleRecommendations(t testing.TB) []slorec.Recommendation {
	t.Helper()
	exampleOnce.Do(func() {
		d, err := dataset.LoadFS(examples.Ecommerce(), "examples/ecommerce", dataset.LoadOptions{})
		if err != nil {
			exampleErr = err
			return
		}
		in := recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}
		for _, s := range d.Graph.Services {
			res, err := recommend.RecommendService(context.Background(), in, s.ID, recommend.Options{Seed: 1})
			if err != nil {
				exampleErr = err
				return
			}
			exampleRecs = append(exampleRecs, res.Recommendations[0])
		}
	})
	require.NoError(t, exampleErr)
	out := make([]slorec.Recommendation, len(exampleRecs))
	for i, r := range exampleRecs {
		out[i] = clone(t, r)
	}
	return out
}

func clone(t testing.TB, r slorec.Recommendation) slorec.Recommendation {
	t.Helper()
	raw, err := json.Marshal(r)
	require.NoError(t, err)
	var out slorec.Recommendation
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// checkout is a fixed recommendation (testdata/checkout-service.json, the
// engine's output for the example's checkout-service when it was written),
// so golden files do not move when the engine does.
func checkout(t testing.TB) *slorec.Recommendation {
	t.Helper()
	raw, err := os.ReadFile("testdata/checkout-service.json")
	require.NoError(t, err)
	var r slorec.Recommendation
	require.NoError(t, json.Unmarshal(raw, &r))
	return &r
}

// sources are retrieved chunks of each kind the corpus has, one with
// digits in its title.
func sources() []draft.Source {
	return []draft.Source{
		{ID: "runbook/payment-provider-degradation#mitigation", Title: "Payment provider degradation", Kind: "runbook",
			Text: "When the payment provider degrades, fail over to the secondary provider and queue captures."},
		{ID: "guide/extra-nine-dependency-math#rule", Title: "The extra nine: dependency math", Kind: "guide",
			Text: "Each critical dependency should be about ten times less unavailable than its dependent's target."},
		{ID: "postmortem/aws-s3-us-east-1-2017#impact", Title: "AWS S3 us-east-1 outage 2017", Kind: "postmortem",
			Text: "A mistyped command removed more capacity than intended; dependent services failed for hours."},
		{ID: "provider-sla/stripe-payment-provider-status#sla", Title: "Stripe payment provider status", Kind: "provider-sla",
			Text: "The provider publishes its status and historical uptime."},
	}
}
