package retrieval

import (
	"context"
	"fmt"

	"github.com/slorec/slorec"
)

// Embedder turns text into vectors. Its two embedding methods are those
// of langchaingo's embeddings.Embedder, so any langchaingo embedder with a
// Model method fits; Model names the model (and so the dimension), which
// the index stores with every vector.
type Embedder interface {
	EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error)
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
	Model() string
}

// Retriever chunks, embeds, stores and searches documents: an Index with
// the Embedder that fills it. A nil Embedder makes a text-only retriever.
type Retriever struct {
	Index    Index
	Embedder Embedder
	Chunking ChunkOptions
	// Batch is how many chunks are embedded per call; zero means 64.
	Batch int
}

func (r *Retriever) model() string {
	if r.Embedder == nil {
		return ""
	}
	return r.Embedder.Model()
}

// AddResult says what Add stored.
type AddResult struct {
	Documents int `json:"documents"`
	Chunks    int `json:"chunks"`
	// Flagged lists the chunks with injection-shaped text, stored as data.
	Flagged []string `json:"flagged,omitempty"`
	// Redacted counts the chunks from which PII was removed.
	Redacted int `json:"redacted"`
}

// Add chunks, embeds and stores docs; each document's previous chunks are
// replaced. Embedding happens before anything is stored, so a failing
// embedder leaves the index as it was.
func (r *Retriever) Add(ctx context.Context, docs []Document) (AddResult, error) {
	var res AddResult
	var recs []Record
	for _, d := range docs {
		if d.ID == "" || d.Kind == "" {
			return AddResult{}, slorec.Errorf(slorec.EINVALID, "document %q: id and kind are required", d.ID)
		}
		for _, c := range ChunkDocument(d, r.Chunking) {
			recs = append(recs, Record{Chunk: c})
			if c.Flagged() {
				res.Flagged = append(res.Flagged, c.ID)
			}
			for _, f := range c.Flags {
				if len(f) > 9 && f[:9] == "redacted:" {
					res.Redacted++
					break
				}
			}
		}
		res.Documents++
	}
	if err := r.embed(ctx, recs); err != nil {
		return AddResult{}, err
	}
	if err := r.Index.Put(ctx, recs); err != nil {
		return AddResult{}, err
	}
	res.Chunks = len(recs)
	return res, nil
}

// embed fills the records' vectors in batches.
func (r *Retriever) embed(ctx context.Context, recs []Record) error {
	if r.Embedder == nil {
		return nil
	}
	batch := r.Batch
	if batch <= 0 {
		batch = 64
	}
	model := r.model()
	for i := 0; i < len(recs); i += batch {
		part := recs[i:min(i+batch, len(recs))]
		texts := make([]string, len(part))
		for j, rec := range part {
			texts[j] = rec.EmbedText()
		}
		vecs, err := r.Embedder.EmbedDocuments(ctx, texts)
		if err != nil {
			return fmt.Errorf("embed chunks with %s: %w", model, err)
		}
		if len(vecs) != len(part) {
			return slorec.Errorf(slorec.EUNAVAILABLE, "embed chunks with %s: %d vectors for %d texts", model, len(vecs), len(part))
		}
		for j := range part {
			part[j].Model = model
			if !zero(vecs[j]) { // no known words: the text leg alone can find it
				part[j].Vector = vecs[j]
			}
		}
	}
	return nil
}

func zero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// Search embeds the query (unless the mode is text only) and searches.
func (r *Retriever) Search(ctx context.Context, text string, k int, mode Mode, f Filter) ([]Hit, error) {
	q := Query{Text: text, K: k, Mode: mode, Filter: f, Model: r.model()}
	if r.Embedder != nil && mode != TextOnly {
		v, err := r.Embedder.EmbedQuery(ctx, text)
		if err != nil {
			return nil, fmt.Errorf("embed query with %s: %w", r.model(), err)
		}
		if !zero(v) {
			q.Vector = v
		}
	}
	if mode == VectorOnly && len(q.Vector) == 0 {
		if r.Embedder == nil {
			return nil, slorec.Errorf(slorec.EINVALID, "a vector search needs an embedder")
		}
		return nil, nil // no known word in the query: nothing is similar
	}
	return r.Index.Search(ctx, q)
}

// Reembed re-embeds every chunk whose vector was made by another model
// (or none) and returns how many it re-embedded.
func (r *Retriever) Reembed(ctx context.Context) (int, error) {
	if r.Embedder == nil {
		return 0, nil
	}
	stale, err := r.Index.Stale(ctx, r.model())
	if err != nil || len(stale) == 0 {
		return 0, err
	}
	chunks, err := r.Index.Chunks(ctx, stale)
	if err != nil {
		return 0, err
	}
	// Put replaces whole documents: take every chunk of each document
	// touched, so none is lost.
	docs := map[string]bool{}
	for _, c := range chunks {
		docs[c.DocID] = true
	}
	all, err := r.Index.Chunks(ctx, nil)
	if err != nil {
		return 0, err
	}
	var recs []Record
	for _, c := range all {
		if docs[c.DocID] {
			recs = append(recs, Record{Chunk: c})
		}
	}
	if err := r.embed(ctx, recs); err != nil {
		return 0, err
	}
	if err := r.Index.Put(ctx, recs); err != nil {
		return 0, err
	}
	return len(stale), nil
}
