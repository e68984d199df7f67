package evals

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/evals/backtest"
	"github.com/slorec/slorec/evals/faithfulness"
	"github.com/slorec/slorec/evals/redteam"
)

// Tolerances of Compare: what counts as worse than the baseline report.
const (
	// SlackTolerance is the relative increase in slorec's mean slack
	// (looser targets) tolerated, and SlackFloor the absolute one below
	// which a change is noise (0.0001 = 0.01 pp, or 0.01% of a
	// threshold).
	SlackTolerance = 0.05
	SlackFloor     = 0.0001
	// IntrinsicTolerance is the relative increase in the mean absolute
	// intrinsic-availability error tolerated, above an absolute 0.001 pp.
	IntrinsicTolerance = 0.10
	// RateTolerance is the drop in a faithfulness share tolerated (0.005
	// = half a percentage point): a dataset change can move a share by a
	// claim or two.
	RateTolerance = 0.005
)

// SuiteRegression is the Regression.Dataset of regressions of the
// red-team suite, which runs on one fixed dataset.
const SuiteRegression = "redteam"

// Regression is one way the current report is worse than the baseline.
type Regression struct {
	Dataset string `json:"dataset"`
	What    string `json:"what"`
	Before  string `json:"before"`
	After   string `json:"after"`
}

func (r Regression) String() string {
	return fmt.Sprintf("%s: %s got worse: %s -> %s", r.Dataset, r.What, r.Before, r.After)
}

// ReadReport reads a JSON report written by `slorec eval --format json`.
func ReadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "baseline report: %v", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "baseline report %s: not a slorec eval JSON report: %v", path, err)
	}
	if r.Suite == "" {
		return nil, slorec.Errorf(slorec.EINVALID, "baseline report %s: no suite: not a slorec eval JSON report", path)
	}
	return &r, nil
}

// Compare lists every way cur is worse than base, per dataset present in
// base: a verdict that turned to fail, fewer attained pairs or a lower
// attainment rate per SLI, a looser mean slack beyond the tolerances,
// more targets above their ceiling, a larger intrinsic-availability error,
// and a dataset base evaluated that cur did not. For the red team: a case
// that passed and now misses or is gone, and fewer adversarial cases or
// good drafts; for faithfulness: any share lower than before beyond
// RateTolerance (the guard pass share beyond none).
func Compare(base, cur *Report) []Regression {
	out := compareBacktest(base, cur)
	out = append(out, compareRedteam(base.Redteam, cur.Redteam)...)
	return append(out, compareFaithfulness(base.Faithfulness, cur.Faithfulness)...)
}

func compareBacktest(base, cur *Report) []Regression {
	var out []Regression
	now := map[string]*backtest.Result{}
	for _, r := range cur.Backtest {
		now[r.Dataset] = r
	}
	for _, b := range base.Backtest {
		c, ok := now[b.Dataset]
		if !ok {
			out = append(out, Regression{b.Dataset, "backtest", "evaluated", "not evaluated"})
			continue
		}
		add := func(what, before, after string) {
			out = append(out, Regression{b.Dataset, what, before, after})
		}
		if b.Verdict.Pass && !c.Verdict.Pass {
			add("verdict", "pass", "fail")
		}
		for _, sli := range []slorec.SLIKind{slorec.Availability, slorec.Latency} {
			sb, okb := slorecSummary(b, sli)
			sc, okc := slorecSummary(c, sli)
			if !okb {
				continue
			}
			if !okc {
				add(string(sli)+" pairs", fmt.Sprint(sb.Pairs), "none")
				continue
			}
			if sc.AttainmentRate < sb.AttainmentRate-1e-9 {
				add(string(sli)+" attainment", pctOf(sb.Attained, sb.Pairs), pctOf(sc.Attained, sc.Pairs))
			}
			if d := sc.MeanSlack - sb.MeanSlack; d > SlackFloor && d > SlackTolerance*math.Abs(sb.MeanSlack) {
				add(string(sli)+" mean slack", backtest.SlackText(sli, sb.MeanSlack), backtest.SlackText(sli, sc.MeanSlack))
			}
		}
		nb := len(b.Consistency.AboveCeiling) + len(b.Consistency.Inconsistent)
		nc := len(c.Consistency.AboveCeiling) + len(c.Consistency.Inconsistent)
		if nc > nb {
			add("targets above their ceiling", fmt.Sprint(nb), fmt.Sprint(nc))
		}
		if b.Intrinsic != nil && c.Intrinsic != nil {
			if d := c.Intrinsic.MeanAbsPP - b.Intrinsic.MeanAbsPP; d > 0.001 && d > IntrinsicTolerance*b.Intrinsic.MeanAbsPP {
				add("intrinsic availability error", fmt.Sprintf("%.4f pp", b.Intrinsic.MeanAbsPP), fmt.Sprintf("%.4f pp", c.Intrinsic.MeanAbsPP))
			}
		}
	}
	return out
}

