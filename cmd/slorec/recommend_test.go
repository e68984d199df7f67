package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/stretchr/testify/require"
)

func TestRecommendCommand(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "recommend", "-dataset", "../../examples/ecommerce", "-format", "json")
	require.Equal(t, 0, code, stderr)
	var out struct {
		Recommendations []slorec.Recommendation `json:"recommendations"`
		Fleet           recommend.Fleet         `json:"fleet"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	require.Len(t, out.Recommendations, 12)
	require.Equal(t, []string{"api-gateway:availability"}, out.Fleet.Infeasible)

	code, stdout, stderr = invoke(t, nil, "recommend", "-service", "checkout-service")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "the tightest dependency of checkout-service is payment-service")
	require.Contains(t, stdout, "Monte Carlo p95 estimate")

	code, _, stderr = invoke(t, nil, "recommend", "-service", "nope")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `service "nope" is not in the catalog`)
	code, _, _ = invoke(t, nil, "recommend", "-format", "xml")
	require.Equal(t, 2, code)
	code, _, stderr = invoke(t, nil, "recommend", "-dataset", t.TempDir())
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "topology.json")
}

func TestImpactCommand(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "impact", "-set", "checkout-service:availability=0.99", "-format", "json")
	require.Equal(t, 0, code, stderr)
	var rep recommend.ImpactReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.Equal(t, "api-gateway", rep.Affected[0].Service)
	require.Equal(t, recommend.StillInfeasible, rep.Affected[0].Status)

	code, stdout, _ = invoke(t, nil, "impact", "-set", "payment-service:availability=99%")
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "committed SLOs this change makes infeasible: checkout-service")

	for _, bad := range []string{"checkout-service", "checkout-service:latency=300", "checkout-service:availability=1.5", "checkout-service:availability=x"} {
		code, _, stderr = invoke(t, nil, "impact", "-set", bad)
		require.Equal(t, 2, code, bad)
		require.Contains(t, stderr, "invalid value")
	}
	code, _, stderr = invoke(t, nil, "impact")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "at least one -set")
	code, _, stderr = invoke(t, nil, "impact", "-set", "ghost:availability=0.99")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `"ghost" is not in the catalog`)
}

func TestRecommendExplain(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "recommend", "--service", "payment-service", "--explain", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var got struct {
		slorec.Recommendation
		Explanation *slorec.Explanation `json:"explanation"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Equal(t, "payment-service", got.Service)
	exp := got.Explanation
	require.NotNil(t, exp)
	require.Equal(t, slorec.DrafterDeterministic, exp.Drafter)
	require.Empty(t, exp.Fallback)
	require.NotEmpty(t, exp.Citations)
	for _, v := range exp.Verdicts {
		require.True(t, v.Passed, v.Guard)
	}

	code, _, stderr = invoke(t, nil, "recommend", "--explain")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--explain needs --service")
}

func TestRecommendExplainFallsBackWhenTheModelIsDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":{"message":"model overloaded"}}`, http.StatusBadRequest)
	}))
	defer srv.Close()
	vars := map[string]string{"SLOREC_LLM_PROVIDER": "openai", "SLOREC_LLM_BASE_URL": srv.URL + "/v1", "SLOREC_LLM_MODEL": "m", "SLOREC_LLM_API_KEY": "sk-test-123"}
	code, stdout, stderr := invoke(t, vars, "recommend", "--service", "payment-service", "--explain")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "drafter: deterministic (fallback: the model call failed: ")
	require.Contains(t, stdout, "guardrails: size pass")
	require.NotContains(t, stdout, "sk-test-123")
}
