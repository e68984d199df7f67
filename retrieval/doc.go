// Package retrieval will own the knowledge index: heading-aware chunking,
// embedders behind langchaingo's embeddings.Embedder, and hybrid search
// (pgvector similarity fused with Postgres full-text ranking, and an
// in-memory equivalent). It imports the root package, pgx, pgvector-go and
// langchaingo's embeddings; never reasoning, api or store.
package retrieval