func slorecSummary(r *backtest.Result, sli slorec.SLIKind) (backtest.Summary, bool) {
	for _, s := range r.Summaries {
		if s.Method == backtest.Slorec && s.SLI == sli {
			return s, true
		}
	}
	return backtest.Summary{}, false
}

func compareRedteam(base, cur *redteam.Result) []Regression {
	if base == nil {
		return nil
	}
	if cur == nil {
		return []Regression{{SuiteRegression, "red-team suite", "run", "not run"}}
	}
	var out []Regression
	add := func(what, before, after string) { out = append(out, Regression{SuiteRegression, what, before, after}) }
	if base.Pass && !cur.Pass {
		add("verdict", "pass", "fail")
	}
	if cur.Adversarial < base.Adversarial {
		add("adversarial cases", fmt.Sprint(base.Adversarial), fmt.Sprint(cur.Adversarial))
	}
	if cur.GoodDrafts < base.GoodDrafts {
		add("good drafts", fmt.Sprint(base.GoodDrafts), fmt.Sprint(cur.GoodDrafts))
	}
	now := map[string]redteam.CaseResult{}
	for _, c := range cur.Cases {
		now[c.ID] = c
	}
	for _, b := range base.Cases {
		c, ok := now[b.ID]
		switch {
		case !b.Pass:
		case !ok:
			add("case "+b.ID, "pass", "not run")
		case !c.Pass:
			add("case "+b.ID, "pass", "miss: "+c.Miss)
		}
	}
	return out
}

func compareFaithfulness(base, cur *faithfulness.Result) []Regression {
	if base == nil {
		return nil
	}
	now := map[string]faithfulness.DatasetResult{}
	if cur != nil {
		for _, d := range cur.Datasets {
			now[d.Dataset] = d
		}
	}
	var out []Regression
	for _, b := range base.Datasets {
		c, ok := now[b.Dataset]
		if !ok {
			out = append(out, Regression{b.Dataset, "faithfulness", "evaluated", "not evaluated"})
			continue
		}
		for _, m := range []struct {
			what       string
			before, at float64
			tolerance  float64
		}{
			{"faithfulness: explanations passing every guard", b.GuardPassRate, c.GuardPassRate, 0},
			{"faithfulness: claims citing a fact", b.FactCitedRate, c.FactCitedRate, RateTolerance},
			{"faithfulness: numbers backed by the cited facts", b.NumberBackedRate, c.NumberBackedRate, RateTolerance},
			{"faithfulness: claims fully backed", b.ClaimFaithfulness, c.ClaimFaithfulness, RateTolerance},
			{"faithfulness: explanations citing a source", b.CitedRate, c.CitedRate, RateTolerance},
			{"faithfulness: targets equal to the engine's objective", b.TargetMatchRate, c.TargetMatchRate, RateTolerance},
		} {
			if m.at < m.before-m.tolerance-1e-9 {
				out = append(out, Regression{b.Dataset, m.what, pctRate(m.before), pctRate(m.at)})
			}
		}
	}
	return out
}
