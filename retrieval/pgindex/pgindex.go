// Package pgindex is the Postgres retrieval.Index: chunks in the
// knowledge_chunks table (migrations/0002_knowledge.sql), the vector leg on
// a pgvector HNSW index (cosine) per embedding dimension, the full-text leg
// on a weighted tsvector with a RUM index where the server has the rum
// extension (migration 0003; ranked in the index) and GIN otherwise, fused
// by reciprocal rank like the in-memory index. Filters are SQL
// parameters, never SQL text.
package pgindex

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval"
)

// Index is a retrieval.Index on a pgx pool whose connections have the
// pgvector types registered (store/postgres.Open does that) and whose
// database is migrated.
type Index struct {
	pool *pgxpool.Pool

	mu      sync.Mutex
	indexed map[int]bool // dimensions with an HNSW index
	rum     *bool        // whether the RUM full-text index exists; nil until asked
}

// New returns the index on pool.
func New(pool *pgxpool.Pool) *Index {
	return &Index{pool: pool, indexed: map[int]bool{}}
}

func unavailable(op string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return slorec.Errorf(slorec.EINTERNAL, "%s: %s", op, pgErr.Message)
	}
	return slorec.Errorf(slorec.EUNAVAILABLE, "%s: database unavailable: %v", op, err)
}

// hnswName is the index of one dimension.
func hnswName(dims int) string { return fmt.Sprintf("knowledge_chunks_hnsw_%d", dims) }

// ensureHNSW creates the HNSW expression index for dims once; concurrent
// creators are harmless (IF NOT EXISTS).
func (ix *Index) ensureHNSW(ctx context.Context, dims int) error {
	ix.mu.Lock()
	done := ix.indexed[dims]
	ix.mu.Unlock()
	if done {
		return nil
	}
	// dims is an integer, so formatting it into the DDL is safe; DDL takes
	// no parameters.
	sql := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON knowledge_chunks USING hnsw ((embedding::vector(%d)) vector_cosine_ops) WHERE dims = %d`, hnswName(dims), dims, dims)
	if _, err := ix.pool.Exec(ctx, sql); err != nil {
		return unavailable("create vector index", err)
	}
	ix.mu.Lock()
	ix.indexed[dims] = true
	ix.mu.Unlock()
	return nil
}

// Put implements retrieval.Index: in one transaction, the documents'
// old chunks are deleted and the new ones inserted.
func (ix *Index) Put(ctx context.Context, records []retrieval.Record) error {
	if err := retrieval.ValidateRecords(records); err != nil {
		return err
	}
	dims := map[int]bool{}
	for _, r := range records {
		if len(r.Vector) > 0 {
			dims[len(r.Vector)] = true
		}
	}
	for d := range dims {
		if err := ix.ensureHNSW(ctx, d); err != nil {
			return err
		}
	}
	tx, err := ix.pool.Begin(ctx)
	if err != nil {
		return unavailable("put chunks", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	var docs []string
	seen := map[string]bool{}
	for _, r := range records {
		if !seen[r.DocID] {
			seen[r.DocID] = true
			docs = append(docs, r.DocID)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM knowledge_chunks WHERE doc_id = ANY($1)`, docs); err != nil {
		return unavailable("put chunks", err)
	}
	bulk, err := ix.bulkLoad(ctx, tx, len(records))
	if err != nil {
		return err
	}
	rows := make([][]any, len(records))
	for i, r := range records {
		var emb any
		if len(r.Vector) > 0 {
			v := pgvector.NewVector(r.Vector)
			emb = &v
		}
		rows[i] = []any{r.ID, r.DocID, r.Kind, r.Title, r.Section, r.Text, nonNil(r.Services), nonNil(r.Tags), r.Source, nonNil(r.Flags), r.Ord, r.Model, len(r.Vector), emb}
	}
	cols := []string{"id", "doc_id", "kind", "title", "section", "body", "services", "tags", "source", "flags", "ord", "model", "dims", "embedding"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"knowledge_chunks"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return unavailable("put chunks", err)
	}
	if err := bulk.rebuild(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable("put chunks", err)
	}
	return nil
}

