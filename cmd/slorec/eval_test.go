package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/evals"
)

func TestEvalBacktestWritesBothReports(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.md")
	code, stdout, stderr := invoke(t, nil, "eval", "backtest", "--dataset", "../../examples/ecommerce", "--out", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "wrote "+out)
	md, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(md), "### ../../examples/ecommerce")
	rep, err := evals.ReadReport(strings.TrimSuffix(out, ".md") + ".json")
	require.NoError(t, err)
	require.Len(t, rep.Backtest, 1)
	require.Equal(t, 12, rep.Backtest[0].Scored)
}

func TestEvalBaselineRegressionExitsOne(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	code, _, stderr := invoke(t, nil, "eval", "backtest", "--dataset", "../../examples/ecommerce", "--format", "json", "--out", base)
	require.Equal(t, 0, code, stderr)

	// The same run against its own report: nothing got worse.
	code, _, stderr = invoke(t, nil, "eval", "backtest", "--dataset", "../../examples/ecommerce", "--format", "json", "--baseline", base)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "no regressions")

	// A baseline claiming tighter latency slack than the engine gives
	// makes the same run a regression.
	rep, err := evals.ReadReport(base)
	require.NoError(t, err)
	for i := range rep.Backtest[0].Summaries {
		if s := &rep.Backtest[0].Summaries[i]; s.Method == "slorec" && s.SLI == "latency" {
			s.MeanSlack /= 2
		}
	}
	data, err := json.Marshal(rep)
	require.NoError(t, err)
	better := filepath.Join(dir, "better.json")
	require.NoError(t, os.WriteFile(better, data, 0o644))
	code, _, stderr = invoke(t, nil, "eval", "backtest", "--dataset", "../../examples/ecommerce", "--format", "json", "--baseline", better)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "regression: ../../examples/ecommerce: latency mean slack got worse")
}

func TestEvalBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"No suite.", []string{"eval"}, 2, "name a suite"},
		{"An unknown suite.", []string{"eval", "nonsense"}, 2, `unknown suite "nonsense"`},
		{"A suite not built yet.", []string{"eval", "retrieval"}, 1, "not available yet"},
		{"A bad format.", []string{"eval", "backtest", "--format", "xml"}, 2, "is not one of"},
		{"A missing dataset.", []string{"eval", "backtest", "--dataset", "/nonexistent"}, 1, "/nonexistent"},
		{"A split longer than the history.", []string{"eval", "backtest", "--dataset", "../../examples/ecommerce", "--train-days", "50", "--test-days", "20"}, 1, "exceed the 60.00 days of history"},
		{"A baseline that is not a report.", []string{"eval", "backtest", "--baseline", "main.go"}, 1, "not a slorec eval JSON report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := invoke(t, nil, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.want)
		})
	}
}

func TestEvalOutIsAllOrNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "missing-dir", "report.md")
	code, _, stderr := invoke(t, nil, "eval", "backtest", "--dataset", "../../examples/ecommerce", "--out", out)
	require.Equal(t, 1, code, stderr)
	_, err := os.Stat(filepath.Dir(out))
	require.True(t, os.IsNotExist(err), "nothing is created")
}
