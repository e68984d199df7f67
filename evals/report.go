package evals

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/evals/backtest"
	"github.com/slorec/slorec/evals/faithfulness"
	"github.com/slorec/slorec/evals/redteam"
	evalret "github.com/slorec/slorec/evals/retrieval"
)

// Suite names.
const (
	SuiteBacktest     = "backtest"
	SuiteRetrieval    = "retrieval"
	SuiteRedteam      = "redteam"
	SuiteFaithfulness = "faithfulness"
	SuiteAll          = "all"
)

// Suites lists the suites in the order "all" runs them.
var Suites = []string{SuiteBacktest, SuiteRetrieval, SuiteRedteam, SuiteFaithfulness}

// pending says why a suite cannot run yet; a suite absent here runs.
// Every suite runs now; a suite added before its layer lands goes here.
var pending = map[string]string{}

// Available reports whether suite can run in this build, and why not.
func Available(suite string) (bool, string) {
	if why, ok := pending[suite]; ok {
		return false, why
	}
	for _, s := range Suites {
		if s == suite {
			return true, ""
		}
	}
	return false, "unknown suite"
}

// SuiteStatus says whether a suite ran.
type SuiteStatus struct {
	Name string `json:"name"`
	Ran  bool   `json:"ran"`
	Note string `json:"note,omitempty"`
}

// Report is the outcome of one `slorec eval` run: what ran, on what data,
// and the results. It is deterministic: the same code, data and flags
// give the same bytes.
type Report struct {
	Suite  string        `json:"suite"`
	Engine string        `json:"engine"`
	Suites []SuiteStatus `json:"suites"`
	// Backtest holds one result per dataset, in the order given.
	Backtest []*backtest.Result `json:"backtest,omitempty"`
	// Retrieval is the labeled-query suite's result.
	Retrieval *evalret.Result `json:"retrieval,omitempty"`
	// Redteam is the adversarial suite's result.
	Redteam *redteam.Result `json:"redteam,omitempty"`
	// Faithfulness holds the explanation-faithfulness measures per
	// dataset.
	Faithfulness *faithfulness.Result `json:"faithfulness,omitempty"`
	// Pass is true when every suite that ran passed on every dataset.
	Pass bool `json:"pass"`
}

// Finish sets Pass from the results.
func (r *Report) Finish() {
	r.Pass = true
	for _, b := range r.Backtest {
		r.Pass = r.Pass && b.Verdict.Pass
	}
	if r.Retrieval != nil {
		r.Pass = r.Pass && r.Retrieval.GoalMet
	}
	if r.Redteam != nil {
		r.Pass = r.Pass && r.Redteam.Pass
	}
	if r.Faithfulness != nil {
		r.Pass = r.Pass && r.Faithfulness.GoalMet
	}
}

// WriteMarkdown renders r for a reader who has not seen the code: what was
// measured, on which data, against which baselines, and the verdicts.
func (r *Report) WriteMarkdown(w io.Writer) error {
	p := &mdWriter{w: w}
	p.f("# slorec offline evaluation\n\n")
	p.f("Engine `%s`, suite `%s`. Overall: **%s**.\n\n", r.Engine, r.Suite, passText(r.Pass))
	p.f("| suite | ran | note |\n|---|---|---|\n")
	for _, s := range r.Suites {
		ran := "yes"
		if !s.Ran {
			ran = "no"
		}
		p.f("| %s | %s | %s |\n", s.Name, ran, s.Note)
	}
	if len(r.Backtest) > 0 {
		writeBacktest(p, r.Backtest)
	}
	if r.Retrieval != nil {
		writeRetrieval(p, r.Retrieval)
	}
	if r.Redteam != nil {
		writeRedteam(p, r.Redteam)
	}
	if r.Faithfulness != nil {
		writeFaithfulness(p, r.Faithfulness)
	}
	return p.err
}

