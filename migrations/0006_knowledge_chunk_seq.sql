-- slorec schema, version 6: postings name their chunk by an integer.
--
-- A search reads thousands of postings and sums them per chunk; with the
-- chunk's text id in every posting (23 bytes on average) the covering
-- index of a 100k-chunk corpus was 394 MB, and grouping hashed and
-- compared strings. With a bigint sequence number per chunk the index is
-- 275 MB and the grouping cheaper (docs/performance.md, "Retrieval"). Chunk ids are unchanged everywhere else; a search turns
-- the numbers back into ids for its few best hits only.
--
-- bigint, not integer: every Put of a document gives its chunks new
-- numbers, so a corpus reindexed often would exhaust 2^31 in a few years.
ALTER TABLE knowledge_chunks ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE knowledge_chunks ADD CONSTRAINT knowledge_chunks_seq_key UNIQUE (seq);

ALTER TABLE knowledge_postings ADD COLUMN chunk_seq bigint;
UPDATE knowledge_postings p SET chunk_seq = c.seq FROM knowledge_chunks c WHERE c.id = p.chunk_id;
-- Dropping chunk_id drops the primary key, the foreign key and the
-- covering index that name it.
ALTER TABLE knowledge_postings DROP COLUMN chunk_id;
ALTER TABLE knowledge_postings ALTER COLUMN chunk_seq SET NOT NULL;
ALTER TABLE knowledge_postings ADD CONSTRAINT knowledge_postings_pkey PRIMARY KEY (chunk_seq, term);
ALTER TABLE knowledge_postings ADD CONSTRAINT knowledge_postings_chunk_seq_fkey
    FOREIGN KEY (chunk_seq) REFERENCES knowledge_chunks (seq) ON DELETE CASCADE;
CREATE INDEX knowledge_postings_impact ON knowledge_postings (term, impact DESC) INCLUDE (chunk_seq, tf, chunk_len);
