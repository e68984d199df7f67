package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/reasoning/scorecard"
)

func TestScorecardOfTheExample(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "scorecard", "--dataset", "../../examples/ecommerce", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var rep scorecard.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.Equal(t, 12, rep.TotalServices)
	require.Len(t, rep.Services, 12)
	require.Equal(t, 4, rep.SLOs)
	cards := map[string]scorecard.Card{}
	for _, c := range rep.Services {
		cards[c.Service] = c
	}
	checkout := cards["checkout-service"]
	require.Equal(t, scorecard.TrendSpiking, checkout.Cost.Trend)
	require.InDelta(t, 0.25, checkout.Cost.Change, 1e-12, "2,800 to 3,500")
	require.True(t, checkout.Cost.OverBudget)
	require.Equal(t, "checkout-team", checkout.Team)
	require.False(t, cards["inventory-service"].Cost.BudgetSet, "the example has a service without a budget")
	require.Equal(t, scorecard.NonCompliant, cards["inventory-service"].Governance.Status)
	require.Equal(t, scorecard.Partial, checkout.Governance.Status)

	var extra struct {
		Currency string `json:"currency"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &extra))
	require.Equal(t, "USD", extra.Currency)

	code, stdout, stderr = invoke(t, nil, "scorecard", "--dataset", "../../examples/ecommerce")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"fleet: 12 services (",
		"SLOs breached 2 of 4",
		" USD; average reliability ",
		"SERVICE               HEALTH    POINTS  SLOS MET  RELIABILITY  GOVERNANCE     COST TREND         OVER BUDGET",
		"spiking (+25%)     yes",
		"no budget",
		"    - slo +2: SLO breached: availability at 99.495% against 99.5%",
	} {
		require.Contains(t, stdout, want)
	}
}

func TestScorecardSaysPlatformDataIsAbsent(t *testing.T) {
	dir := t.TempDir()
	copyExample(t, dir, "topology.json", "metrics.csv", "slos.json", "incidents.json")
	code, stdout, stderr := invoke(t, nil, "scorecard", "--dataset", dir)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "no platform.json: no cost data or budgets")
	require.Contains(t, stdout, "monthly cost 0.00;")
}

func TestScorecardUsageErrors(t *testing.T) {
	code, _, stderr := invoke(t, nil, "scorecard")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "-dataset is required")

	code, _, stderr = invoke(t, nil, "scorecard", "--dataset", "../../examples/ecommerce", "--format", "xml")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `-format "xml" is not one of table, json`)
}

func TestScorecardRefusesABrokenPlatformFile(t *testing.T) {
	dir := t.TempDir()
	copyExample(t, dir, "topology.json", "metrics.csv")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "platform.json"), []byte(`{"services": {
  "checkout-service": {"change_failure_rate": 8}
}}`), 0o644))
	code, stdout, stderr := invoke(t, nil, "scorecard", "--dataset", dir)
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, `platform.json:2: services["checkout-service"].change_failure_rate: 8 looks like a percentage`)
}

func copyExample(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("../../examples/ecommerce", name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
}
