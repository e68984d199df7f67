// Package faithfulness is the suite of `slorec eval faithfulness`: for
// every service of every dataset it explains the engine's recommendation
// with the advisor, the deterministic drafter and knowledge from the
// shipped corpus and the dataset's incidents (full-text retrieval, so the
// result does not depend on an embedding model being installed), and
// measures how faithful the explanations are to the engine:
//
//   - the share of explanations that pass every guardrail (goal: all);
//   - the share of rationale claims that cite at least one fact;
//   - for each claim, the share of its numbers that the facts it cites
//     back (value or statement, within rounding). This is stricter than
//     the numeric guardrail, which accepts a number any fact states: here
//     a number must come from the claim's own facts. Claim-level
//     faithfulness is the share of claims with numbers all of whose
//     numbers are so backed (goal: at least MinClaimFaithfulness);
//   - the share of explanations citing at least one retrieved chunk, and
//     the mean number of chunks cited;
//   - the share of draft targets equal to the engine's recommended
//     objective (target, and threshold for latency).
package faithfulness

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/corpus"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/guardrails"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/stats"
	"github.com/slorec/slorec/retrieval"
)

// Goals.
const (
	// MinGuardPass is the share of explanations that must pass every
	// guardrail: all of them, since the deterministic drafter is the
	// fallback of every other.
	MinGuardPass = 1.0
	// MinClaimFaithfulness is the least share of claims with numbers
	// whose every number the claim's own facts back.
	MinClaimFaithfulness = 0.95
)

// MaxExamples bounds the unbacked numbers and failures listed per
// dataset.
const MaxExamples = 10

// Dataset is one dataset to explain.
type Dataset struct {
	Name string
	Data *dataset.Dataset
}

// Config configures a run. The zero value is the default.
type Config struct {
	// Tier is the tier the engine recommends; zero means balanced.
	Tier stats.Tier
	// Seed seeds the engine's bootstrap.
	Seed uint64
	// Workers bounds the services explained at once; zero means
	// GOMAXPROCS, at most 8.
	Workers int
}

// Measures are the counts of one dataset (or all of them) and the shares
// computed from them.
type Measures struct {
	// Explanations counts the services explained (or tried: a service
	// whose explanation failed counts, as not passing the guards);
	// GuardPassed those whose explanation passed every guardrail.
	Explanations int `json:"explanations"`
	GuardPassed  int `json:"guard_passed"`
	// Claims counts rationale claims; FactCited those citing a fact.
	Claims    int `json:"claims"`
	FactCited int `json:"fact_cited"`
	// Numbers counts the numbers in claims (counting words 0 to 10 left
	// out), NumbersBacked those the claim's own facts back.
	Numbers       int `json:"numbers"`
	NumbersBacked int `json:"numbers_backed"`
	// ClaimsWithNumbers counts claims with at least one number,
	// ClaimsBacked those all of whose numbers are backed.
	ClaimsWithNumbers int `json:"claims_with_numbers"`
	ClaimsBacked      int `json:"claims_backed"`
	// WithCitation counts explanations citing a retrieved chunk;
	// Citations the chunks cited in all.
	WithCitation int `json:"with_citation"`
	Citations    int `json:"citations"`
	// Targets counts draft targets, TargetsEqual those equal to the
	// engine's recommended objective for the SLI.
	Targets      int `json:"targets"`
	TargetsEqual int `json:"targets_equal"`

	GuardPassRate     float64 `json:"guard_pass_rate"`
	FactCitedRate     float64 `json:"fact_cited_rate"`
	NumberBackedRate  float64 `json:"number_backed_rate"`
	ClaimFaithfulness float64 `json:"claim_faithfulness"`
	CitedRate         float64 `json:"cited_rate"`
	MeanCitations     float64 `json:"mean_citations"`
	TargetMatchRate   float64 `json:"target_match_rate"`
}

func (m *Measures) add(o Measures) {
	m.Explanations += o.Explanations
	m.GuardPassed += o.GuardPassed
	m.Claims += o.Claims
	m.FactCited += o.FactCited
	m.Numbers += o.Numbers
	m.NumbersBacked += o.NumbersBacked
	m.ClaimsWithNumbers += o.ClaimsWithNumbers
	m.ClaimsBacked += o.ClaimsBacked
	m.WithCitation += o.WithCitation
	m.Citations += o.Citations
	m.Targets += o.Targets
	m.TargetsEqual += o.TargetsEqual
}

// rate is n/d rounded to 4 decimals (so reports are stable across
// platforms), 1 when d is zero: nothing to get wrong.
func rate(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return math.Round(1e4*float64(n)/float64(d)) / 1e4
}

