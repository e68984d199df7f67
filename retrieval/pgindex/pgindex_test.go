package pgindex

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/embed"
	"github.com/slorec/slorec/retrieval/indextest"
	"github.com/slorec/slorec/store/postgres"
)

// open returns an index on a fresh, migrated database.
func open(t testing.TB) *Index {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	_, err := postgres.MigrateURL(ctx, url)
	require.NoError(t, err)
	db, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return New(db.Pool())
}

func TestPostgresIndexContract(t *testing.T) {
	indextest.Run(t, func(t *testing.T) retrieval.Index { return open(t) })
}

func TestPostgresVectorLegUsesTheHNSWIndex(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	const n, dims = 3000, 32
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([]retrieval.Record, n)
	for i := range recs {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		doc := fmt.Sprintf("doc-%04d", i)
		recs[i] = retrieval.Record{Chunk: retrieval.Chunk{ID: "runbook/" + doc + "#a", DocID: doc, Kind: "runbook", Title: "t", Text: "text"}, Vector: v, Model: "m"}
	}
	require.NoError(t, ix.Put(ctx, recs))
	_, err := ix.pool.Exec(ctx, "ANALYZE knowledge_chunks")
	require.NoError(t, err)

	q := retrieval.Query{Vector: recs[7].Vector, Model: "m", K: 5, Mode: retrieval.VectorOnly}
	sql, args := vectorSQL(q, 5)
	rows, err := ix.pool.Query(ctx, "EXPLAIN "+sql, args...)
	require.NoError(t, err)
	var plan []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan = append(plan, line)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, strings.Join(plan, "\n"), "Index Scan using "+hnswName(dims), strings.Join(plan, "\n"))
	// The unfiltered leg runs on a generic plan (legSettings): it must be
	// the same index scan.
	generic := explainGeneric(t, ix, sql)
	require.Contains(t, generic, "Index Scan using "+hnswName(dims), generic)

	hits, err := ix.Search(ctx, q)
	require.NoError(t, err)
	require.Equal(t, recs[7].ID, hits[0].ID, "a vector finds itself first")
	require.InDelta(t, 1.0, hits[0].VectorLeg.Score, 1e-5)
}

// explainGeneric is the generic plan of sql, the one a prepared statement
// run with plan_cache_mode = force_generic_plan uses.
func explainGeneric(t *testing.T, ix *Index, sql string) string {
	t.Helper()
	ctx := context.Background()
	c, err := ix.pool.Acquire(ctx)
	require.NoError(t, err)
	defer c.Release()
	// The simple protocol, straight from pgconn: pgx would want the
	// parameters' values, which a generic plan is made without.
	res, err := c.Conn().PgConn().Exec(ctx, "EXPLAIN (GENERIC_PLAN) "+sql).ReadAll()
	require.NoError(t, err)
	var plan []string
	for _, r := range res {
		for _, row := range r.Rows {
			plan = append(plan, string(row[0]))
		}
	}
	return strings.Join(plan, "\n")
}

