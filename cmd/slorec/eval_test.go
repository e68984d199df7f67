package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals"
	"github.com/slorec/slorec/evals/redteam"
)

func TestEvalBacktestWritesBothReports(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.md")
	code, stdout, stderr := invoke(t, nil, "eval", "backtest", "--dataset", "../../examples/ecommerce", "--out", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "wrote "+out)
	md, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(md), "### ../../examples/ecommerce")
	fi, err := os.Stat(out)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "readable by others")
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

func TestEvalRedteam(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "redteam.json")
	code, _, stderr := invoke(t, nil, "eval", "redteam", "--format", "json", "--out", out)
	require.Equal(t, 0, code, "a miss fails the report, not the command: %s", stderr)
	rep, err := evals.ReadReport(out)
	require.NoError(t, err)
	require.Nil(t, rep.Backtest, "only the red team ran")
	r := rep.Redteam
	require.NotNil(t, r)
	require.GreaterOrEqual(t, r.Adversarial, 60)
	require.GreaterOrEqual(t, r.GoodDrafts, 25)
	require.Len(t, r.Cases, r.Adversarial+r.GoodDrafts+r.Benign)
	require.Equal(t, r.Pass, rep.Pass)
	require.Equal(t, evals.SuiteStatus{Name: evals.SuiteRedteam, Ran: true,
		Note: fmt.Sprintf("%d adversarial cases, %d good drafts, %d benign messages; %d misses", r.Adversarial, r.GoodDrafts, r.Benign, r.Misses)}, rep.Suites[0])
	md, err := os.ReadFile(filepath.Join(dir, "redteam.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "## Red team")
	require.Contains(t, string(md), "| category | cases | blocked | repaired | passed good drafts | misses |")

	// A baseline with a passing case this run does not have: a regression.
	rep.Redteam.Cases = append(rep.Redteam.Cases, redteam.CaseResult{ID: "retired-case", Category: redteam.CategoryGood, Pass: true})
	data, err := json.Marshal(rep)
	require.NoError(t, err)
	base := filepath.Join(dir, "base.json")
	require.NoError(t, os.WriteFile(base, data, 0o644))
	code, _, stderr = invoke(t, nil, "eval", "redteam", "--format", "json", "--baseline", base)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "regression: redteam: case retired-case got worse: pass -> not run")
}

func TestEvalFaithfulness(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "eval", "faithfulness", "--dataset", "../../examples/ecommerce", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var rep evals.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.NotNil(t, rep.Faithfulness)
	require.Len(t, rep.Faithfulness.Datasets, 1)
	d := rep.Faithfulness.Datasets[0]
	require.Equal(t, "../../examples/ecommerce", d.Dataset)
	require.Equal(t, 12, d.Explanations)
	require.Equal(t, 12, d.GuardPassed, "every explanation of the example passes every guardrail: %v", d.Failures)
	require.Equal(t, 1.0, d.TargetMatchRate)
	require.Equal(t, d.Measures, rep.Faithfulness.Overall)

	code, stdout, stderr = invoke(t, nil, "eval", "faithfulness", "--dataset", "../../examples/ecommerce")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "## Faithfulness")
	require.Contains(t, stdout, "| ../../examples/ecommerce | 12 | 12 (100.0%) |")
}

func TestEvalOutIsAllOrNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "missing-dir", "report.md")
	code, _, stderr := invoke(t, nil, "eval", "backtest", "--dataset", "../../examples/ecommerce", "--out", out)
	require.Equal(t, 1, code, stderr)
	_, err := os.Stat(filepath.Dir(out))
	require.True(t, os.IsNotExist(err), "nothing is created")
}

func TestEvalGenWritesALoadableDataset(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fleet")
	code, stdout, stderr := invoke(t, nil, "eval", "gen", "--services", "20", "--days", "10", "--seed", "4", "--out", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "wrote "+out+": 20 services, 4800 buckets")
	d, err := dataset.Load(out, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, d.Graph.Services, 20)
	require.NotNil(t, d.Truth, "a generated dataset carries its ground truth")

	// The same seed gives the same bytes.
	again := filepath.Join(t.TempDir(), "again")
	code, _, stderr = invoke(t, nil, "eval", "gen", "--services", "20", "--days", "10", "--seed", "4", "--out", again)
	require.Equal(t, 0, code, stderr)
	for _, f := range []string{"topology.json", "metrics.csv", "truth.json"} {
		a, err := os.ReadFile(filepath.Join(out, f))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(again, f))
		require.NoError(t, err)
		require.Equal(t, a, b, f)
	}

	// A source topology from the shared data, with the built-in
	// assumptions for its system.
	src := filepath.Join(t.TempDir(), "bookinfo")
	code, _, stderr = invoke(t, nil, "eval", "gen", "--topology", "../../../shared/data/topology/istio-bookinfo/source-topology.json", "--days", "5", "--out", src)
	require.Equal(t, 0, code, stderr)
}

func TestEvalGenRefusesBadInputAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	require.NoError(t, os.MkdirAll(full, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(full, "keep.txt"), []byte("x"), 0o644))
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"services":[{"id":"a","deps":[{"target":"a"}]}]}`), 0o644))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"No source.", []string{"--out", filepath.Join(dir, "x")}, 2, "exactly one of"},
		{"Two sources.", []string{"--services", "3", "--builtin", "sock-shop", "--out", filepath.Join(dir, "x")}, 2, "exactly one of"},
		{"No output.", []string{"--services", "3"}, 2, "-out is required"},
		{"Too many days.", []string{"--services", "3", "--days", "400", "--out", filepath.Join(dir, "x")}, 2, "-days 400"},
		{"An unknown built-in.", []string{"--builtin", "nope", "--out", filepath.Join(dir, "x")}, 2, `no built-in dataset "nope"`},
		{"A non-empty output.", []string{"--services", "3", "--out", full}, 1, "exists and is not empty"},
		{"A missing topology.", []string{"--topology", filepath.Join(dir, "none.json"), "--out", filepath.Join(dir, "x")}, 1, "no such file"},
		{"A self-dependency.", []string{"--topology", bad, "--out", filepath.Join(dir, "x")}, 1, `self-dependency: "a" depends on itself`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := invoke(t, nil, append([]string{"eval", "gen"}, tt.args...)...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.want)
			_, err := os.Stat(filepath.Join(dir, "x"))
			require.True(t, os.IsNotExist(err), "nothing written")
		})
	}
	entries, err := os.ReadDir(full)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the non-empty directory is untouched")
}
