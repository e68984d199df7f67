package advisor

import (
	"context"

	"github.com/slorec/slorec/retrieval"
)

// Retrieval is the SearchFunc of a retriever: hybrid search (full text
// alone when the retriever has no embedder) without filters. It and
// Passages are the only adapters between the two packages; the advisor
// itself only knows SearchFunc.
func Retrieval(r *retrieval.Retriever) SearchFunc {
	return func(ctx context.Context, q string, k int) ([]Passage, error) {
		hits, err := r.Search(ctx, q, k, retrieval.Hybrid, retrieval.Filter{})
		if err != nil {
			return nil, err
		}
		return Passages(hits), nil
	}
}

// Passages converts retrieval hits, in order.
func Passages(hits []retrieval.Hit) []Passage {
	out := make([]Passage, len(hits))
	for i, h := range hits {
		out[i] = Passage{ID: h.ID, Title: h.Title, Section: h.Section, Kind: h.Kind, Text: h.Text, Flags: h.Flags}
	}
	return out
}