// BulkThreshold is the smallest Put that may load in bulk: see bulkLoad.
const BulkThreshold = 2000

// searchIndexes are the indexes a bulk load drops and rebuilds: the
// vector and full-text ones, whose per-row maintenance dominates the cost
// of inserting (HNSW insertion is a graph search per row).
const searchIndexes = `SELECT indexname, indexdef FROM pg_indexes
	WHERE schemaname = current_schema() AND tablename = 'knowledge_chunks'
	  AND (indexdef LIKE '%USING hnsw%' OR indexdef LIKE '%USING rum%' OR indexdef LIKE '%USING gin (tsv)%')
	ORDER BY indexname`

// rebuildPlan is what bulkLoad dropped, to be recreated after the COPY.
type rebuildPlan struct{ defs []string }

// bulkLoad decides, inside tx, whether a Put of n chunks loads in bulk: when
// n is at least BulkThreshold and at least the rows already stored,
// building the search indexes once over the whole table is cheaper than
// maintaining them row by row (several times faster at 100k chunks; see
// docs/performance.md). It then takes the table's exclusive lock (searches
// wait for the load instead of seeing a table without indexes) and drops
// the search indexes; rebuild recreates them from their stored
// definitions, in the same transaction, so a failed load leaves
// everything as it was.
func (ix *Index) bulkLoad(ctx context.Context, tx pgx.Tx, n int) (rebuildPlan, error) {
	if n < BulkThreshold {
		return rebuildPlan{}, nil
	}
	var stored float64
	if err := tx.QueryRow(ctx, `SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'knowledge_chunks'::regclass`).Scan(&stored); err != nil {
		return rebuildPlan{}, unavailable("put chunks", err)
	}
	if float64(n) < stored {
		return rebuildPlan{}, nil
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE knowledge_chunks IN ACCESS EXCLUSIVE MODE`); err != nil {
		return rebuildPlan{}, unavailable("put chunks", err)
	}
	// reltuples is an estimate; count now that nobody can write.
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM knowledge_chunks`).Scan(&stored); err != nil {
		return rebuildPlan{}, unavailable("put chunks", err)
	}
	if float64(n) < stored {
		return rebuildPlan{}, nil
	}
	rows, err := tx.Query(ctx, searchIndexes)
	if err != nil {
		return rebuildPlan{}, unavailable("put chunks", err)
	}
	type def struct{ name, sql string }
	defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (def, error) {
		var d def
		return d, r.Scan(&d.name, &d.sql)
	})
	if err != nil {
		return rebuildPlan{}, unavailable("put chunks", err)
	}
	var plan rebuildPlan
	for _, d := range defs {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{d.name}.Sanitize()); err != nil {
			return rebuildPlan{}, unavailable("put chunks", err)
		}
		plan.defs = append(plan.defs, d.sql)
	}
	return plan, nil
}

// rebuild recreates the dropped indexes and refreshes the planner's
// statistics, which a bulk load makes stale.
func (p rebuildPlan) rebuild(ctx context.Context, tx pgx.Tx) error {
	if p.defs == nil {
		return nil
	}
	// Index builds use up to maintenance_work_mem; HNSW builds are much
	// faster when the graph fits in it.
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
		return unavailable("put chunks", err)
	}
	for _, sql := range p.defs {
		// The definitions are the server's own (pg_indexes.indexdef).
		if _, err := tx.Exec(ctx, sql); err != nil {
			return unavailable("rebuild search index", err)
		}
	}
	if _, err := tx.Exec(ctx, `ANALYZE knowledge_chunks`); err != nil {
		return unavailable("put chunks", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DeleteDocument implements retrieval.Index.
func (ix *Index) DeleteDocument(ctx context.Context, docID string) error {
	if _, err := ix.pool.Exec(ctx, `DELETE FROM knowledge_chunks WHERE doc_id = $1`, docID); err != nil {
		return unavailable("delete document", err)
	}
	return nil
}

const chunkCols = `id, doc_id, kind, title, section, body, services, tags, source, flags, ord`

func scanChunk(row pgx.Row, extra ...any) (retrieval.Chunk, error) {
	var c retrieval.Chunk
	dest := append([]any{&c.ID, &c.DocID, &c.Kind, &c.Title, &c.Section, &c.Text, &c.Services, &c.Tags, &c.Source, &c.Flags, &c.Ord}, extra...)
	err := row.Scan(dest...)
	for _, s := range []*[]string{&c.Services, &c.Tags, &c.Flags} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	return c, err
}

// filterSQL is the WHERE clause of a filter, with parameters from $first.
func filterSQL(f retrieval.Filter, first int) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v []string) {
		if len(v) > 0 {
			args = append(args, v)
			conds = append(conds, fmt.Sprintf(cond, first+len(args)-1))
		}
	}
	add("kind = ANY($%d)", f.Kinds)
	add("services && $%d", f.Services)
	add("tags && $%d", f.Tags)
	if len(conds) == 0 {
		return "TRUE", nil
	}
	return strings.Join(conds, " AND "), args
}

