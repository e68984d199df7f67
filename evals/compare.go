package evals

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/evals/backtest"
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
)

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
// and a dataset base evaluated that cur did not.
func Compare(base, cur *Report) []Regression {
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
