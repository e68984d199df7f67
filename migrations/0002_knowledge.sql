-- slorec schema, version 2: knowledge chunks for hybrid retrieval.
--
-- A chunk is one section (or part of one) of a knowledge document. The
-- embedding column has no fixed dimension, so embedders of any size can
-- share the table; the HNSW index of each dimension is an expression index
-- over embedding::vector(D), created by retrieval/pgindex when it first
-- stores vectors of that dimension, and queries use the same expression.
-- model and dims say which embedder made each vector; chunks of another
-- model are re-embedded, and never compared with the query.

CREATE TABLE knowledge_chunks (
    id         text PRIMARY KEY CHECK (id <> ''),
    doc_id     text NOT NULL CHECK (doc_id <> ''),
    kind       text NOT NULL,
    title      text NOT NULL DEFAULT '',
    section    text NOT NULL DEFAULT '',
    body       text NOT NULL,
    services   text[] NOT NULL DEFAULT '{}',
    tags       text[] NOT NULL DEFAULT '{}',
    source     text NOT NULL DEFAULT '',
    flags      text[] NOT NULL DEFAULT '{}',
    ord        integer NOT NULL DEFAULT 0,
    model      text NOT NULL DEFAULT '',
    dims       integer NOT NULL DEFAULT 0 CHECK (dims >= 0),
    embedding  vector,
    tsv        tsvector GENERATED ALWAYS AS (
                   setweight(to_tsvector('english', title), 'A') ||
                   setweight(to_tsvector('english', section), 'B') ||
                   setweight(to_tsvector('english', body), 'C')) STORED,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((embedding IS NULL) = (dims = 0)),
    CHECK (embedding IS NULL OR vector_dims(embedding) = dims)
);

CREATE INDEX knowledge_chunks_doc ON knowledge_chunks (doc_id);
CREATE INDEX knowledge_chunks_tsv ON knowledge_chunks USING gin (tsv);
CREATE INDEX knowledge_chunks_services ON knowledge_chunks USING gin (services);
CREATE INDEX knowledge_chunks_tags ON knowledge_chunks USING gin (tags);