// Search implements retrieval.Index.
func (ix *Index) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	depth := q.K
	if q.Mode == retrieval.Hybrid {
		depth = retrieval.LegDepth(q.K)
	}
	// The legs run concurrently, on two pooled connections: a hybrid
	// search takes as long as its slower leg, not both.
	var vec, text []retrieval.Hit
	var vecErr, textErr error
	var wg sync.WaitGroup
	if q.Mode != retrieval.TextOnly && len(q.Vector) > 0 {
		wg.Go(func() { vec, vecErr = ix.vectorLeg(ctx, q, depth) })
	}
	if q.Mode != retrieval.VectorOnly {
		wg.Go(func() { text, textErr = ix.textLeg(ctx, q, depth) })
	}
	wg.Wait()
	if err := firstErr(vecErr, textErr); err != nil {
		return nil, err
	}
	return retrieval.Fuse(q.Mode, q.K, vec, text), nil
}

// vectorSQL is the vector leg's query and its arguments. The dimension is
// an integer formatted into the SQL (the cast must be literal to match the
// index expression); everything else is a parameter.
func vectorSQL(q retrieval.Query, depth int) (string, []any) {
	d := len(q.Vector)
	where, args := filterSQL(q.Filter, 4)
	sql := fmt.Sprintf(`SELECT %s, 1 - (embedding::vector(%d) <=> $1::vector(%d)) AS score
		FROM knowledge_chunks
		WHERE dims = %d AND model = $2 AND %s
		ORDER BY embedding::vector(%d) <=> $1::vector(%d)
		LIMIT $3`, chunkCols, d, d, d, where, d, d)
	return sql, append([]any{pgvector.NewVector(q.Vector), q.Model, depth}, args...)
}

// vectorLeg orders by cosine distance on the dimension's HNSW index. The
// cast to vector(D) and the dims predicate match the index definition,
// so the planner can use it; iterative scans keep filtered queries from
// returning fewer rows than asked.
func (ix *Index) vectorLeg(ctx context.Context, q retrieval.Query, depth int) ([]retrieval.Hit, error) {
	sql, args := vectorSQL(q, depth)
	conn, err := ix.pool.Acquire(ctx)
	if err != nil {
		return nil, unavailable("vector search", err)
	}
	defer conn.Release()
	// One round trip: the setting is local to a transaction opened and
	// closed in the same batch.
	b := &pgx.Batch{}
	b.Queue(`BEGIN READ ONLY`)
	b.Queue(`SET LOCAL hnsw.iterative_scan = relaxed_order`)
	var hits []retrieval.Hit
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var err error
		hits, err = collect(rows, func(h *retrieval.Hit, s float64) { h.VectorLeg.Score = s })
		return err
	})
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		// A failed batch may leave the transaction open; a connection in
		// that state must not go back to the pool.
		conn.Conn().Close(context.Background()) //nolint:errcheck // discarding it
		var e *slorec.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, unavailable("vector search", err)
	}
	// relaxed_order may return near-ties slightly out of order.
	return retrieval.Top(hits, depth), nil
}

