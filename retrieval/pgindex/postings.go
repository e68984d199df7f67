package pgindex

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval"
)

// The full-text leg is BM25 over an impact-ordered posting table
// (migrations 0005 and 0006): one row per (term, chunk), the chunk named
// by its sequence number (knowledge_chunks.seq), with the chunk's term count,
// its length and its impact, the BM25 term-frequency part, and a B-tree on
// (term, impact DESC). A search reads each query term's postings from that
// index, all of the rarer terms' and only the best few of the commoner
// ones' (early termination), scores each read posting exactly, sums per
// chunk and keeps the best. Terms and counts are retrieval.TermCounts, the
// in-memory index's, so both indexes rank alike.

// PostingBudget is how many postings a search reads whole: the query's
// terms in order of document frequency, rarest first, for as long as
// their postings add up to at most PostingBudget; of each further term
// only the top postings by impact (TopPostings, or 5 × the leg's depth
// when that is more). A read posting costs the server about a microsecond,
// so the two bound a search's work: 4,000 postings and 200 per further
// term. The terms cut short are the commonest, whose idf is lowest (ln 34
// for a term in 3% of the chunks against ln 333 for one in 0.3%), so
// their postings beyond the best rarely decide the ranking. What is lost
// is a chunk that only such terms match and that is not among their top
// postings, and their share of the score of a chunk a rarer term found.
// On the benchmark's queries at 100,000 chunks 94% of the in-memory
// index's top 5 are found (BenchmarkPostgresTextAgreement); a budget of
// 6,000 found 97%, for a text-only p99 of 7–10 ms instead of 5–6
// (docs/performance.md). At 10,000 chunks, and on a corpus as small as
// the shipped one, the ranking is the in-memory index's.
const (
	PostingBudget = 4000
	TopPostings   = 200
)

// topPostings is how many postings of a term past the budget a search of
// depth reads.
func topPostings(depth int) int { return max(TopPostings, 5*depth) }

// MaxAvgLenDrift is how far (as a ratio) the mean chunk length may move
// from the one the stored impacts were computed with before a write
// recomputes every impact. Impacts only order the postings a search
// reads; scores use the current mean, so drift changes which postings are
// read, never how a read one scores. Within a term, impacts of equal tf
// order by length whatever the mean, so a small drift barely reorders.
const MaxAvgLenDrift = 0.10

// stats is the locked knowledge_stats row: the chunks with postings,
// their total length, and the mean length the impacts use (0 before any).
type stats struct {
	chunks, totalLen int64
	ref              float64
}

// lockStats locks and reads the stats row. Every writer takes it first,
// so writers are serialised: counters are never updated in conflicting
// orders (no deadlocks), and each write sees the counts it changes.
func lockStats(ctx context.Context, tx pgx.Tx) (stats, error) {
	var s stats
	var ref *float64
	if err := tx.QueryRow(ctx, `SELECT chunks, total_len, impact_avglen FROM knowledge_stats FOR UPDATE`).Scan(&s.chunks, &s.totalLen, &ref); err != nil {
		return stats{}, unavailable("lock knowledge stats", err)
	}
	if ref != nil {
		s.ref = *ref
	}
	return s, nil
}

// countStats recounts the chunks and their length from the table.
func countStats(ctx context.Context, tx pgx.Tx, s *stats) error {
	if err := tx.QueryRow(ctx, `SELECT count(terms_len), coalesce(sum(terms_len), 0) FROM knowledge_chunks`).Scan(&s.chunks, &s.totalLen); err != nil {
		return unavailable("count chunks", err)
	}
	return nil
}

// reweigh sets the reference mean length to the current mean when it has
// drifted more than MaxAvgLenDrift (or was never set) and reports whether
// it did, in which case every stored impact must be recomputed.
func (s *stats) reweigh() bool {
	if s.chunks == 0 || s.totalLen == 0 {
		return false
	}
	avg := float64(s.totalLen) / float64(s.chunks)
	if s.ref > 0 && math.Abs(avg-s.ref) <= MaxAvgLenDrift*s.ref {
		return false
	}
	s.ref = avg
	return true
}

func saveStats(ctx context.Context, tx pgx.Tx, s stats) error {
	var ref *float64
	if s.ref > 0 {
		ref = &s.ref
	}
	if _, err := tx.Exec(ctx, `UPDATE knowledge_stats SET chunks = $1, total_len = $2, impact_avglen = $3`, s.chunks, s.totalLen, ref); err != nil {
		return unavailable("write knowledge stats", err)
	}
	return nil
}

