package main

import (
	"context"
	"net/http"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/draft"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/embed"
)

// knowledgeSearch adapts a retriever to the advisor's search: hybrid
// search without filters.
func knowledgeSearch(r *retrieval.Retriever) advisor.SearchFunc {
	return func(ctx context.Context, q string, k int) ([]advisor.Passage, error) {
		hits, err := r.Search(ctx, q, k, retrieval.Hybrid, retrieval.Filter{})
		if err != nil {
			return nil, err
		}
		out := make([]advisor.Passage, len(hits))
		for i, h := range hits {
			out[i] = advisor.Passage{ID: h.ID, Title: h.Title, Section: h.Section, Kind: h.Kind, Text: h.Text, Flags: h.Flags}
		}
		return out, nil
	}
}

// embeddedKnowledge is an in-memory retriever over the shipped corpus and
// d's incidents (d may be nil), with the GloVe embedder when its cache is
// set up and full text otherwise; how says which.
func embeddedKnowledge(ctx context.Context, e *env, d *dataset.Dataset) (r *retrieval.Retriever, how string, err error) {
	r = &retrieval.Retriever{Index: retrieval.NewMemIndex()}
	how = "full text only: run `slorec corpus setup` for the hybrid search"
	if dir, err := embed.CacheDir(e.getenv); err == nil {
		if g, err := embed.New(embed.Config{Name: embed.NameGloVe, CacheDir: dir}); err == nil {
			r.Embedder, how = g, "hybrid search, "+g.Model()
		}
	}
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
		a.Search = knowledgeSearch(r)
	}
	return a, info, nil
}