// textLeg matches any of the query's terms (an OR of its lexemes, so a
// long question still finds chunks that share only some words). With the
// RUM index (migration 0003) the index returns matches in rank order and
// the query reads only the best; without it every GIN match is ranked by
// cover density. Title and section weigh more than the body either way.
func (ix *Index) textLeg(ctx context.Context, q retrieval.Query, depth int) ([]retrieval.Hit, error) {
	terms := retrieval.Words(q.Text)
	if len(terms) == 0 {
		return nil, nil
	}
	rum, err := ix.hasRUM(ctx)
	if err != nil {
		return nil, err
	}
	sql, args := textSQL(q.Filter, rum)
	rows, err := ix.pool.Query(ctx, sql, append([]any{strings.Join(terms, " | "), depth}, args...)...)
	if err != nil {
		return nil, unavailable("text search", err)
	}
	hits, err := collect(rows, func(h *retrieval.Hit, s float64) { h.TextLeg.Score = s })
	if err != nil {
		return nil, err
	}
	return retrieval.Top(hits, depth), nil // ties in a stable order
}

// textSQL is the text leg's query: $1 the OR-query, $2 the depth.
func textSQL(f retrieval.Filter, rum bool) (string, []any) {
	where, args := filterSQL(f, 3)
	if rum {
		// RUM's <=> is a distance, 1 / rank: the score is its inverse.
		return fmt.Sprintf(`SELECT %s, 1 / (tsv <=> to_tsquery('english', $1)) AS score
			FROM knowledge_chunks
			WHERE tsv @@ to_tsquery('english', $1) AND %s
			ORDER BY tsv <=> to_tsquery('english', $1)
			LIMIT $2`, chunkCols, where), args
	}
	return fmt.Sprintf(`WITH q AS (SELECT to_tsquery('english', $1) AS query)
		SELECT %s, ts_rank_cd(tsv, q.query, 1) AS score
		FROM knowledge_chunks, q
		WHERE tsv @@ q.query AND %s
		ORDER BY score DESC, id
		LIMIT $2`, chunkCols, where), args
}

// hasRUM reports, once per Index, whether the RUM index exists.
func (ix *Index) hasRUM(ctx context.Context) (bool, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.rum != nil {
		return *ix.rum, nil
	}
	var ok bool
	if err := ix.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'knowledge_chunks_rum')`).Scan(&ok); err != nil {
		return false, unavailable("text search", err)
	}
	ix.rum = &ok
	return ok, nil
}

func collect(rows pgx.Rows, set func(*retrieval.Hit, float64)) ([]retrieval.Hit, error) {
	defer rows.Close()
	var out []retrieval.Hit
	for rows.Next() {
		var s float64
		c, err := scanChunk(rows, &s)
		if err != nil {
			return nil, unavailable("search", err)
		}
		h := retrieval.Hit{Chunk: c, Score: s}
		set(&h, s)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("search", err)
	}
	return out, nil
}

// Stale implements retrieval.Index.
func (ix *Index) Stale(ctx context.Context, model string) ([]string, error) {
	rows, err := ix.pool.Query(ctx, `SELECT id FROM knowledge_chunks WHERE model <> $1 ORDER BY id`, model)
	if err != nil {
		return nil, unavailable("stale chunks", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, unavailable("stale chunks", err)
	}
	return ids, nil
}

// Chunks implements retrieval.Index.
func (ix *Index) Chunks(ctx context.Context, ids []string) ([]retrieval.Chunk, error) {
	sql := `SELECT ` + chunkCols + ` FROM knowledge_chunks ORDER BY id`
	var args []any
	if ids != nil {
		sql = `SELECT ` + chunkCols + ` FROM knowledge_chunks WHERE id = ANY($1) ORDER BY id`
		args = []any{ids}
	}
	rows, err := ix.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, unavailable("chunks", err)
	}
	defer rows.Close()
	var out []retrieval.Chunk
	for rows.Next() {
		c, err := scanChunk(rows)
		if err != nil {
			return nil, unavailable("chunks", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("chunks", err)
	}
	return out, nil
}

// Len implements retrieval.Index.
func (ix *Index) Len(ctx context.Context) (int, error) {
	var n int
	if err := ix.pool.QueryRow(ctx, `SELECT count(*) FROM knowledge_chunks`).Scan(&n); err != nil {
		return 0, unavailable("count chunks", err)
	}
	return n, nil
}

// firstErr returns the first non-nil error, keeping its code.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