// impact is the BM25 term-frequency part of a posting, with the mean
// length ref; the same expression as reweighSQL and the search's score.
func impact(tf, length int, ref float64) float32 {
	f, l := float64(tf), float64(length)
	return float32(f * (retrieval.BM25K1 + 1) / (f + retrieval.BM25K1*(1-retrieval.BM25B+retrieval.BM25B*l/ref)))
}

// reweighSQL recomputes every impact with the mean length $3.
const reweighSQL = `UPDATE knowledge_postings
	SET impact = tf * ($1::float8 + 1) / (tf + $1::float8 * (1 - $2::float8 + $2::float8 * chunk_len / $3::float8))`

func reweighAll(ctx context.Context, tx pgx.Tx, ref float64) error {
	if _, err := tx.Exec(ctx, reweighSQL, retrieval.BM25K1, retrieval.BM25B, ref); err != nil {
		return unavailable("recompute impacts", err)
	}
	return nil
}

// chunkTerms are one chunk's term counts and length; seq is its
// knowledge_chunks.seq, known once the chunk is stored (see setSeqs).
type chunkTerms struct {
	id     string
	seq    int64
	tf     map[string]int
	length int
}

// setSeqs reads the sequence numbers the database gave the chunks of cts.
func setSeqs(ctx context.Context, tx pgx.Tx, cts []chunkTerms) error {
	ids := make([]string, len(cts))
	for i, ct := range cts {
		ids[i] = ct.id
	}
	rows, err := tx.Query(ctx, `SELECT id, seq FROM knowledge_chunks WHERE id = ANY($1)`, ids)
	if err != nil {
		return unavailable("write postings", err)
	}
	seqs := map[string]int64{}
	var id string
	var seq int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &seq}, func() error {
		seqs[id] = seq
		return nil
	}); err != nil {
		return unavailable("write postings", err)
	}
	for i := range cts {
		var ok bool
		if cts[i].seq, ok = seqs[cts[i].id]; !ok {
			return slorec.Errorf(slorec.EINTERNAL, "write postings: chunk %q is not stored", cts[i].id)
		}
	}
	return nil
}

func termsOf(chunks []retrieval.Chunk) []chunkTerms {
	out := make([]chunkTerms, len(chunks))
	for i, c := range chunks {
		tf, n := retrieval.TermCounts(c)
		out[i] = chunkTerms{id: c.ID, tf: tf, length: n}
	}
	return out
}

// add counts cts into s.
func (s *stats) add(cts []chunkTerms) {
	for _, ct := range cts {
		s.chunks++
		s.totalLen += int64(ct.length)
	}
}

// deletePostingsSQL deletes the postings of the documents $1 and lowers
// their terms' document frequencies.
const deletePostingsSQL = `WITH gone AS (
		DELETE FROM knowledge_postings p USING knowledge_chunks c
		WHERE c.doc_id = ANY($1) AND p.chunk_seq = c.seq
		RETURNING p.term)
	UPDATE knowledge_terms t SET df = t.df - g.n
	FROM (SELECT term, count(*) AS n FROM gone GROUP BY term) g
	WHERE t.term = g.term`

// deleteDocs removes the documents' postings and chunks, lowering their
// terms' document frequencies and the stats. The postings go first,
// explicitly, so their terms can be counted; the foreign key's cascade
// then finds nothing, and is there for deletes that bypass the Index.
func deleteDocs(ctx context.Context, tx pgx.Tx, docs []string, s *stats) error {
	if _, err := tx.Exec(ctx, deletePostingsSQL, docs); err != nil {
		return unavailable("delete postings", err)
	}
	var chunks, length int64
	if err := tx.QueryRow(ctx, `WITH gone AS (DELETE FROM knowledge_chunks WHERE doc_id = ANY($1) RETURNING terms_len)
		SELECT count(terms_len), coalesce(sum(terms_len), 0) FROM gone`, docs).Scan(&chunks, &length); err != nil {
		return unavailable("delete chunks", err)
	}
	s.chunks -= chunks
	s.totalLen -= length
	return nil
}

// copyPostings writes the postings of cts, with impacts for the mean
// length ref.
func copyPostings(ctx context.Context, tx pgx.Tx, cts []chunkTerms, ref float64) error {
	var rows [][]any
	for _, ct := range cts {
		terms := make([]string, 0, len(ct.tf))
		for t := range ct.tf {
			terms = append(terms, t)
		}
		slices.Sort(terms) // deterministic, and the primary key's order
		for _, t := range terms {
			tf := ct.tf[t]
			rows = append(rows, []any{ct.seq, t, int32(tf), int32(ct.length), impact(tf, ct.length, ref)})
		}
	}
	cols := []string{"chunk_seq", "term", "tf", "chunk_len", "impact"}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"knowledge_postings"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return unavailable("write postings", err)
	}
	return nil
}

