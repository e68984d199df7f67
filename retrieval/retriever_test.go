package retrieval_test

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/retrieval"
)

// bagEmbedder hashes each term into one of 64 dimensions: texts sharing
// terms get similar vectors. It counts its calls and can fail.
type bagEmbedder struct {
	model string
	calls int
	fail  error
}

func (b *bagEmbedder) Model() string { return b.model }

func (b *bagEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	v, err := b.EmbedDocuments(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

func (b *bagEmbedder) EmbedDocuments(_ context.Context, texts []string) ([][]float32, error) {
	b.calls++
	if b.fail != nil {
		return nil, b.fail
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 64)
		for _, term := range retrieval.Terms(t) {
			h := fnv.New32a()
			h.Write([]byte(term))
			v[h.Sum32()%64]++
		}
		var n float64
		for _, x := range v {
			n += float64(x * x)
		}
		if n > 0 {
			for j := range v {
				v[j] /= float32(math.Sqrt(n))
			}
		}
		out[i] = v
	}
	return out, nil
}

var docs = []retrieval.Document{
	{ID: "payment-provider", Kind: "runbook", Title: "Payment provider degradation", Services: []string{"payment-service"},
		Body: "## Detect\n\nThe acquirer's timeouts rise above one second.\n\n## Mitigate\n\nFail over to the secondary acquirer and keep idempotency keys."},
	{ID: "replica-lag", Kind: "runbook", Title: "Database replica lag",
		Body: "## Detect\n\nReplication lag above thirty seconds.\n\n## Mitigate\n\nThrottle batch writers; promote only a caught-up replica."},
}

func TestRetrieverAddsAndSearches(t *testing.T) {
	ctx := context.Background()
	emb := &bagEmbedder{model: "bag-64"}
	r := &retrieval.Retriever{Index: retrieval.NewMemIndex(), Embedder: emb, Batch: 3}
	res, err := r.Add(ctx, docs)
	require.NoError(t, err)
	require.Equal(t, retrieval.AddResult{Documents: 2, Chunks: 4}, res)
	require.Equal(t, 2, emb.calls, "4 chunks in batches of 3")

	for _, mode := range []retrieval.Mode{retrieval.Hybrid, retrieval.TextOnly, retrieval.VectorOnly} {
		hits, err := r.Search(ctx, "fail over the acquirer", 2, mode, retrieval.Filter{})
		require.NoError(t, err, mode)
		require.Equal(t, "runbook/payment-provider#mitigate", hits[0].ID, mode)
	}
	hits, err := r.Search(ctx, "mitigate", 5, retrieval.Hybrid, retrieval.Filter{Services: []string{"payment-service"}})
	require.NoError(t, err)
	for _, h := range hits {
		require.Equal(t, "payment-provider", h.DocID)
	}
}

func TestRetrieverStoresNothingWhenEmbeddingFails(t *testing.T) {
	ctx := context.Background()
	ix := retrieval.NewMemIndex()
	r := &retrieval.Retriever{Index: ix, Embedder: &bagEmbedder{model: "bag-64", fail: errors.New("endpoint down")}}
	_, err := r.Add(ctx, docs)
	require.ErrorContains(t, err, "endpoint down")
	n, _ := ix.Len(ctx)
	require.Zero(t, n)
}

func TestRetrieverReembedsWhenTheModelChanges(t *testing.T) {
	ctx := context.Background()
	ix := retrieval.NewMemIndex()
	old := &retrieval.Retriever{Index: ix, Embedder: &bagEmbedder{model: "bag-64"}}
	_, err := old.Add(ctx, docs)
	require.NoError(t, err)

	next := &retrieval.Retriever{Index: ix, Embedder: &bagEmbedder{model: "bag-64-v2"}}
	stale, _ := ix.Stale(ctx, "bag-64-v2")
	require.Len(t, stale, 4)
	// Until re-embedded, the new model's vector leg sees nothing.
	hits, err := next.Search(ctx, "acquirer", 3, retrieval.VectorOnly, retrieval.Filter{})
	require.NoError(t, err)
	require.Empty(t, hits)
	n, err := next.Reembed(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	stale, _ = ix.Stale(ctx, "bag-64-v2")
	require.Empty(t, stale)
	hits, err = next.Search(ctx, "acquirer", 3, retrieval.VectorOnly, retrieval.Filter{})
	require.NoError(t, err)
	require.NotEmpty(t, hits)
	n, err = next.Reembed(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing left to re-embed")
}

func TestTextOnlyRetriever(t *testing.T) {
	ctx := context.Background()
	r := &retrieval.Retriever{Index: retrieval.NewMemIndex()}
	_, err := r.Add(ctx, docs)
	require.NoError(t, err)
	hits, err := r.Search(ctx, "replication lag", 1, retrieval.Hybrid, retrieval.Filter{})
	require.NoError(t, err)
	require.Equal(t, "runbook/replica-lag#detect", hits[0].ID)
	_, err = r.Search(ctx, "replication lag", 1, retrieval.VectorOnly, retrieval.Filter{})
	require.Error(t, err)
}
