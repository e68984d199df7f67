// Package retrieval is the `slorec eval retrieval` suite: a labeled set of
// questions an SRE asks, each with the documents or sections that answer
// it, run against every index configuration (text only, vector only per
// embedder, hybrid) and scored with recall@5, MRR@10 and nDCG@10.
//
// A relevant id is either a document ("runbook/db-failover": any of its
// chunks counts, once) or a section ("runbook/db-failover#promote"). With
// R relevant ids for a query and the ranked hits h1..hn:
//
//	recall@k = |relevant ids matched by h1..hk| / R
//	MRR@10   = 1 / rank of the first hit matching a relevant id (0 if none in 10)
//	nDCG@10  = DCG / ideal DCG, DCG = Σ 1/log2(i+1) over hits i ≤ 10 that
//	           match a relevant id not matched before (binary gains)
//
// and each metric is the mean over queries.
package retrieval

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval"
)

// Query is one labeled question.
type Query struct {
	ID       string   `json:"id"`
	Text     string   `json:"query"`
	Relevant []string `json:"relevant"`
	// Set names the document set it targets: "corpus" (the shipped
	// documents) or "runbooks" (the third-party runbooks).
	Set string `json:"set"`
}

//go:embed queries.json
var queriesJSON []byte

// Queries returns the labeled set, validated.
func Queries() ([]Query, error) {
	var doc struct {
		Queries []Query `json:"queries"`
	}
	dec := json.NewDecoder(strings.NewReader(string(queriesJSON)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("queries.json: %w", err)
	}
	seen := map[string]bool{}
	for i, q := range doc.Queries {
		switch {
		case q.ID == "" || seen[q.ID]:
			return nil, fmt.Errorf("queries.json: queries[%d]: missing or duplicate id %q", i, q.ID)
		case strings.TrimSpace(q.Text) == "":
			return nil, fmt.Errorf("queries.json: queries[%d] (%s): empty query", i, q.ID)
		case len(q.Relevant) == 0:
			return nil, fmt.Errorf("queries.json: queries[%d] (%s): no relevant ids", i, q.ID)
		case q.Set != "corpus" && q.Set != "runbooks":
			return nil, fmt.Errorf("queries.json: queries[%d] (%s): set %q is not corpus or runbooks", i, q.ID, q.Set)
		}
		seen[q.ID] = true
	}
	return doc.Queries, nil
}

// Config is one index configuration.
type Config struct {
	Name     string
	Mode     retrieval.Mode
	Embedder retrieval.Embedder // nil for text only
	// NewIndex, when set, makes the empty index this configuration fills
	// and searches on its own (the Postgres index's tests use it); by
	// default configurations with the same embedder share a MemIndex.
	NewIndex func() retrieval.Index
}

// QueryResult is one query's outcome under one configuration.
type QueryResult struct {
	ID       string   `json:"id"`
	Recall5  float64  `json:"recall_at_5"`
	RR10     float64  `json:"rr_at_10"`
	NDCG10   float64  `json:"ndcg_at_10"`
	Top      []string `json:"top"` // the first five hit ids
	Relevant []string `json:"relevant"`
}

// ConfigResult is one configuration's scores.
type ConfigResult struct {
	Name     string        `json:"name"`
	Mode     string        `json:"mode"`
	Model    string        `json:"model,omitempty"`
	Recall5  float64       `json:"recall_at_5"`
	MRR10    float64       `json:"mrr_at_10"`
	NDCG10   float64       `json:"ndcg_at_10"`
	PerSet   []SetScore    `json:"per_set"`
	Queries  []QueryResult `json:"queries"`
	Failures []string      `json:"failures,omitempty"` // queries with recall@5 = 0
}

// SetScore is a configuration's recall@5 on one document set.
type SetScore struct {
	Set     string  `json:"set"`
	Queries int     `json:"queries"`
	Recall5 float64 `json:"recall_at_5"`
	MRR10   float64 `json:"mrr_at_10"`
}

// Result is the suite's outcome.
type Result struct {
	Documents int            `json:"documents"`
	Chunks    int            `json:"chunks"`
	Queries   int            `json:"queries"`
	Configs   []ConfigResult `json:"configs"`
	Skipped   []string       `json:"skipped,omitempty"`
	// GoalMet is the goal: hybrid recall@5 ≥ 0.90 and above
	// every single-leg configuration.
	GoalMet bool     `json:"goal_met"`
	Verdict []string `json:"verdict"`
}

// Run indexes docs once per embedder and scores every configuration.
func Run(ctx context.Context, docs []retrieval.Document, queries []Query, configs []Config) (*Result, error) {
	res := &Result{Documents: len(docs), Queries: len(queries)}
	byModel := map[string]*retrieval.Retriever{}
	for _, c := range configs {
		key := ""
		if c.Embedder != nil {
			key = c.Embedder.Model()
		}
		newIndex := func() retrieval.Index { return retrieval.NewMemIndex() }
		if c.NewIndex != nil {
			key, newIndex = "config:"+c.Name, c.NewIndex
		}
		r, ok := byModel[key]
		if !ok {
			r = &retrieval.Retriever{Index: newIndex(), Embedder: c.Embedder}
			added, err := r.Add(ctx, docs)
			if err != nil {
				return nil, fmt.Errorf("index for %s: %w", c.Name, err)
			}
			res.Chunks = added.Chunks
			byModel[key] = r
		}
		cr := ConfigResult{Name: c.Name, Mode: string(c.Mode)}
		if c.Embedder != nil {
			cr.Model = c.Embedder.Model()
		}
		sets := map[string]*SetScore{}
		var order []string
		for _, q := range queries {
			hits, err := r.Search(ctx, q.Text, 10, c.Mode, retrieval.Filter{})
			if err != nil {
				return nil, fmt.Errorf("%s, query %s: %w", c.Name, q.ID, err)
			}
			qr := score(q, hits)
			cr.Queries = append(cr.Queries, qr)
			cr.Recall5 += qr.Recall5
			cr.MRR10 += qr.RR10
			cr.NDCG10 += qr.NDCG10
			if qr.Recall5 == 0 {
				cr.Failures = append(cr.Failures, q.ID)
			}
			s := sets[q.Set]
			if s == nil {
				s = &SetScore{Set: q.Set}
				sets[q.Set] = s
				order = append(order, q.Set)
			}
			s.Queries++
			s.Recall5 += qr.Recall5
			s.MRR10 += qr.RR10
		}
		if n := float64(len(queries)); n > 0 {
			cr.Recall5, cr.MRR10, cr.NDCG10 = cr.Recall5/n, cr.MRR10/n, cr.NDCG10/n
		}
		for _, name := range order {
			s := sets[name]
			s.Recall5 /= float64(s.Queries)
			s.MRR10 /= float64(s.Queries)
			cr.PerSet = append(cr.PerSet, *s)
		}
		res.Configs = append(res.Configs, cr)
	}
	res.judge()
	return res, nil
}

// matches reports whether hit id h answers relevant id r.
func matches(h, r string) bool {
	if strings.Contains(r, "#") {
		return h == r
	}
	return strings.HasPrefix(h, r+"#")
}

func score(q Query, hits []retrieval.Hit) QueryResult {
	qr := QueryResult{ID: q.ID, Relevant: q.Relevant}
	found := map[string]bool{}
	var dcg float64
	for i, h := range hits {
		if i < 5 {
			qr.Top = append(qr.Top, h.ID)
		}
		if i >= 10 {
			break
		}
		for _, r := range q.Relevant {
			if found[r] || !matches(h.ID, r) {
				continue
			}
			found[r] = true
			if qr.RR10 == 0 {
				qr.RR10 = 1 / float64(i+1)
			}
			dcg += 1 / math.Log2(float64(i+2))
			if i < 5 {
				qr.Recall5++
			}
			break
		}
	}
	qr.Recall5 /= float64(len(q.Relevant))
	var ideal float64
	for i := range min(len(q.Relevant), 10) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	qr.NDCG10 = dcg / ideal
	return qr
}

func (r *Result) judge() {
	var hybrid *ConfigResult
	best := 0.0
	for i := range r.Configs {
		c := &r.Configs[i]
		if c.Mode == string(retrieval.Hybrid) {
			if hybrid == nil || c.Recall5 > hybrid.Recall5 {
				hybrid = c
			}
		} else {
			best = math.Max(best, c.Recall5)
		}
	}
	if hybrid == nil {
		r.Verdict = append(r.Verdict, "no hybrid configuration ran")
		return
	}
	r.GoalMet = hybrid.Recall5 >= 0.90 && hybrid.Recall5 > best
	r.Verdict = append(r.Verdict, fmt.Sprintf("hybrid (%s) recall@5 %.3f against the goal of 0.90; the best single leg %.3f", hybrid.Name, hybrid.Recall5, best))
}

// Check returns an EINVALID error naming the relevant ids that match no
// chunk of docs, so a label cannot silently point at nothing.
func Check(queries []Query, chunkIDs []string) error {
	var bad []string
	for _, q := range queries {
		for _, rel := range q.Relevant {
			ok := false
			for _, id := range chunkIDs {
				if matches(id, rel) {
					ok = true
					break
				}
			}
			if !ok {
				bad = append(bad, q.ID+": "+rel)
			}
		}
	}
	if len(bad) > 0 {
		return slorec.Errorf(slorec.EINVALID, "%d relevant ids match no chunk: %s", len(bad), strings.Join(bad, "; "))
	}
	return nil
}