// addDF raises the document frequencies of the terms of cts.
func addDF(ctx context.Context, tx pgx.Tx, cts []chunkTerms) error {
	df := map[string]int32{}
	for _, ct := range cts {
		for t := range ct.tf {
			df[t]++
		}
	}
	if len(df) == 0 {
		return nil
	}
	terms := make([]string, 0, len(df))
	for t := range df {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	counts := make([]int32, len(terms))
	for i, t := range terms {
		counts[i] = df[t]
	}
	if _, err := tx.Exec(ctx, `INSERT INTO knowledge_terms (term, df)
		SELECT * FROM unnest($1::text[], $2::int[])
		ON CONFLICT (term) DO UPDATE SET df = knowledge_terms.df + excluded.df`, terms, counts); err != nil {
		return unavailable("count terms", err)
	}
	return nil
}

// recountDF rebuilds the document frequencies from the postings: a bulk
// load's cheaper path, and a repair of counts that deletes bypassing the
// Index left too high.
func recountDF(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `TRUNCATE knowledge_terms`); err != nil {
		return unavailable("count terms", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO knowledge_terms (term, df) SELECT term, count(*) FROM knowledge_postings GROUP BY term`); err != nil {
		return unavailable("count terms", err)
	}
	return nil
}

// ensurePosted writes, once per Index, the postings of chunks stored
// before migration 0005 (terms_len NULL): without them the text leg would
// not see those chunks. Concurrent callers are serialised by the stats
// lock; the second finds nothing left to do.
func (ix *Index) ensurePosted(ctx context.Context) error {
	ix.mu.Lock()
	done := ix.posted
	ix.mu.Unlock()
	if done {
		return nil
	}
	var pending bool
	if err := ix.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM knowledge_chunks WHERE terms_len IS NULL)`).Scan(&pending); err != nil {
		return unavailable("check postings", err)
	}
	if pending {
		if err := ix.backfill(ctx); err != nil {
			return err
		}
	}
	ix.mu.Lock()
	ix.posted = true
	ix.mu.Unlock()
	return nil
}

func (ix *Index) backfill(ctx context.Context) error {
	tx, err := ix.pool.Begin(ctx)
	if err != nil {
		return unavailable("write postings", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	st, err := lockStats(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id, seq, title, section, body FROM knowledge_chunks WHERE terms_len IS NULL ORDER BY id FOR UPDATE`)
	if err != nil {
		return unavailable("write postings", err)
	}
	var seqs []int64
	chunks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (retrieval.Chunk, error) {
		var c retrieval.Chunk
		var seq int64
		err := r.Scan(&c.ID, &seq, &c.Title, &c.Section, &c.Text)
		seqs = append(seqs, seq)
		return c, err
	})
	if err != nil {
		return unavailable("write postings", err)
	}
	cts := termsOf(chunks)
	for i := range cts {
		cts[i].seq = seqs[i]
	}
	if err := writeTerms(ctx, tx, cts, &st, false); err != nil {
		return err
	}
	ids := make([]string, len(cts))
	lens := make([]int32, len(cts))
	for i, ct := range cts {
		ids[i], lens[i] = ct.id, int32(ct.length)
	}
	if _, err := tx.Exec(ctx, `UPDATE knowledge_chunks c SET terms_len = v.len
		FROM unnest($1::text[], $2::int[]) AS v(id, len) WHERE c.id = v.id`, ids, lens); err != nil {
		return unavailable("write postings", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable("write postings", err)
	}
	return nil
}

// writeTerms adds the postings of cts (whose chunks are, or are about to
// be, in the table) and their counts: the stats, reweighing every impact
// when the mean length drifted, the postings, and the document
// frequencies (recounted from the table when recount is set, after a bulk
// load).
func writeTerms(ctx context.Context, tx pgx.Tx, cts []chunkTerms, s *stats, recount bool) error {
	s.add(cts)
	if s.reweigh() {
		if err := reweighAll(ctx, tx, s.ref); err != nil {
			return err
		}
	}
	if err := copyPostings(ctx, tx, cts, s.ref); err != nil {
		return err
	}
	var err error
	if recount {
		err = recountDF(ctx, tx)
	} else {
		err = addDF(ctx, tx, cts)
	}
	if err != nil {
		return err
	}
	return saveStats(ctx, tx, *s)
}

// filterAt says where a text search applies its filter.
type filterAt int

const (
	noFilter filterAt = iota
	// afterTop filters the chunks found in the terms' top postings: cheap,
	// but a selective filter can leave fewer hits than asked.
	afterTop
	// inTop reads each term's top postings among the chunks the filter
	// admits: a probe of the chunk per posting read, until enough pass.
	inTop
)

// textSQL is the text leg's query: $1 the query's terms, $2 the postings
// read of a term past the budget, $3 the depth, $4 and $5 BM25's k1 and b,
// $6 PostingBudget; the filter's parameters follow. One statement, so one
// round trip. q is each term with its running total of postings (rarest
// first) and its score's constants: idf·(k1+1), k1·(1−b) and
// k1·b/avglen, with idf from the document frequency and the stats row, so
// that a posting scores idf·(k1+1)·tf / (tf + k1·(1 − b + b·len/avglen)),
// its exact BM25 weight, in four operations. Each term's postings come
// from the covering index by impact (an index-only scan), all of them or
// the top $2; they are summed per chunk number and the best joined to
// their chunks. Unfiltered, the best $3 are taken before the join, with
// the ties at the cut (WITH TIES): chunk numbers do not follow ids, and
// among equal scores the hits are the smallest ids, as in the in-memory
// index. The tables
// appear in the order a bulk load locks them (see bulkLoad).
func textSQL(f retrieval.Filter, at filterAt) (string, []any) {
	where, args := filterSQL(f, 7)
	join, inner, limit := "", "", ""
	switch at {
	case noFilter, inTop:
		// Every scored chunk passes: rank before joining, so only the
		// hits are read from knowledge_chunks.
		limit = "ORDER BY score DESC FETCH FIRST ($3) ROWS WITH TIES"
		if at == inTop {
			join = "JOIN knowledge_chunks c ON c.seq = p.chunk_seq"
			inner = "AND " + where
		}
	}
	return fmt.Sprintf(`WITH q AS MATERIALIZED (
			SELECT t.term, sum(t.df) OVER (ORDER BY t.df, t.term) AS read,
				ln(1 + (greatest(s.n, t.df) - t.df + 0.5) / (t.df::float8 + 0.5)) * ($4::float8 + 1) AS a,
				$4::float8 * (1 - $5::float8) AS c,
				$4::float8 * $5::float8 / s.avglen AS d
			FROM (SELECT chunks::float8 AS n,
					CASE WHEN total_len > 0 THEN total_len::float8 / chunks ELSE 1 END AS avglen
				FROM knowledge_stats LIMIT 1) s,
				knowledge_terms t
			WHERE t.term = ANY($1::text[]) AND t.df > 0
		), scored AS (
			SELECT top.chunk_seq, sum(q.a * top.tf / (top.tf + q.c + q.d * top.chunk_len)) AS score
			FROM q, LATERAL (
				SELECT p.chunk_seq, p.tf, p.chunk_len FROM knowledge_postings p %s
				WHERE p.term = q.term %s
				ORDER BY p.impact DESC
				LIMIT CASE WHEN q.read <= $6::int THEN NULL ELSE $2::int END) top
			GROUP BY top.chunk_seq
			%s
		)
		SELECT %s, scored.score
		FROM scored JOIN knowledge_chunks c ON c.seq = scored.chunk_seq
		WHERE %s
		ORDER BY scored.score DESC, c.id
		LIMIT $3::int`, join, inner, limit, chunkCols, where), args
}

// textLeg is BM25 over the posting table. A filtered search first
// filters the chunks the terms' top postings found; when that leaves
// fewer than depth hits it reads again, each term's top postings among
// the admitted chunks only, so a selective filter does not lose hits to
// the truncation.
func (ix *Index) textLeg(ctx context.Context, q retrieval.Query, depth int) ([]retrieval.Hit, error) {
	terms := retrieval.Terms(q.Text)
	if len(terms) == 0 {
		return nil, nil
	}
	slices.Sort(terms)
	terms = slices.Compact(terms)
	if err := ix.ensurePosted(ctx); err != nil {
		return nil, err
	}
	at := noFilter
	if !q.Filter.Empty() {
		at = afterTop
	}
	for {
		sql, args := textSQL(q.Filter, at)
		hits, err := ix.read(ctx, "text search", legSettings(q.Filter), sql,
			append([]any{terms, topPostings(depth), depth, retrieval.BM25K1, retrieval.BM25B, PostingBudget}, args...),
			func(h *retrieval.Hit, s float64) { h.TextLeg.Score = s })
		if err != nil {
			return nil, err
		}
		if at == afterTop && len(hits) < depth {
			at = inTop
			continue
		}
		return retrieval.Top(hits, depth), nil // ties in a stable order
	}
}
