-- slorec schema, version 3: a RUM index for the full-text leg, when the
-- server has the rum extension (scripts/pg.sh installs it).
--
-- A GIN index finds the chunks matching a query but cannot rank them, so
-- the full-text leg ranked every match; a RUM index keeps positions and
-- returns matches in rank order (ORDER BY tsv <=> query), so a search
-- reads only the best few. On a server without rum nothing is created and
-- retrieval/pgindex keeps ranking GIN matches with ts_rank_cd.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') THEN
        CREATE EXTENSION IF NOT EXISTS rum;
        CREATE INDEX knowledge_chunks_rum ON knowledge_chunks USING rum (tsv rum_tsvector_ops);
    END IF;
END
$$;
