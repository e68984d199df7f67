package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/corpus"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/retrieval"
)

// Knowledge is shared by every tenant: the shipped corpus and the
// documents each tenant adds. A tenant's documents carry the tag
// "tenant:<id>" and an id prefixed with the tenant, and searches drop the
// other tenants' chunks, so no tenant reads another's runbooks.
const tenantTag = "tenant:"

// KnowledgeDocument is a document a tenant adds.
type KnowledgeDocument struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Title    string   `json:"title"`
	Body     string   `json:"body"`
	Services []string `json:"services,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Source   string   `json:"source,omitempty"`
}

// MaxKnowledgeDocuments bounds one POST /knowledge.
const MaxKnowledgeDocuments = 100

// AddKnowledge chunks, redacts, screens, embeds and stores a tenant's
// documents, replacing earlier versions with the same ids. Errors:
// EINVALID, EUNAVAILABLE (no knowledge base configured).
func (a *App) AddKnowledge(ctx context.Context, tenant, actor string, docs []KnowledgeDocument) (retrieval.AddResult, error) {
	if a.cfg.Knowledge == nil {
		return retrieval.AddResult{}, slorec.Errorf(slorec.EUNAVAILABLE, "no knowledge base is configured on this server")
	}
	if len(docs) == 0 || len(docs) > MaxKnowledgeDocuments {
		return retrieval.AddResult{}, slorec.Errorf(slorec.EINVALID, "documents: 1 to %d", MaxKnowledgeDocuments)
	}
	out := make([]retrieval.Document, len(docs))
	for i, d := range docs {
		switch {
		case d.ID == "" || strings.ContainsAny(d.ID, "/# \t\n"):
			return retrieval.AddResult{}, slorec.Errorf(slorec.EINVALID, "documents[%d].id: required, without '/', '#' or spaces", i)
		case !corpus.ValidKind(d.Kind):
			return retrieval.AddResult{}, slorec.Errorf(slorec.EINVALID, "documents[%d].kind: %q is not one of %s", i, d.Kind, strings.Join(corpus.Kinds(), ", "))
		case strings.TrimSpace(d.Body) == "":
			return retrieval.AddResult{}, slorec.Errorf(slorec.EINVALID, "documents[%d].body: required", i)
		}
		tags := append(slices.Clone(d.Tags), tenantTag+tenant)
		out[i] = retrieval.Document{ID: tenant + "--" + d.ID, Kind: d.Kind, Title: d.Title, Services: d.Services, Tags: tags, Source: d.Source, Body: d.Body}
	}
	res, err := a.cfg.Knowledge.Add(ctx, out)
	if err != nil {
		return retrieval.AddResult{}, err
	}
	ids := make([]string, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	_, err = a.cfg.Tenant(tenant).AppendAudit(ctx, slorec.AuditRecord{Actor: actor, Action: "knowledge.add", Subject: strings.Join(ids, ","),
		Detail: map[string]any{"chunks": res.Chunks, "flagged": res.Flagged, "redacted": res.Redacted}})
	return res, err
}

// SearchKnowledge runs a hybrid search for the tenant: the shared corpus
// and its own documents. Errors: EINVALID, EUNAVAILABLE.
func (a *App) SearchKnowledge(ctx context.Context, tenant, q string, k int, f retrieval.Filter) ([]retrieval.Hit, error) {
	if a.cfg.Knowledge == nil {
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "no knowledge base is configured on this server")
	}
	if strings.TrimSpace(q) == "" {
		return nil, slorec.Errorf(slorec.EINVALID, "q: a query is required")
	}
	if k <= 0 || k > 50 {
		return nil, slorec.Errorf(slorec.EINVALID, "k: 1 to 50")
	}
	return tenantSearch(ctx, a.cfg.Knowledge, tenant, q, k, f)
}

// tenantSearch asks for more than k hits (other tenants' chunks are
// dropped) and keeps the first k visible to tenant.
func tenantSearch(ctx context.Context, r *retrieval.Retriever, tenant, q string, k int, f retrieval.Filter) ([]retrieval.Hit, error) {
	hits, err := r.Search(ctx, q, 3*k, retrieval.Hybrid, f)
	if err != nil {
		return nil, fmt.Errorf("search knowledge: %w", err)
	}
	out := make([]retrieval.Hit, 0, k)
	for _, h := range hits {
		if visible(h.Tags, tenant) && len(out) < k {
			out = append(out, h)
		}
	}
	return out, nil
}

func visible(tags []string, tenant string) bool {
	for _, t := range tags {
		if owner, ok := strings.CutPrefix(t, tenantTag); ok && owner != tenant {
			return false
		}
	}
	return true
}

// TenantSearch is the advisor's search over r for one tenant: the shared
// corpus and the tenant's own documents, never another tenant's.
func TenantSearch(r *retrieval.Retriever, tenant string) advisor.SearchFunc {
	return func(ctx context.Context, q string, k int) ([]advisor.Passage, error) {
		hits, err := tenantSearch(ctx, r, tenant, q, k, retrieval.Filter{})
		if err != nil {
			return nil, err
		}
		return advisor.Passages(hits), nil
	}
}
