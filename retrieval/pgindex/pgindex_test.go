package pgindex

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

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