func writeBacktest(p *mdWriter, results []*backtest.Result) {
	p.f("\n## Backtest\n\n")
	p.f("Each dataset's history is split in time: the engine is fitted on the training window and its targets are scored on the test window that follows, with an SLO window as long as the test window. ")
	p.f("An availability target is attained when the test window's availability (good / total requests) reaches it; a latency target when the test window's share of requests under the threshold reaches the percentile. ")
	p.f("Slack is achieved minus target for availability (in percentage points) and the threshold's margin over the test window's own percentile latency for latency (as a share of the threshold); budget burned is the test window's errors (or slow requests) over the target's budget.\n\n")
	p.f("Baselines: **current** (the dataset's committed SLOs, where it has any), **observed-mean** (the training window's mean availability and mean percentile latency), **fixed-99.9** (99.9%% availability for everyone), and **peer** (the 99%%-of-windows availability of rolling SLO-length windows capped by the product of the hard dependencies' availabilities, and the 99th percentile of the training percentile series for latency). ")
	p.f("A dataset passes when slorec attains at least %.0f%% of its service-SLI pairs, no recommended target is above its dependency ceiling, and no baseline that also attains %.0f%% of the shared pairs is tighter (smaller mean slack) on them; a baseline sharing fewer than %d pairs with slorec is shown but not judged.\n\n", 100*backtest.MinAttainment, 100*backtest.MinAttainment, backtest.MinSharedPairs)

	p.f("| dataset | services scored | buckets | train / test days | slorec attained | availability slack | latency slack | intrinsic error (mean / max) | verdict |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		att, pairs := 0, 0
		slack := map[slorec.SLIKind]string{slorec.Availability: "-", slorec.Latency: "-"}
		for _, s := range r.Summaries {
			if s.Method == backtest.Slorec {
				att += s.Attained
				pairs += s.Pairs
				slack[s.SLI] = backtest.SlackText(s.SLI, s.MeanSlack)
			}
		}
		intr := "-"
		if r.Intrinsic != nil {
			intr = fmt.Sprintf("%.4f / %.4f pp", r.Intrinsic.MeanAbsPP, r.Intrinsic.MaxAbsPP)
		}
		p.f("| %s | %d of %d | %s | %s / %s | %d / %d (%s) | %s | %s | %s | %s |\n", r.Dataset, r.Scored, r.Services, r.BucketWidth,
			days(r.Train.Days), days(r.Test.Days), att, pairs, pctOf(att, pairs), slack[slorec.Availability], slack[slorec.Latency], intr, passText(r.Verdict.Pass))
	}

	for _, r := range results {
		p.f("\n### %s\n\n", r.Dataset)
		p.f("Training %s to %s (%s days), test %s to %s (%s days), %s buckets, SLO window %d days, tier %s, engine `%s`.\n\n",
			r.Train.Start.Format("2006-01-02 15:04"), r.Train.End.Format("2006-01-02 15:04"), days(r.Train.Days),
			r.Test.Start.Format("2006-01-02 15:04"), r.Test.End.Format("2006-01-02 15:04"), days(r.Test.Days),
			r.BucketWidth, r.WindowDays, r.Tier, r.Engine)
		p.f("**Verdict: %s.**\n\n", passText(r.Verdict.Pass))
		for _, why := range r.Verdict.Reasons {
			p.f("- %s\n", why)
		}
		p.f("\n| SLI | method | pairs | attained | rate | mean slack | mean budget burned |\n|---|---|---|---|---|---|---|\n")
		for _, s := range r.Summaries {
			p.f("| %s | %s | %d | %d | %s | %s | %.1f%% |\n", s.SLI, s.Method, s.Pairs, s.Attained, pctOf(s.Attained, s.Pairs), backtest.SlackText(s.SLI, s.MeanSlack), 100*s.MeanBurned)
		}
		p.f("\nslorec against each baseline on the pairs both cover:\n\n| SLI | baseline | shared pairs | slorec rate | baseline rate | slorec slack | baseline slack | slorec tighter |\n|---|---|---|---|---|---|---|---|\n")
		for _, c := range r.Comparisons {
			tighter := yes(c.SlorecTighter)
			if !c.Judged {
				tighter += " (not judged: too few pairs)"
			}
			p.f("| %s | %s | %d | %.1f%% | %.1f%% | %s | %s | %s |\n", c.SLI, c.Baseline, c.Pairs, 100*c.SlorecRate, 100*c.BaselineRate,
				backtest.SlackText(c.SLI, c.SlorecSlack), backtest.SlackText(c.SLI, c.BaselineSlack), tighter)
		}
		p.f("\nFleet consistency: %d availability targets checked, %d above their dependency ceiling.\n",
			r.Consistency.Checked, len(r.Consistency.AboveCeiling)+len(r.Consistency.Inconsistent))
		if in := r.Intrinsic; in != nil {
			p.f("\nIntrinsic availability inferred from the whole history against truth.json: %d services, mean absolute error %.4f pp, largest %.4f pp (%s).\n",
				len(in.Services), in.MeanAbsPP, in.MaxAbsPP, in.MaxService)
		}
		var misses []string
		for _, pr := range r.Pairs {
			if pr.Method == backtest.Slorec && !pr.Attained {
				misses = append(misses, missText(pr))
			}
		}
		if len(misses) > 0 {
			p.f("\nslorec targets missed in the test window:\n\n")
			for _, m := range misses {
				p.f("- %s\n", m)
			}
		}
		for _, n := range r.Notes {
			p.f("\nNote: %s\n", n)
		}
	}
}