func TestPostgresUnfilteredLegsReuseAGenericPlan(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	recs := indextest.Synthetic(300, 4)
	require.NoError(t, ix.Put(ctx, recs))
	queries := indextest.Queries(12, 5, retrieval.Hybrid)
	for _, q := range queries {
		_, err := ix.Search(ctx, q)
		require.NoError(t, err)
	}
	filtered := queries[0]
	filtered.Filter.Kinds = []string{"runbook"}
	for range 8 {
		_, err := ix.Search(ctx, filtered)
		require.NoError(t, err)
	}
	// Each leg's statement is prepared once per connection; count its
	// plans over every connection the searches used.
	type plans struct{ generic, custom int64 }
	got := map[string]plans{}
	for _, c := range ix.pool.AcquireAllIdle(ctx) {
		rows, err := c.Query(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements`)
		require.NoError(t, err)
		for rows.Next() {
			var stmt string
			var p plans
			require.NoError(t, rows.Scan(&stmt, &p.generic, &p.custom))
			key := "other"
			switch {
			case strings.HasPrefix(stmt, "WITH q AS") && strings.Contains(stmt, "kind = ANY"):
				key = "text, filtered"
			case strings.HasPrefix(stmt, "WITH q AS"):
				key = "text"
			case strings.Contains(stmt, "ORDER BY embedding") && strings.Contains(stmt, "kind = ANY"):
				key = "vector, filtered"
			case strings.Contains(stmt, "ORDER BY embedding"):
				key = "vector"
			}
			sum := got[key]
			got[key] = plans{sum.generic + p.generic, sum.custom + p.custom}
		}
		require.NoError(t, rows.Err())
		c.Release()
	}
	for _, leg := range []string{"vector", "text"} {
		require.Equal(t, plans{generic: int64(len(queries))}, got[leg], "%s leg: every unfiltered search on the generic plan, none planned afresh", leg)
		// Filtered, Postgres decides (plan_cache_mode auto): custom plans
		// for the first five runs on a connection at least. (A filtered
		// text search that finds too few reads again: two statements.)
		f := got[leg+", filtered"]
		require.GreaterOrEqual(t, f.generic+f.custom, int64(8), "%s leg, filtered: %+v", leg, f)
		require.GreaterOrEqual(t, f.custom, int64(5), "%s leg: a filtered search is planned for its filter", leg)
	}
}

// searchIndexDefs are the definitions of the indexes and keys a bulk
// load rebuilds.
func searchIndexDefs(t *testing.T, ix *Index) []string {
	t.Helper()
	var out []string
	for _, q := range []string{searchIndexes, postingIndexes, postingConstraints} {
		rows, err := ix.pool.Query(context.Background(), q)
		require.NoError(t, err)
		defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
			var name, def string
			return name + ": " + def, r.Scan(&name, &def)
		})
		require.NoError(t, err)
		out = append(out, defs...)
	}
	return out
}

func TestPostgresBulkLoadRebuildsTheSearchIndexes(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	small := indextest.Synthetic(10, 2)
	require.NoError(t, ix.Put(ctx, small), "a small Put creates the HNSW index")
	before := searchIndexDefs(t, ix)
	require.Len(t, before, 4, "HNSW, the postings' impact index, primary and foreign key: %v", before)

	recs := indextest.Synthetic(BulkThreshold+500, 1)
	require.NoError(t, ix.Put(ctx, recs))
	require.Equal(t, before, searchIndexDefs(t, ix), "the same indexes after the bulk load")
	n, err := ix.Len(ctx)
	require.NoError(t, err)
	require.Equal(t, len(recs)+len(small)-10, n, "Synthetic(10, 2) shares doc-000000 with the bulk, which replaces it")
	requirePostingsMatchChunks(t, ix)

	q := retrieval.Query{Text: strings.Join(strings.Fields(recs[42].Text)[:6], " "), Vector: recs[42].Vector, Model: "bench-100d", K: 5}
	hits, err := ix.Search(ctx, q)
	require.NoError(t, err)
	require.Equal(t, recs[42].ID, hits[0].ID, "its own words and vector find the chunk first")
}

func TestPostgresFailedBulkLoadChangesNothing(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	keep := indextest.Synthetic(20, 3)
	require.NoError(t, ix.Put(ctx, keep))
	before := searchIndexDefs(t, ix)

	recs := indextest.Synthetic(BulkThreshold+500, 1)[20:]
	// The COPY fails on the primary key after the indexes were dropped.
	undo := collideOnCopy(t, ix, &recs[len(recs)-1])
	postings := readPostings(t, ix)
	err := ix.Put(ctx, recs)
	require.Error(t, err)
	require.Contains(t, err.Error(), "duplicate key", "the load got as far as the COPY")
	require.Equal(t, before, searchIndexDefs(t, ix), "the dropped indexes are back")
	require.Equal(t, postings, readPostings(t, ix))
	undo()
	n, err := ix.Len(ctx)
	require.NoError(t, err)
	require.Equal(t, len(keep), n)
	requirePostingsMatchChunks(t, ix)
}

func BenchmarkPostgresIndex(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, mode := range []retrieval.Mode{retrieval.Hybrid, retrieval.VectorOnly, retrieval.TextOnly} {
			b.Run(fmt.Sprintf("%d/%s", n, mode), func(b *testing.B) {
				var db *postgres.DB
				indextest.BenchmarkIndex(b, n, mode, func(b *testing.B) retrieval.Index {
					ctx := context.Background()
					url := pgtest.URL(b)
					if _, err := postgres.MigrateURL(ctx, url); err != nil {
						b.Fatal(err)
					}
					var err error
					if db, err = postgres.Open(ctx, url); err != nil {
						b.Fatal(err)
					}
					b.Cleanup(db.Close)
					return New(db.Pool())
				}, func(b *testing.B) {
					if _, err := db.Pool().Exec(context.Background(), "CHECKPOINT"); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// BenchmarkPostgresVectorRecall measures how much of the exact top 5 and
// top 40 (a sequential scan ordered by cosine distance) the HNSW index
// finds, at hnsw.ef_search 40 (pgvector's default, which the vector leg
// uses), 100 and 400, with the p50 latency at each: on the synthetic
// chunks of BenchmarkIndex with its queries, and on real embeddings, the
// 100,000 GloVe word vectors of the glove embedder's cache less every
// thousandth, which are the queries.
func BenchmarkPostgresVectorRecall(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("synthetic/%d", n), func(b *testing.B) {
			var qs [][]float32
			for _, q := range indextest.Queries(100, 9, retrieval.VectorOnly) {
				qs = append(qs, q.Vector)
			}
			vectorRecall(b, indextest.Synthetic(n, 1), "bench-100d", qs)
		})
	}
	b.Run("glove-words/100000", func(b *testing.B) {
		dir, err := embed.CacheDir(os.Getenv)
		if err != nil {
			b.Fatal(err)
		}
		g, err := embed.LoadGloVe(filepath.Join(dir, embed.GloVeFile))
		if err != nil {
			b.Fatalf("%v (scripts/embed-setup.sh makes it)", err)
		}
		var recs []retrieval.Record
		var qs [][]float32
		for i, w := range g.Vocabulary() {
			v, err := g.EmbedQuery(context.Background(), w)
			if err != nil {
				b.Fatal(err)
			}
			if i%1000 == 500 {
				qs = append(qs, v)
				continue
			}
			doc := fmt.Sprintf("doc-%06d", i)
			recs = append(recs, retrieval.Record{Chunk: retrieval.Chunk{ID: "guide/" + doc + "#a", DocID: doc, Kind: "guide", Title: w, Text: w}, Vector: v, Model: g.Model()})
		}
		vectorRecall(b, recs, g.Model(), qs)
	})
}

func vectorRecall(b *testing.B, recs []retrieval.Record, model string, queries [][]float32) {
	ctx := context.Background()
	ix := open(b)
	if err := ix.Put(ctx, recs); err != nil {
		b.Fatal(err)
	}
	conn, err := ix.pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	exec := func(sql string) {
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	search := func(v []float32) []string {
		sql, args := vectorSQL(retrieval.Query{Vector: v, Model: model}, 40)
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			b.Fatal(err)
		}
		hits, err := collect(rows, func(*retrieval.Hit, float64) {})
		if err != nil {
			b.Fatal(err)
		}
		out := make([]string, len(hits))
		for i, h := range hits {
			out[i] = h.ID
		}
		return out
	}
	exact := make([][]string, len(queries))
	exec(`SET enable_indexscan = off`)
	for i, v := range queries {
		exact[i] = search(v)
	}
	exec(`RESET enable_indexscan`)
	share := func(want, got []string) float64 {
		in := map[string]bool{}
		for _, id := range got {
			in[id] = true
		}
		n := 0
		for _, id := range want {
			if in[id] {
				n++
			}
		}
		return float64(n) / float64(len(want))
	}
	b.ResetTimer()
	for b.Loop() {
		for _, ef := range []int{40, 100, 400} {
			exec(fmt.Sprintf(`SET hnsw.ef_search = %d`, ef))
			var r5, r40 float64
			var lat []time.Duration
			for i, v := range queries {
				t0 := time.Now()
				got := search(v)
				lat = append(lat, time.Since(t0))
				r5 += share(exact[i][:5], got[:min(5, len(got))])
				r40 += share(exact[i], got)
			}
			slices.Sort(lat)
			b.ReportMetric(r5/float64(len(queries)), fmt.Sprintf("recall@5-ef%d", ef))
			b.ReportMetric(r40/float64(len(queries)), fmt.Sprintf("recall@40-ef%d", ef))
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, fmt.Sprintf("p50-ms-ef%d", ef))
		}
	}
}
