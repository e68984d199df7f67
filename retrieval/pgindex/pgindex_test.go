package pgindex

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/indextest"
	"github.com/slorec/slorec/store/postgres"
)

// open returns an index on a fresh, migrated database.
func open(t *testing.T) *Index {
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

func TestPostgresIndexContractWithoutRUM(t *testing.T) {
	indextest.Run(t, func(t *testing.T) retrieval.Index {
		ix := open(t)
		_, err := ix.pool.Exec(context.Background(), `DROP INDEX IF EXISTS knowledge_chunks_rum`)
		require.NoError(t, err)
		return ix
	})
}

func TestPostgresTextLegUsesTheRUMIndex(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	rum, err := ix.hasRUM(ctx)
	require.NoError(t, err)
	require.True(t, rum, "scripts/pg.sh installs rum; migration 0003 creates the index")
	recs := indextest.Synthetic(3000, 1)
	for i := range recs {
		recs[i].Vector, recs[i].Model = nil, ""
	}
	require.NoError(t, ix.Put(ctx, recs))
	_, err = ix.pool.Exec(ctx, "ANALYZE knowledge_chunks")
	require.NoError(t, err)
	sql, args := textSQL(retrieval.Filter{}, true)
	words := strings.Fields(recs[3].Text)[40:44]
	rows, err := ix.pool.Query(ctx, "EXPLAIN "+sql, append([]any{strings.Join(words, " | "), 40}, args...)...)
	require.NoError(t, err)
	var plan []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan = append(plan, line)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, strings.Join(plan, "\n"), "Index Scan using knowledge_chunks_rum", strings.Join(plan, "\n"))
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

	hits, err := ix.Search(ctx, q)
	require.NoError(t, err)
	require.Equal(t, recs[7].ID, hits[0].ID, "a vector finds itself first")
	require.InDelta(t, 1.0, hits[0].VectorLeg.Score, 1e-5)
}

// searchIndexDefs are the definitions of the indexes a bulk load rebuilds.
func searchIndexDefs(t *testing.T, ix *Index) []string {
	t.Helper()
	rows, err := ix.pool.Query(context.Background(), searchIndexes)
	require.NoError(t, err)
	defs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var name, def string
		return def, r.Scan(&name, &def)
	})
	require.NoError(t, err)
	return defs
}

func TestPostgresBulkLoadRebuildsTheSearchIndexes(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	small := indextest.Synthetic(10, 2)
	require.NoError(t, ix.Put(ctx, small), "a small Put creates the HNSW index")
	before := searchIndexDefs(t, ix)
	require.Len(t, before, 3, "HNSW, RUM and GIN: %v", before)

	recs := indextest.Synthetic(BulkThreshold+500, 1)
	require.NoError(t, ix.Put(ctx, recs))
	require.Equal(t, before, searchIndexDefs(t, ix), "the same indexes after the bulk load")
	n, err := ix.Len(ctx)
	require.NoError(t, err)
	require.Equal(t, len(recs)+len(small)-10, n, "Synthetic(10, 2) shares doc-000000 with the bulk, which replaces it")

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
	// A chunk id that another document owns: the COPY fails on the
	// primary key after the indexes were dropped.
	recs[len(recs)-1].ID = keep[15].ID
	err := ix.Put(ctx, recs)
	require.Error(t, err)
	require.Equal(t, before, searchIndexDefs(t, ix), "the dropped indexes are back")
	n, err := ix.Len(ctx)
	require.NoError(t, err)
	require.Equal(t, len(keep), n)
}

func BenchmarkPostgresIndex(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, mode := range []retrieval.Mode{retrieval.Hybrid, retrieval.VectorOnly, retrieval.TextOnly} {
			b.Run(fmt.Sprintf("%d/%s", n, mode), func(b *testing.B) {
				indextest.BenchmarkIndex(b, n, mode, func(b *testing.B) retrieval.Index {
					ctx := context.Background()
					url := pgtest.URL(b)
					if _, err := postgres.MigrateURL(ctx, url); err != nil {
						b.Fatal(err)
					}
					db, err := postgres.Open(ctx, url)
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(db.Close)
					return New(db.Pool())
				})
			})
		}
	}
}