func (m *Measures) finish() {
	m.GuardPassRate = rate(m.GuardPassed, m.Explanations)
	m.FactCitedRate = rate(m.FactCited, m.Claims)
	m.NumberBackedRate = rate(m.NumbersBacked, m.Numbers)
	m.ClaimFaithfulness = rate(m.ClaimsBacked, m.ClaimsWithNumbers)
	m.CitedRate = rate(m.WithCitation, m.Explanations)
	m.MeanCitations = 0
	if m.Explanations > 0 {
		m.MeanCitations = math.Round(100*float64(m.Citations)/float64(m.Explanations)) / 100
	}
	m.TargetMatchRate = rate(m.TargetsEqual, m.Targets)
}

// DatasetResult is one dataset's measures.
type DatasetResult struct {
	Dataset string `json:"dataset"`
	Measures
	// Skipped are services without an explanation to measure (no
	// objective), with the reason.
	Skipped []string `json:"skipped,omitempty"`
	// Failures are explanations that failed or broke a guardrail;
	// Unbacked examples of numbers their claim's facts do not back. Both
	// hold at most MaxExamples entries; the counts are in Measures.
	Failures []string `json:"failures,omitempty"`
	Unbacked []string `json:"unbacked,omitempty"`
}

// Result is the suite's outcome.
type Result struct {
	Drafter   string          `json:"drafter"`
	Knowledge string          `json:"knowledge"`
	Datasets  []DatasetResult `json:"datasets"`
	Overall   Measures        `json:"overall"`
	// GoalMet: every explanation passed every guardrail and claim-level
	// faithfulness is at least MinClaimFaithfulness.
	GoalMet bool `json:"goal_met"`
}

// Run explains every service of every dataset and measures the
// explanations. The error is for a dataset that cannot be analysed or a
// canceled context; an explanation that fails is a measured failure.
func Run(ctx context.Context, sets []Dataset, cfg Config) (*Result, error) {
	base, err := corpusRecords()
	if err != nil {
		return nil, err
	}
	res := &Result{Drafter: slorec.DrafterDeterministic,
		Knowledge: "the shipped corpus and each dataset's incidents, full-text retrieval, 6 chunks per explanation"}
	for _, s := range sets {
		r, err := runDataset(ctx, s, base, cfg)
		if err != nil {
			return nil, fmt.Errorf("faithfulness %s: %w", s.Name, err)
		}
		res.Datasets = append(res.Datasets, *r)
		res.Overall.add(r.Measures)
	}
	res.Overall.finish()
	res.GoalMet = res.Overall.GuardPassRate >= MinGuardPass && res.Overall.ClaimFaithfulness >= MinClaimFaithfulness
	return res, nil
}

// corpusRecords chunks the shipped corpus once.
func corpusRecords() ([]retrieval.Record, error) {
	docs, err := corpus.Load()
	if err != nil {
		return nil, fmt.Errorf("load corpus: %w", err)
	}
	var out []retrieval.Record
	for _, d := range docs {
		rd := retrieval.Document{ID: d.ID, Kind: d.Kind, Title: d.Title, Services: d.Services, Tags: d.Tags, Source: d.Source, Body: d.Body}
		for _, c := range retrieval.ChunkDocument(rd, retrieval.ChunkOptions{}) {
			out = append(out, retrieval.Record{Chunk: c})
		}
	}
	return out, nil
}

// one is the measure of one service.
type one struct {
	m        Measures
	skipped  string
	failure  string
	unbacked []string
}

func runDataset(ctx context.Context, s Dataset, base []retrieval.Record, cfg Config) (*DatasetResult, error) {
	d := s.Data
	r := &retrieval.Retriever{Index: retrieval.NewMemIndex()}
	if err := r.Index.Put(ctx, base); err != nil {
		return nil, err
	}
	var docs []retrieval.Document
	for _, in := range d.Incidents {
		docs = append(docs, retrieval.IncidentDocument(in))
	}
	if len(docs) > 0 {
		if _, err := r.Add(ctx, docs); err != nil {
			return nil, fmt.Errorf("index incidents: %w", err)
		}
	}
	in := recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}
	opt := recommend.Options{Tier: cfg.Tier, Seed: cfg.Seed}
	a := &advisor.Advisor{Search: advisor.Retrieval(r)}

	ids := make([]string, len(d.Graph.Services))
	for i, svc := range d.Graph.Services {
		ids[i] = svc.ID
	}
	out := make([]one, len(ids))
	errs := make([]error, len(ids))
	workers := cfg.Workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = measureService(ctx, a, in, ids[i], opt)
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()

	res := &DatasetResult{Dataset: s.Name}
	failures, unbacked := 0, 0
	for i, o := range out {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", ids[i], errs[i])
		}
		res.add(o.m)
		if o.skipped != "" {
			res.Skipped = append(res.Skipped, ids[i]+": "+o.skipped)
		}
		if o.failure != "" {
			if failures++; failures <= MaxExamples {
				res.Failures = append(res.Failures, ids[i]+": "+o.failure)
			}
		}
		for _, u := range o.unbacked {
			if unbacked++; unbacked <= MaxExamples {
				res.Unbacked = append(res.Unbacked, ids[i]+" "+u)
			}
		}
	}
	if n := failures - MaxExamples; n > 0 {
		res.Failures = append(res.Failures, fmt.Sprintf("and %d more", n))
	}
	if n := unbacked - MaxExamples; n > 0 {
		res.Unbacked = append(res.Unbacked, fmt.Sprintf("and %d more", n))
	}
	res.finish()
	return res, nil
}