func writeRetrieval(p *mdWriter, r *evalret.Result) {
	p.f("\n## Retrieval\n\n")
	p.f("%d labeled questions, written as an SRE would ask them, each with the documents or sections that answer it, run against %d documents (%d chunks): the shipped corpus and, where present, the 108 third-party Prometheus-operator runbooks. ", r.Queries, r.Documents, r.Chunks)
	p.f("recall@5 is the share of a question's relevant ids found in the top five hits, MRR@10 the mean reciprocal rank of the first relevant hit, nDCG@10 with binary gains; all are means over questions. Goal: hybrid recall@5 of at least 0.90 and above every single leg: **%s**.\n\n", map[bool]string{true: "met", false: "not met"}[r.GoalMet])
	p.f("| configuration | mode | model | recall@5 | MRR@10 | nDCG@10 | questions with nothing relevant in the top 5 |\n|---|---|---|---|---|---|---|\n")
	for _, c := range r.Configs {
		model := c.Model
		if model == "" {
			model = "-"
		}
		p.f("| %s | %s | %s | %.3f | %.3f | %.3f | %s |\n", c.Name, c.Mode, model, c.Recall5, c.MRR10, c.NDCG10, strings.Join(c.Failures, ", "))
	}
	p.f("\nBy document set (recall@5 / MRR@10):\n\n| configuration |")
	var sets []string
	if len(r.Configs) > 0 {
		for _, s := range r.Configs[0].PerSet {
			sets = append(sets, s.Set)
			p.f(" %s |", s.Set)
		}
	}
	p.f("\n|---|%s\n", strings.Repeat("---|", len(sets)))
	for _, c := range r.Configs {
		p.f("| %s |", c.Name)
		for _, s := range c.PerSet {
			p.f(" %.3f / %.3f (%d) |", s.Recall5, s.MRR10, s.Queries)
		}
		p.f("\n")
	}
	for _, v := range r.Verdict {
		p.f("\n%s.\n", v)
	}
	for _, s := range r.Skipped {
		p.f("\nSkipped: %s\n", s)
	}
}

func writeRedteam(p *mdWriter, r *redteam.Result) {
	p.f("\n## Red team\n\n")
	p.f("%d adversarial cases, %d good drafts and %d benign chat messages on the %s. ", r.Adversarial, r.GoodDrafts, r.Benign, r.Dataset)
	p.f("Every draft case runs end to end through the advisor: the real LLM drafter (`%s`) calls a scripted OpenAI-compatible server over HTTP, so JSON extraction, retries, every guardrail, the one repair round and the deterministic fallback run as in production. ", r.Model)
	p.f("Adversarial drafts are the valid draft of the request (the deterministic drafter's) with one defect. ")
	p.f("**blocked**: the model's draft and its repair are rejected and the deterministic fallback is used and recorded (attempts and audit log); **repaired**: the first draft is rejected and the model's good repair is used; good drafts must be used as the model wrote them, with no fallback. ")
	p.f("Attacks on the inputs (injection inside a retrieved document, personal data in documents, incidents and catalog fields) also require that the scripted server never received the text; chat messages are screened with the chat screen. ")
	p.f("The suite passes when every case meets its expectation: **%s** (%d misses).\n\n", passText(r.Pass), r.Misses)
	p.f("| category | cases | blocked | repaired | passed good drafts | misses |\n|---|---|---|---|---|---|\n")
	var tot redteam.CategoryTotal
	for _, c := range r.Categories {
		p.f("| %s | %d | %d | %d | %d | %d |\n", c.Category, c.Cases, c.Blocked, c.Repaired, c.Accepted, c.Misses)
		tot.Cases += c.Cases
		tot.Blocked += c.Blocked
		tot.Repaired += c.Repaired
		tot.Accepted += c.Accepted
		tot.Misses += c.Misses
	}
	p.f("| **all** | %d | %d | %d | %d | %d |\n", tot.Cases, tot.Blocked, tot.Repaired, tot.Accepted, tot.Misses)
	if r.Misses > 0 {
		p.f("\n### Misses\n\n")
		for _, c := range r.Cases {
			if c.Pass {
				continue
			}
			p.f("- `%s` (%s, %s; expected %s, got %s): %s How: %s. Miss: %s.", c.ID, c.Category, cmp.Or(c.Service, "chat"), c.Expected, orDash(c.Outcome), c.Description, c.How, c.Miss)
			if len(c.Rules) > 0 {
				p.f(" Rules fired: %s.", strings.Join(c.Rules, ", "))
			}
			if c.Fallback != "" {
				p.f(" Fallback: %s.", c.Fallback)
			}
			p.f("\n")
		}
	}
	var echoed []string
	for _, c := range r.Cases {
		if len(c.Echoed) > 0 {
			echoed = append(echoed, fmt.Sprintf("`%s` (%s)", c.ID, strings.Join(c.Echoed, ", ")))
		}
	}
	if len(echoed) > 0 {
		p.f("\nObservation, not a miss: in %d cases the repair request sent the rejected draft back to the model with the text the guardrails rejected it for: %s. The model wrote that text itself, but the repair's list of problems withholds such text and the previous output does not.\n", len(echoed), strings.Join(echoed, "; "))
	}
	p.f("\n### Cases\n\n| case | category | service | expected | outcome | drafter | rules fired on the first draft |\n|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cases {
		rules := strings.Join(c.Rules, ", ")
		if c.Error != "" {
			rules = "call failed: " + c.Error
		}
		outcome := orDash(c.Outcome)
		if !c.Pass {
			outcome = "**" + outcome + " (miss)**"
		}
		p.f("| %s | %s | %s | %s | %s | %s | %s |\n", c.ID, c.Category, cmp.Or(c.Service, "-"), c.Expected, outcome, cmp.Or(c.Drafter, "-"), orDash(rules))
	}
}

