package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/draft"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/embed"
)

// embeddedKnowledge is an in-memory retriever over the shipped corpus and
// d's incidents (d may be nil), with the GloVe embedder when its cache is
// set up and full text otherwise; how says which.
func embeddedKnowledge(ctx context.Context, e *env, d *dataset.Dataset) (r *retrieval.Retriever, how string, err error) {
	r = &retrieval.Retriever{Index: retrieval.NewMemIndex()}
	r.Embedder, how = gloveIfSetUp(e)
	docs, err := shipped()
	if err != nil {
		return nil, "", err
	}
	if d != nil {
		for _, in := range d.Incidents {
			docs = append(docs, retrieval.IncidentDocument(in))
		}
	}
	if _, err := r.Add(ctx, docs); err != nil {
		return nil, "", err
	}
	return r, how, nil
}

// gloveIfSetUp is the GloVe embedder when its cache is set up, nil (full
// text only) otherwise, and a phrase saying which.
func gloveIfSetUp(e *env) (retrieval.Embedder, string) {
	if dir, err := embed.CacheDir(e.getenv); err == nil {
		if g, err := embed.New(embed.Config{Name: embed.NameGloVe, CacheDir: dir}); err == nil {
			return g, "hybrid search, " + g.Model()
		}
	}
	return nil, "full text only: run `slorec corpus setup` for the hybrid search"
}

// newAdvisor is the advisor the CLI uses: the drafter from
// SLOREC_LLM_PROVIDER and friends (deterministic by default) and the
// given knowledge; info describes the drafter, secrets left out.
func newAdvisor(e *env, r *retrieval.Retriever, audit advisor.Auditor) (*advisor.Advisor, draft.Info, error) {
	d, info, err := draft.NewFromEnv(e.getenv, http.DefaultClient)
	if err != nil {
		return nil, draft.Info{}, err
	}
	a := &advisor.Advisor{Drafter: d, DrafterName: info.Drafter, Audit: audit}
	if r != nil {
		a.Search = advisor.Retrieval(r)
	}
	return a, info, nil
}

// printExplanation writes a guarded explanation for a terminal: who wrote
// it, the summary, each claim with the facts and sources it cites, the
// sources, risks, confidence, and every guardrail verdict.
func printExplanation(w io.Writer, exp *slorec.Explanation) {
	fmt.Fprintf(w, "drafter: %s", exp.Drafter)
	if exp.Fallback != "" {
		fmt.Fprintf(w, " (fallback: %s)", exp.Fallback)
	}
	fmt.Fprintf(w, "; tier %s\n", exp.Draft.ChosenTier)
	fmt.Fprintf(w, "%s\n", exp.Draft.Summary)
	for _, r := range exp.Draft.Rationale {
		refs := append(append([]string(nil), r.FactIDs...), r.CitationIDs...)
		fmt.Fprintf(w, "  - %s [%s]\n", r.Claim, strings.Join(refs, ", "))
	}
	if len(exp.Citations) > 0 {
		fmt.Fprintln(w, "sources:")
		for _, c := range exp.Citations {
			fmt.Fprintf(w, "  [%s] %s\n", c.ID, c.Title)
		}
	}
	for _, q := range exp.Quarantined {
		fmt.Fprintf(w, "quarantined (kept out of the prompt): %s (%s)\n", q.ID, strings.Join(q.Rules, ", "))
	}
	for _, r := range exp.Draft.Risks {
		fmt.Fprintf(w, "risk: %s\n", r)
	}
	fmt.Fprintf(w, "confidence: %s\n", exp.Draft.ConfidenceNote)
	var vs []string
	for _, v := range exp.Verdicts {
		s := v.Guard + " pass"
		if !v.Passed {
			s = fmt.Sprintf("%s FAIL (%d)", v.Guard, len(v.Violations))
		}
		vs = append(vs, s)
	}
	fmt.Fprintf(w, "guardrails: %s\n", strings.Join(vs, ", "))
	fmt.Fprint(w, "timing: ")
	if exp.Timing.EngineMs > 0 {
		fmt.Fprintf(w, "engine %.0f ms, ", exp.Timing.EngineMs)
	}
	fmt.Fprintf(w, "retrieval %.1f ms, drafting %.1f ms, guardrails %.1f ms\n", exp.Timing.RetrieveMs, exp.Timing.DraftMs, exp.Timing.GuardMs)
}

// explainResult explains service's recommendation in res with the CLI's
// advisor over the embedded knowledge and d's incidents.
func explainResult(ctx context.Context, e *env, d *dataset.Dataset, res *recommend.Result, service, tier string) (*slorec.Explanation, error) {
	r, _, err := embeddedKnowledge(ctx, e, d)
	if err != nil {
		return nil, err
	}
	a, _, err := newAdvisor(e, r, nil)
	if err != nil {
		return nil, err
	}
	return a.Explain(ctx, res, service, tier)
}
