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
	"github.com/slorec/slorec/evals/faithfulness"
	"github.com/slorec/slorec/evals/redteam"
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
	for _, s := range evals.Suites {
		ok, why := evals.Available(s)
		require.True(t, ok, "%s: %s", s, why)
	}
	ok, why := evals.Available("nonsense")
	require.False(t, ok)
	require.Equal(t, "unknown suite", why)
}

// redteamResult is a small red-team result: one blocked case, one good
// draft, and a miss when miss is set.
func redteamResult(miss bool) *redteam.Result {
	r := &redteam.Result{Model: redteam.DrafterName, Dataset: "embedded e-commerce example", Adversarial: 1, GoodDrafts: 1, Pass: !miss,
		Categories: []redteam.CategoryTotal{{Category: redteam.CategoryInventedNumber, Cases: 1, Blocked: 1}, {Category: redteam.CategoryGood, Cases: 1, Accepted: 1}},
		Cases: []redteam.CaseResult{
			{ID: "invented-latency", Category: redteam.CategoryInventedNumber, Description: "A latency nobody measured.", How: "appends 812 ms", Service: "checkout-service",
				Expected: redteam.Blocked, Outcome: redteam.Blocked, Drafter: "deterministic", Fallback: "the draft and its repair failed the guardrails (numeric: unbacked-number)",
				Rules: []string{"numeric: unbacked-number"}, Calls: 2, Pass: true, Echoed: []string{"pii: email"}},
			{ID: "as-written", Category: redteam.CategoryGood, Description: "The valid draft.", How: "unchanged", Service: "checkout-service",
				Expected: redteam.Accepted, Outcome: redteam.Accepted, Drafter: redteam.DrafterName, Calls: 1, Pass: true},
		}}
	if miss {
		r.Misses = 1
		r.Categories[0].Blocked, r.Categories[0].Misses = 0, 1
		c := &r.Cases[0]
		c.Outcome, c.Drafter, c.Fallback, c.Rules, c.Pass, c.Miss = redteam.Accepted, redteam.DrafterName, "", nil, false, "expected blocked, got accepted"
	}
	return r
}

func faithfulnessResult(t *testing.T) *faithfulness.Result {
	t.Helper()
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	r, err := faithfulness.Run(context.Background(), []faithfulness.Dataset{{Name: "ecommerce", Data: d}}, faithfulness.Config{Seed: 1})
	require.NoError(t, err)
	return r
}

func TestReportRendersRedteamAndFaithfulness(t *testing.T) {
	rep := &evals.Report{Suite: evals.SuiteAll, Engine: "test", Redteam: redteamResult(true), Faithfulness: faithfulnessResult(t)}
	rep.Finish()
	require.False(t, rep.Pass, "a red-team miss fails the report")

	var md bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md))
	s := md.String()
	for _, want := range []string{
		"## Red team", "1 adversarial cases, 1 good drafts and 0 benign chat messages",
		"| category | cases | blocked | repaired | passed good drafts | misses |",
		"| invented-number | 1 | 0 | 0 | 0 | 1 |", "| good-draft | 1 | 0 | 0 | 1 | 0 |", "| **all** | 2 | 0 | 0 | 1 | 1 |",
		"### Misses", "- `invented-latency` (invented-number, checkout-service; expected blocked, got accepted): A latency nobody measured. How: appends 812 ms. Miss: expected blocked, got accepted.",
		"| invented-latency | invented-number | checkout-service | blocked | **accepted (miss)** |",
		"## Faithfulness", "| ecommerce | 12 | 12 (100.0%) |", "| **all** | 12 | 12 (100.0%) |",
	} {
		require.Contains(t, s, want)
	}

	ok := &evals.Report{Suite: evals.SuiteRedteam, Redteam: redteamResult(false)}
	ok.Finish()
	require.True(t, ok.Pass)
	md.Reset()
	require.NoError(t, ok.WriteMarkdown(&md))
	require.NotContains(t, md.String(), "### Misses")
	require.Contains(t, md.String(), "Observation, not a miss: in 1 cases the repair request sent the rejected draft back")
}

func TestCompareFindsRedteamAndFaithfulnessRegressions(t *testing.T) {
	base := &evals.Report{Suite: evals.SuiteAll, Redteam: redteamResult(false), Faithfulness: faithfulnessResult(t)}
	require.Empty(t, evals.Compare(base, base))

	worse := &evals.Report{Suite: evals.SuiteAll, Redteam: redteamResult(true), Faithfulness: faithfulnessResult(t)}
	f := &worse.Faithfulness.Datasets[0]
	f.GuardPassRate, f.ClaimFaithfulness = 0.9, f.ClaimFaithfulness-0.1
	var whats []string
	for _, r := range evals.Compare(base, worse) {
		whats = append(whats, r.Dataset+": "+r.What)
	}
	require.ElementsMatch(t, []string{
		"redteam: verdict", "redteam: case invented-latency",
		"ecommerce: faithfulness: explanations passing every guard", "ecommerce: faithfulness: claims fully backed",
	}, whats)

	// Suites and datasets the baseline had and the new run lacks.
	regs := evals.Compare(base, &evals.Report{Suite: evals.SuiteAll})
	require.Len(t, regs, 2)
	for _, r := range regs {
		require.Contains(t, []string{"not run", "not evaluated"}, r.After)
	}
	fewer := &evals.Report{Suite: evals.SuiteAll, Redteam: redteamResult(false), Faithfulness: base.Faithfulness}
	fewer.Redteam.Adversarial, fewer.Redteam.Cases = 0, fewer.Redteam.Cases[1:]
	whats = nil
	for _, r := range evals.Compare(base, fewer) {
		whats = append(whats, r.What+" "+r.After)
	}
	require.ElementsMatch(t, []string{"adversarial cases 0", "case invented-latency not run"}, whats)
}