func writeFaithfulness(p *mdWriter, r *faithfulness.Result) {
	p.f("\n## Faithfulness\n\n")
	p.f("Every service of every dataset explained by the advisor with the %s drafter and knowledge from %s. ", r.Drafter, r.Knowledge)
	p.f("A claim's number is backed when a fact the claim itself cites states it (its value, as a ratio or a percent, or a number of its statement, within rounding or truncation to the digits written); counting words 0 to 10 are left out. ")
	p.f("This is stricter than the numeric guardrail, which accepts a number any fact or objective states. Claim-level faithfulness is the share of claims with numbers whose every number is backed. ")
	p.f("Goal: every explanation passes every guardrail and claim-level faithfulness is at least %.2f: **%s**.\n\n", faithfulness.MinClaimFaithfulness, map[bool]string{true: "met", false: "not met"}[r.GoalMet])
	p.f("| dataset | explanations | pass every guard | claims citing a fact | numbers backed by the cited facts | claims fully backed | cite a source | mean citations | targets = engine objective |\n|---|---|---|---|---|---|---|---|---|\n")
	row := func(name string, m faithfulness.Measures) {
		p.f("| %s | %d | %d (%s) | %d of %d (%s) | %d of %d (%s) | %d of %d (%s) | %d (%s) | %.2f | %d of %d (%s) |\n", name, m.Explanations,
			m.GuardPassed, pctRate(m.GuardPassRate), m.FactCited, m.Claims, pctRate(m.FactCitedRate),
			m.NumbersBacked, m.Numbers, pctRate(m.NumberBackedRate), m.ClaimsBacked, m.ClaimsWithNumbers, pctRate(m.ClaimFaithfulness),
			m.WithCitation, pctRate(m.CitedRate), m.MeanCitations, m.TargetsEqual, m.Targets, pctRate(m.TargetMatchRate))
	}
	for _, d := range r.Datasets {
		row(d.Dataset, d.Measures)
	}
	row("**all**", r.Overall)
	for _, d := range r.Datasets {
		if len(d.Failures)+len(d.Unbacked)+len(d.Skipped) == 0 {
			continue
		}
		p.f("\n### Faithfulness on %s\n\n", d.Dataset)
		for _, f := range d.Failures {
			p.f("- Guardrail failure: %s\n", f)
		}
		for _, s := range d.Skipped {
			p.f("- Not explained: %s\n", s)
		}
		if len(d.Unbacked) > 0 {
			p.f("- Numbers the claim's facts do not back: %s\n", strings.Join(d.Unbacked, "; "))
		}
	}
}

func pctRate(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func orDash(s string) string { return cmp.Or(s, "-") }

func missText(p backtest.Pair) string {
	if p.SLI == slorec.Availability {
		return fmt.Sprintf("%s availability: target %s, achieved %s (budget burned %.0f%%)", p.Service, pct(p.Target), pct(p.Achieved), 100*p.BudgetBurned)
	}
	return fmt.Sprintf("%s latency: p%g under %g ms, achieved %s under it (the test window's p%g was %g ms)", p.Service, p.Percentile, p.ThresholdMs, pct(p.Achieved), p.Percentile, p.AchievedMs)
}

type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) f(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func passText(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func pctOf(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}

func pct(v float64) string {
	s := fmt.Sprintf("%.4f", 100*v)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".") + "%"
}

func days(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
