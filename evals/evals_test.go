package evals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals"
	"github.com/slorec/slorec/evals/backtest"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/reasoning/recommend"
)

func report(t *testing.T, engine backtest.Engine) *evals.Report {
	t.Helper()
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	r, err := backtest.Run(context.Background(), d, backtest.Config{Seed: 1, Engine: engine})
	require.NoError(t, err)
	rep := &evals.Report{Suite: evals.SuiteBacktest, Engine: engine.Name, Backtest: []*backtest.Result{r},
		Suites: []evals.SuiteStatus{{Name: evals.SuiteBacktest, Ran: true}}}
	rep.Finish()
	return rep
}

// scaledLatency wraps the real engine and multiplies every latency
// threshold by factor: above 1 looser (safer, more slack), below 1
// stricter (tighter, missed).
func scaledLatency(name string, factor float64) backtest.Engine {
	return backtest.Engine{Name: name, Recommend: func(ctx context.Context, in recommend.Input, opt recommend.Options) (*recommend.Result, error) {
		res, err := recommend.Recommend(ctx, in, opt)
		if err != nil {
			return nil, err
		}
		for i := range res.Recommendations {
			for j := range res.Recommendations[i].Objectives {
				if o := &res.Recommendations[i].Objectives[j]; o.SLI == slorec.Latency {
					o.ThresholdMs *= factor
				}
			}
		}
		return res, nil
	}}
}

func TestCompareFindsRegressions(t *testing.T) {
	base := report(t, backtest.DefaultEngine)
	require.Empty(t, evals.Compare(base, base), "a report is no worse than itself")

	var whats []string
	for _, r := range evals.Compare(base, report(t, scaledLatency("looser", 1.5))) {
		whats = append(whats, r.What)
	}
	require.Contains(t, whats, "latency mean slack", "looser thresholds are a slack regression")

	whats = nil
	for _, r := range evals.Compare(base, report(t, scaledLatency("stricter", 0.6))) {
		whats = append(whats, r.What)
	}
	require.Contains(t, whats, "latency attainment", "missed thresholds are an attainment regression")

	// A dataset the baseline had and the new run lacks.
	regs := evals.Compare(base, &evals.Report{Suite: evals.SuiteBacktest})
	require.Len(t, regs, 1)
	require.Equal(t, "not evaluated", regs[0].After)
}

func TestReportRoundTripsAndRendersMarkdown(t *testing.T) {
	rep := report(t, backtest.DefaultEngine)
	path := filepath.Join(t.TempDir(), "r.json")
	data, err := json.Marshal(rep)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	back, err := evals.ReadReport(path)
	require.NoError(t, err)
	require.Empty(t, evals.Compare(rep, back))

	var md bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md))
	s := md.String()
	for _, want := range []string{
		"# slorec offline evaluation", "## Backtest", "### ecommerce",
		"Baselines: **current**", "| availability | slorec | 12 |", "| latency | peer | 12 |",
		"Intrinsic availability inferred from the whole history against truth.json: 12 services",
		"Fleet consistency: 12 availability targets checked, 0 above their dependency ceiling.",
	} {
		require.Contains(t, s, want)
	}
	require.Equal(t, strings.Count(s, "### "), 1)
}

func TestReadReportRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"garbage.json": "{not json", "other.json": `{"services":[]}`} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		_, err := evals.ReadReport(p)
		require.Error(t, err, name)
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	}
	_, err := evals.ReadReport(filepath.Join(dir, "missing.json"))
	require.Error(t, err)
}

func TestAvailability(t *testing.T) {
	ok, _ := evals.Available(evals.SuiteBacktest)
	require.True(t, ok)
	ok, _ = evals.Available(evals.SuiteRetrieval)
	require.True(t, ok)
	for _, s := range []string{evals.SuiteRedteam, evals.SuiteFaithfulness} {
		ok, why := evals.Available(s)
		require.False(t, ok, s)
		require.NotEmpty(t, why)
	}
	ok, why := evals.Available("nonsense")
	require.False(t, ok)
	require.Equal(t, "unknown suite", why)
}
