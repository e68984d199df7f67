// Package pgindex is the Postgres retrieval.Index: chunks in the
// knowledge_chunks table (migrations/0002_knowledge.sql), the vector leg on
// a pgvector HNSW index (cosine) per embedding dimension, the full-text leg
// BM25 over an impact-ordered posting table (migration 0005, postings.go)
// with the in-memory index's terms and parameters, fused by reciprocal
// rank like the in-memory index. Filters are SQL parameters, never SQL
// text.
package pgindex

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	posted  bool         // no chunk lacks its postings (see ensurePosted)
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
// old chunks and postings are deleted and the new ones written, with the
// terms' document frequencies and the collection's stats.
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
	if err := ix.ensurePosted(ctx); err != nil {
		return err
	}
	tx, err := ix.pool.Begin(ctx)
	if err != nil {
		return unavailable("put chunks", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	st, err := lockStats(ctx, tx)
	if err != nil {
		return err
	}
	var docs []string
	seen := map[string]bool{}
	for _, r := range records {
		if !seen[r.DocID] {
			seen[r.DocID] = true
			docs = append(docs, r.DocID)
		}
	}
	if err := deleteDocs(ctx, tx, docs, &st); err != nil {
		return err
	}
	bulk, err := ix.bulkLoad(ctx, tx, len(records))
	if err != nil {
		return err
	}
	if bulk.active() {
		// Recount what is left exactly rather than trust the counters:
		// a bulk load also repairs them.
		if err := countStats(ctx, tx, &st); err != nil {
			return err
		}
	}
	chunks := make([]retrieval.Chunk, len(records))
	for i, r := range records {
		chunks[i] = r.Chunk
	}
	cts := termsOf(chunks)
	rows := make([][]any, len(records))
	for i, r := range records {
		var emb any
		if len(r.Vector) > 0 {
			v := pgvector.NewVector(r.Vector)
			emb = &v
		}
		rows[i] = []any{r.ID, r.DocID, r.Kind, r.Title, r.Section, r.Text, nonNil(r.Services), nonNil(r.Tags), r.Source, nonNil(r.Flags), r.Ord, r.Model, len(r.Vector), emb, int32(cts[i].length)}
	}
	cols := []string{"id", "doc_id", "kind", "title", "section", "body", "services", "tags", "source", "flags", "ord", "model", "dims", "embedding", "terms_len"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"knowledge_chunks"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return unavailable("put chunks", err)
	}
	if err := setSeqs(ctx, tx, cts); err != nil {
		return err
	}
	if err := writeTerms(ctx, tx, cts, &st, bulk.active()); err != nil {
		return err
	}
	if err := bulk.rebuild(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable("put chunks", err)
	}
	if bulk.active() {
		// A bulk-loaded table's pages are not yet marked all-visible, so
		// the searches' index-only scans would visit the heap for every
		// posting until autovacuum got to it. VACUUM cannot run in the
		// transaction; if it fails, the committed load is intact and
		// autovacuum does the same later, so its error is not the Put's.
		_, _ = ix.pool.Exec(ctx, `VACUUM knowledge_postings`)
	}
	return nil
}

// BulkThreshold is the smallest Put that may load in bulk: see bulkLoad.
const BulkThreshold = 2000

// searchIndexes are the indexes of knowledge_chunks a bulk load drops and
// rebuilds: the vector ones, whose per-row maintenance dominates the cost
// of inserting (HNSW insertion is a graph search per row).
const searchIndexes = `SELECT indexname, indexdef FROM pg_indexes
	WHERE schemaname = current_schema() AND tablename = 'knowledge_chunks'
	  AND indexdef LIKE '%USING hnsw%'
	ORDER BY indexname`

// postingIndexes are the indexes of knowledge_postings other than its
// primary key's, which postingConstraints covers; a bulk load drops and
// rebuilds both, since a B-tree built once over sorted input is far
// cheaper than tens of insertions per chunk.
const postingIndexes = `SELECT indexname, indexdef FROM pg_indexes
	WHERE schemaname = current_schema() AND tablename = 'knowledge_postings'
	  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'knowledge_postings'::regclass)
	ORDER BY indexname`

// postingConstraints are the primary and foreign keys of
// knowledge_postings, primary first. The foreign key checks each row it
// sees inserted with a query of its own; re-adding it checks all of them
// in one join.
const postingConstraints = `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
	WHERE conrelid = 'knowledge_postings'::regclass AND contype IN ('p', 'f')
	ORDER BY contype DESC, conname`

// rebuildPlan is what bulkLoad dropped, to be recreated after the COPY:
// index definitions, then constraints to add back to knowledge_postings.
type rebuildPlan struct {
	bulk        bool
	defs        []string
	constraints []string
}

func (p rebuildPlan) active() bool { return p.bulk }

// bulkLoad decides, inside tx, whether a Put of n chunks loads in bulk: when
// n is at least BulkThreshold and at least the rows already stored,
// building the search indexes once over the whole table is cheaper than
// maintaining them row by row (several times faster at 100k chunks; see
// docs/performance.md). It then takes the exclusive lock of the tables
// (searches wait for the load instead of seeing a table without indexes)
// and drops the search indexes and the posting table's keys; rebuild
// recreates them from their stored definitions, in the same transaction,
// so a failed load leaves everything as it was. The tables are locked in
// one statement, in the order the text leg's query names them: a search
// holding one while it waits for the next could otherwise deadlock with
// the load.
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
	if _, err := tx.Exec(ctx, `LOCK TABLE knowledge_terms, knowledge_postings, knowledge_chunks IN ACCESS EXCLUSIVE MODE`); err != nil {
		return rebuildPlan{}, unavailable("put chunks", err)
	}
	// reltuples is an estimate; count now that nobody can write.
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM knowledge_chunks`).Scan(&stored); err != nil {
		return rebuildPlan{}, unavailable("put chunks", err)
	}
	if float64(n) < stored {
		return rebuildPlan{}, nil
	}
	type def struct{ name, sql string }
	list := func(sql string) ([]def, error) {
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			return nil, unavailable("put chunks", err)
		}
		defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (def, error) {
			var d def
			return d, r.Scan(&d.name, &d.sql)
		})
		if err != nil {
			return nil, unavailable("put chunks", err)
		}
		return defs, nil
	}
	plan := rebuildPlan{bulk: true}
	for _, q := range []string{searchIndexes, postingIndexes} {
		defs, err := list(q)
		if err != nil {
			return rebuildPlan{}, err
		}
		for _, d := range defs {
			if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{d.name}.Sanitize()); err != nil {
				return rebuildPlan{}, unavailable("put chunks", err)
			}
			plan.defs = append(plan.defs, d.sql)
		}
	}
	cons, err := list(postingConstraints)
	if err != nil {
		return rebuildPlan{}, err
	}
	for _, c := range cons {
		name := pgx.Identifier{c.name}.Sanitize()
		if _, err := tx.Exec(ctx, `ALTER TABLE knowledge_postings DROP CONSTRAINT `+name); err != nil {
			return rebuildPlan{}, unavailable("put chunks", err)
		}
		plan.constraints = append(plan.constraints, `ALTER TABLE knowledge_postings ADD CONSTRAINT `+name+` `+c.sql)
	}
	return plan, nil
}

// rebuild recreates the dropped indexes and keys and refreshes the
// planner's statistics, which a bulk load makes stale.
func (p rebuildPlan) rebuild(ctx context.Context, tx pgx.Tx) error {
	if !p.bulk {
		return nil
	}
	// Index builds use up to maintenance_work_mem; HNSW builds are much
	// faster when the graph fits in it.
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
		return unavailable("put chunks", err)
	}
	// The definitions are the server's own (pg_indexes.indexdef,
	// pg_get_constraintdef).
	for _, sql := range append(slices.Clone(p.defs), p.constraints...) {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return unavailable("rebuild search index", err)
		}
	}
	if _, err := tx.Exec(ctx, `ANALYZE knowledge_chunks, knowledge_postings, knowledge_terms`); err != nil {
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

// DeleteDocument implements retrieval.Index: the chunks and their
// postings, with the counts, in one transaction.
func (ix *Index) DeleteDocument(ctx context.Context, docID string) error {
	tx, err := ix.pool.Begin(ctx)
	if err != nil {
		return unavailable("delete document", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	st, err := lockStats(ctx, tx)
	if err != nil {
		return err
	}
	if err := deleteDocs(ctx, tx, []string{docID}, &st); err != nil {
		return err
	}
	if st.reweigh() {
		if err := reweighAll(ctx, tx, st.ref); err != nil {
			return err
		}
	}
	if err := saveStats(ctx, tx, st); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
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
	// Each leg returns its hits whole: fetching only the fused k after
	// fusion took one more round trip than it saved (docs/performance.md).
	return retrieval.Fuse(q.Mode, q.K, vec, text), nil
}

// vectorSQL is the vector leg's query and its arguments. The dimension is
// an integer formatted into the SQL (the cast must be literal to match the
// index expression), and so is the depth (an int), so that a generic plan
// knows the limit as a custom one does; everything else is a parameter.
func vectorSQL(q retrieval.Query, depth int) (string, []any) {
	d := len(q.Vector)
	where, args := filterSQL(q.Filter, 3)
	sql := fmt.Sprintf(`SELECT %s, 1 - (embedding::vector(%d) <=> $1::vector(%d)) AS score
		FROM knowledge_chunks
		WHERE dims = %d AND model = $2 AND %s
		ORDER BY embedding::vector(%d) <=> $1::vector(%d)
		LIMIT %d`, chunkCols, d, d, d, where, d, d, depth)
	return sql, append([]any{pgvector.NewVector(q.Vector), q.Model}, args...)
}

// vectorLeg orders by cosine distance on the dimension's HNSW index. The
// cast to vector(D) and the dims predicate match the index definition,
// so the planner can use it; iterative scans keep filtered queries from
// returning fewer rows than asked.
func (ix *Index) vectorLeg(ctx context.Context, q retrieval.Query, depth int) ([]retrieval.Hit, error) {
	sql, args := vectorSQL(q, depth)
	hits, err := ix.read(ctx, "vector search", legSettings(q.Filter, "hnsw.iterative_scan", "relaxed_order"), sql, args,
		func(h *retrieval.Hit, s float64) { h.VectorLeg.Score = s })
	if err != nil {
		return nil, err
	}
	// relaxed_order may return near-ties slightly out of order.
	return retrieval.Top(hits, depth), nil
}

// legSettings are the settings a leg's query runs with: its own (name,
// value pairs) and, unfiltered, a generic plan. An unfiltered leg's
// statement has one plan whatever its parameters (tested), and planning
// it afresh for every search, as Postgres does a prepared statement
// whose custom plans it does not judge dearer than the generic one, cost
// the text leg 0.4 ms of its 2.5 at 100k chunks (docs/performance.md).
// A filtered leg keeps custom plans, so the planner sees how selective
// the filter is.
func legSettings(f retrieval.Filter, own ...string) []string {
	if f.Empty() {
		own = append(own, "plan_cache_mode", "force_generic_plan")
	}
	return own
}

// read runs one query in a read-only transaction with settings (name,
// value pairs) local to it, in one round trip: BEGIN, set_config, the
// query and COMMIT in one pgx batch. The names and values are the
// package's constants, never input.
func (ix *Index) read(ctx context.Context, op string, settings []string, sql string, args []any, set func(*retrieval.Hit, float64)) ([]retrieval.Hit, error) {
	conn, err := ix.pool.Acquire(ctx)
	if err != nil {
		return nil, unavailable(op, err)
	}
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue(`BEGIN READ ONLY`)
	if len(settings) > 0 {
		var calls []string
		for i := 0; i+1 < len(settings); i += 2 {
			calls = append(calls, fmt.Sprintf("set_config('%s', '%s', true)", settings[i], settings[i+1]))
		}
		b.Queue(`SELECT ` + strings.Join(calls, ", "))
	}
	var hits []retrieval.Hit
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var err error
		hits, err = collect(rows, set)
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
		return nil, unavailable(op, err)
	}
	return hits, nil
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
