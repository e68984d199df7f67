-- slorec schema, version 5: an impact-ordered posting table for the
-- full-text leg, BM25 with early termination, in place of the weighted
-- tsvector and its GIN and RUM indexes.
--
-- RUM (migration 0003) returns matches in rank order but ranks every
-- match first, so a query whose words each occur in 5-10% of the chunks
-- ranked (and sorted, spilling to disk) tens of thousands of rows. Here
-- each (term, chunk) pair is a row carrying the BM25 term-frequency part
-- of the chunk's score, its impact, and a B-tree on (term, impact DESC)
-- lets a search read only the best postings of a common term
-- (docs/design-notes.md, "Indexes"). Terms are those of
-- retrieval.TermCounts, the Go tokenizer and stemmer of the in-memory
-- index, so both indexes rank alike; SQL cannot compute them, so
-- retrieval/pgindex writes the postings with the chunks, in the same
-- transaction. Terms compare bytewise (COLLATE "C"): only their equality
-- matters, and building the index sorts millions of them. Chunk ids keep
-- the collation of knowledge_chunks.id, whose index a comparison in
-- another collation could not use.

-- terms_len is the chunk's BM25 length (the sum of its term counts).
-- NULL marks a chunk stored before this migration, whose postings
-- retrieval/pgindex writes the first time it is used (the partial index
-- makes that check one index probe).
ALTER TABLE knowledge_chunks ADD COLUMN terms_len integer CHECK (terms_len >= 0);
CREATE INDEX knowledge_chunks_unposted ON knowledge_chunks (id) WHERE terms_len IS NULL;

-- One row per term of a chunk. tf is the weighted count (title and
-- section terms twice), chunk_len the chunk's terms_len, copied so a
-- search scores from the index alone; impact is
-- tf·(k1+1) / (tf + k1·(1 − b + b·chunk_len/avglen)) with the avglen of
-- knowledge_stats.impact_avglen. The primary key serves deletes by chunk;
-- the covering index serves searches (an index-only scan per term).
CREATE TABLE knowledge_postings (
    chunk_id  text NOT NULL REFERENCES knowledge_chunks (id) ON DELETE CASCADE,
    term      text COLLATE "C" NOT NULL CHECK (term <> ''),
    tf        integer NOT NULL CHECK (tf > 0),
    chunk_len integer NOT NULL CHECK (chunk_len >= tf),
    impact    real NOT NULL CHECK (impact > 0),
    PRIMARY KEY (chunk_id, term)
);
CREATE INDEX knowledge_postings_impact ON knowledge_postings (term, impact DESC) INCLUDE (chunk_id, tf, chunk_len);

-- Document frequencies, kept by the writes that add and remove postings
-- (a row may reach 0 and stay until the next bulk load recounts).
CREATE TABLE knowledge_terms (
    term text COLLATE "C" PRIMARY KEY,
    df   integer NOT NULL CHECK (df >= 0)
);

-- The collection's size for idf and avglen, one row. Writers lock it
-- first (SELECT ... FOR UPDATE), which also serialises them, so the
-- counters of knowledge_terms are never updated in conflicting orders.
-- impact_avglen is the mean length every stored impact was computed with;
-- NULL while there is nothing to weigh.
CREATE TABLE knowledge_stats (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    chunks        bigint NOT NULL DEFAULT 0 CHECK (chunks >= 0),
    total_len     bigint NOT NULL DEFAULT 0 CHECK (total_len >= 0),
    impact_avglen double precision CHECK (impact_avglen > 0)
);
INSERT INTO knowledge_stats DEFAULT VALUES;

-- Nothing searches the tsvector any more, and its GIN and RUM indexes
-- slowed every write (docs/performance.md). It is a generated column, so a
-- later migration can bring it back in one statement. The rum extension
-- stays installed.
DROP INDEX IF EXISTS knowledge_chunks_rum;
DROP INDEX knowledge_chunks_tsv;
ALTER TABLE knowledge_chunks DROP COLUMN tsv;
