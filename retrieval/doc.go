// Package retrieval finds the knowledge an explanation cites: documents
// are cut into chunks at their headings (ChunkDocument), redacted and
// screened for injection, embedded, and stored in an Index that searches
// them two ways, by vector similarity and by full text, fused by
// reciprocal rank. MemIndex is the embedded default (exact cosine and
// BM25); retrieval/pgindex is the Postgres one (pgvector HNSW and
// tsvector GIN). Both pass the contract in retrieval/indextest. Embedders
// live in retrieval/embed.
package retrieval