// measureService explains one service and measures the explanation. The
// error is for an engine that cannot analyse the service.
func measureService(ctx context.Context, a *advisor.Advisor, in recommend.Input, id string, opt recommend.Options) (one, error) {
	var o one
	res, err := recommend.RecommendService(ctx, in, id, opt)
	if err != nil {
		return o, err
	}
	rec := findRecommendation(res, id)
	if rec == nil {
		o.skipped = "no recommendation"
		return o, nil
	}
	if len(rec.Objectives) == 0 {
		o.skipped = "no objective to explain (flags: " + strings.Join(rec.Flags, ", ") + ")"
		return o, nil
	}
	o.m.Explanations = 1
	exp, err := a.Explain(ctx, res, id, string(opt.Tier))
	if err != nil {
		if ctx.Err() != nil {
			return o, ctx.Err()
		}
		o.failure = "no explanation: " + errorText(err)
		return o, nil
	}
	if guardrails.Passed(exp.Verdicts) {
		o.m.GuardPassed = 1
	} else {
		o.failure = "failed " + failedGuards(exp.Verdicts)
	}
	facts := map[string]slorec.Fact{}
	for _, f := range rec.Facts {
		facts[f.ID] = f
	}
	for i, c := range exp.Draft.Rationale {
		o.m.Claims++
		if len(c.FactIDs) > 0 {
			o.m.FactCited++
		}
		var cited []slorec.Fact
		for _, fid := range c.FactIDs {
			if f, ok := facts[fid]; ok {
				cited = append(cited, f)
			}
		}
		all, unbacked := guardrails.BackedNumbers(c.Claim, cited)
		n, good := len(all), len(all)-len(unbacked)
		for _, u := range unbacked {
			o.unbacked = append(o.unbacked, fmt.Sprintf("rationale[%d]: %s (cites %s)", i, u, orNone(c.FactIDs)))
		}
		o.m.Numbers += n
		o.m.NumbersBacked += good
		if n > 0 {
			o.m.ClaimsWithNumbers++
			if good == n {
				o.m.ClaimsBacked++
			}
		}
	}
	if len(exp.Citations) > 0 {
		o.m.WithCitation = 1
	}
	o.m.Citations = len(exp.Citations)
	for _, t := range exp.Draft.Targets {
		o.m.Targets++
		for _, obj := range rec.Objectives {
			if obj.SLI == t.SLI && obj.Target == t.Target && (t.SLI != slorec.Latency || obj.ThresholdMs == t.ThresholdMs) {
				o.m.TargetsEqual++
				break
			}
		}
	}
	return o, nil
}

func findRecommendation(res *recommend.Result, id string) *slorec.Recommendation {
	for i := range res.Recommendations {
		if res.Recommendations[i].Service == id {
			return &res.Recommendations[i]
		}
	}
	return nil
}

func failedGuards(vs []slorec.GuardVerdict) string {
	var parts []string
	for _, v := range vs {
		if v.Passed {
			continue
		}
		var rs []string
		for _, x := range v.Violations {
			rs = append(rs, x.Rule+" at "+x.Path)
		}
		parts = append(parts, v.Guard+" ("+strings.Join(rs, ", ")+")")
	}
	return strings.Join(parts, "; ")
}

// errorText is the error's message cut to what a report needs: the
// advisor's EINTERNAL message carries the repair prompt, one "- " line per
// violation; each is kept up to its first "; ".
func errorText(err error) string {
	msg := slorec.ErrorMessage(err)
	head, rest, _ := strings.Cut(msg, "\n")
	if h, _, ok := strings.Cut(head, ": Your draft failed"); ok {
		head = h
	}
	var items []string
	for _, line := range strings.Split(rest, "\n") {
		if item, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok {
			item, _, _ = strings.Cut(item, "; ")
			if !slices.Contains(items, item) {
				items = append(items, item)
			}
		}
	}
	if len(items) > 0 {
		head += ": " + strings.Join(items, "; ")
	}
	return head
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "no fact"
	}
	return strings.Join(ids, ", ")
}
