package pgindex

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/corpus"
	evalret "github.com/slorec/slorec/evals/retrieval"
	"github.com/slorec/slorec/internal/pgtest"
	"github.com/slorec/slorec/migrations"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/indextest"
	"github.com/slorec/slorec/store/postgres"
)

// posting is one row of knowledge_postings.
type posting struct {
	chunk, term string
	tf, length  int
	impact      float64
}

// postingState is everything the text leg reads, as stored.
type postingState struct {
	postings []posting
	df       map[string]int // terms with df > 0
	termsLen map[string]int // knowledge_chunks.terms_len by chunk
	stats    stats
}

func readPostings(t *testing.T, ix *Index) postingState {
	t.Helper()
	ctx := context.Background()
	rows, err := ix.pool.Query(ctx, `SELECT c.id, p.term, p.tf, p.chunk_len, p.impact
		FROM knowledge_postings p JOIN knowledge_chunks c ON c.seq = p.chunk_seq ORDER BY c.id, p.term`)
	require.NoError(t, err)
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (posting, error) {
		var p posting
		var imp float32
		err := r.Scan(&p.chunk, &p.term, &p.tf, &p.length, &imp)
		p.impact = float64(imp)
		return p, err
	})
	require.NoError(t, err)
	s := postingState{postings: ps, df: map[string]int{}, termsLen: map[string]int{}}
	rows, err = ix.pool.Query(ctx, `SELECT term, df FROM knowledge_terms WHERE df > 0`)
	require.NoError(t, err)
	var term string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&term, &n}, func() error { s.df[term] = n; return nil })
	require.NoError(t, err)
	rows, err = ix.pool.Query(ctx, `SELECT id, coalesce(terms_len, -1) FROM knowledge_chunks`)
	require.NoError(t, err)
	_, err = pgx.ForEachRow(rows, []any{&term, &n}, func() error { s.termsLen[term] = n; return nil })
	require.NoError(t, err)
	tx, err := ix.pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	s.stats, err = lockStats(ctx, tx)
	require.NoError(t, err)
	return s
}

// requirePostingsMatchChunks recomputes the postings, document
// frequencies and stats from the stored chunks with retrieval.TermCounts
// and requires the tables to hold exactly those, every impact computed
// with the one stored mean length, itself within MaxAvgLenDrift of the
// actual mean.
func requirePostingsMatchChunks(t *testing.T, ix *Index) postingState {
	t.Helper()
	chunks, err := ix.Chunks(context.Background(), nil)
	require.NoError(t, err)
	got := readPostings(t, ix)
	var want []posting
	df := map[string]int{}
	total := 0
	for _, c := range chunks {
		tf, n := retrieval.TermCounts(c)
		total += n
		require.Equal(t, n, got.termsLen[c.ID], "terms_len of %s", c.ID)
		for term, f := range tf {
			want = append(want, posting{chunk: c.ID, term: term, tf: f, length: n})
			df[term]++
		}
	}
	slices.SortFunc(want, func(a, b posting) int {
		return strings.Compare(a.chunk+"\x00"+a.term, b.chunk+"\x00"+b.term)
	})
	require.Len(t, got.postings, len(want))
	for i, p := range got.postings {
		w := want[i]
		require.Equal(t, []any{w.chunk, w.term, w.tf, w.length}, []any{p.chunk, p.term, p.tf, p.length}, "posting %d", i)
		require.InEpsilon(t, float64(impact(p.tf, p.length, got.stats.ref)), p.impact, 1e-6, "impact of %s in %s", p.term, p.chunk)
	}
	require.Equal(t, df, got.df)
	require.Equal(t, int64(len(chunks)), got.stats.chunks)
	require.Equal(t, int64(total), got.stats.totalLen)
	if total > 0 {
		mean := float64(total) / float64(len(chunks))
		require.InDelta(t, mean, got.stats.ref, MaxAvgLenDrift*got.stats.ref, "the impacts' mean length")
	}
	return got
}

// collideOnCopy makes r's chunk id one that a row stored outside the
// Index (so under another document) already has: a Put of r passes
// validation and deletes r's document, then its COPY fails on the primary
// key. undo deletes the row.
func collideOnCopy(t *testing.T, ix *Index, r *retrieval.Record) (undo func()) {
	t.Helper()
	ctx := context.Background()
	_, err := ix.pool.Exec(ctx, `INSERT INTO knowledge_chunks (id, doc_id, kind, body, terms_len) VALUES ($1, 'someone-else', $2, 'x', 1)`, r.ID, r.Kind)
	require.NoError(t, err)
	require.NoError(t, retrieval.ValidateRecords([]retrieval.Record{*r}))
	return func() {
		_, err := ix.pool.Exec(ctx, `DELETE FROM knowledge_chunks WHERE doc_id = 'someone-else'`)
		require.NoError(t, err)
	}
}

func textOnly(recs []retrieval.Record) []retrieval.Record {
	out := slices.Clone(recs)
	for i := range out {
		out[i].Vector, out[i].Model = nil, ""
	}
	return out
}

func chunkRec(kind, doc, section, title, text string) retrieval.Record {
	return retrieval.Record{Chunk: retrieval.Chunk{ID: kind + "/" + doc + "#" + section, DocID: doc, Kind: kind, Title: title, Section: section, Text: text}}
}

func TestPostgresPostingsMatchTheChunks(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	requirePostingsMatchChunks(t, ix)

	small := []retrieval.Record{
		chunkRec("runbook", "db-failover", "promote", "Database failover", "Promote the replica when the primary fails; check replication lag first."),
		chunkRec("runbook", "db-failover", "lag", "Database failover", "Replica lag above thirty seconds blocks promotion."),
		chunkRec("guide", "burn-rate", "windows", "Burn-rate alerting", "Page when the one-hour and five-minute burn rates both exceed 14.4."),
		chunkRec("guide", "empty", "x", "", "the and of"), // no terms at all: counts as a chunk of length 0
	}
	for _, step := range []struct {
		name string
		do   func(t *testing.T)
	}{
		{"After a Put, every term of every chunk is a posting.", func(t *testing.T) {
			require.NoError(t, ix.Put(ctx, small))
		}},
		{"Replacing a document replaces its postings and lowers the counts of the terms it lost.", func(t *testing.T) {
			require.NoError(t, ix.Put(ctx, []retrieval.Record{chunkRec("runbook", "db-failover", "promote", "Database failover v2", "Fence the old primary, then promote.")}))
			got := readPostings(t, ix)
			require.NotContains(t, got.df, "thirty", "only the removed lag section had it")
		}},
		{"Deleting a document deletes its postings.", func(t *testing.T) {
			require.NoError(t, ix.DeleteDocument(ctx, "burn-rate"))
			require.NoError(t, ix.DeleteDocument(ctx, "never-there"))
		}},
		{"A bulk load writes the postings and recounts.", func(t *testing.T) {
			require.NoError(t, ix.Put(ctx, textOnly(indextest.Synthetic(BulkThreshold+100, 4))))
		}},
		{"A failed bulk load changes nothing.", func(t *testing.T) {
			recs := textOnly(indextest.Synthetic(2*BulkThreshold+300, 5))
			undo := collideOnCopy(t, ix, &recs[len(recs)-1])
			before := readPostings(t, ix)
			require.Error(t, ix.Put(ctx, recs))
			require.Equal(t, before, readPostings(t, ix))
			undo()
		}},
		{"Chunks much longer than the rest move the mean past the drift, and every impact is recomputed.", func(t *testing.T) {
			before := readPostings(t, ix)
			long := strings.Repeat("saturation throttling backpressure queueing ", 400)
			var recs []retrieval.Record
			for i := range 100 {
				recs = append(recs, chunkRec("guide", fmt.Sprintf("long-%d", i), "s", "Long", long))
			}
			require.NoError(t, ix.Put(ctx, recs))
			after := requirePostingsMatchChunks(t, ix)
			require.Greater(t, after.stats.ref, (1+MaxAvgLenDrift)*before.stats.ref)
		}},
		{"Another small Put within the drift keeps the mean length the impacts use.", func(t *testing.T) {
			before := readPostings(t, ix)
			require.NoError(t, ix.Put(ctx, small[2:3]))
			require.Equal(t, before.stats.ref, readPostings(t, ix).stats.ref)
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			step.do(t)
			requirePostingsMatchChunks(t, ix)
		})
	}
}

func TestPostgresChunksStoredBeforeThePostingsAreBackfilled(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	require.NoError(t, ix.Put(ctx, []retrieval.Record{chunkRec("guide", "new", "a", "New", "written with its postings")}))
	// A chunk as an older slorec stored it: no terms_len, no postings.
	_, err := ix.pool.Exec(ctx, `INSERT INTO knowledge_chunks (id, doc_id, kind, title, section, body)
		VALUES ('runbook/old#a', 'old', 'runbook', 'Old runbook', 'a', 'Quorum loss: restore the etcd members.')`)
	require.NoError(t, err)

	fresh := New(ix.pool) // what a process starting on the migrated database sees
	hits, err := fresh.Search(ctx, retrieval.Query{Text: "etcd quorum", Mode: retrieval.TextOnly})
	require.NoError(t, err)
	require.Len(t, hits, 1)
	require.Equal(t, "runbook/old#a", hits[0].ID)
	requirePostingsMatchChunks(t, ix)
}

// wordsChunk is a chunk whose body is the words, each repeated as given.
func wordsChunk(kind string, i int, words map[string]int) retrieval.Record {
	var b []string
	for _, w := range slices.Sorted(maps.Keys(words)) {
		for range words[w] {
			b = append(b, w)
		}
	}
	return chunkRec(kind, fmt.Sprintf("d%05d", i), "s", "", strings.Join(b, " "))
}

// commonCorpus is n chunks all containing "latency" (more than
// PostingBudget, so only its top postings are read), with filler words of
// their own so that lengths differ.
func commonCorpus(n int) []retrieval.Record {
	out := make([]retrieval.Record, n)
	for i := range out {
		words := map[string]int{"latency": 1 + i%3, fmt.Sprintf("filler%d", i%50): 1 + i%7}
		out[i] = wordsChunk("runbook", i, words)
	}
	return out
}

func TestPostgresTextLegRanksRareTermsAboveCommonOnes(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	recs := commonCorpus(PostingBudget + 500)
	// One chunk has the rare word once, among long filler, so its
	// "latency" posting is far from the top of that term's list.
	recs[1234] = wordsChunk("runbook", 1234, map[string]int{"latency": 1, "quorum": 1, "filler1": 30})
	require.NoError(t, ix.Put(ctx, recs))

	hits, err := ix.Search(ctx, retrieval.Query{Text: "latency quorum", Mode: retrieval.TextOnly, K: 5})
	require.NoError(t, err)
	require.Len(t, hits, 5)
	require.Equal(t, recs[1234].ID, hits[0].ID, "the only chunk with the rare term leads")
	require.Greater(t, hits[0].TextLeg.Score, 2*hits[1].TextLeg.Score, "by far: latency is in every chunk, so its idf is near 0")

	// The in-memory index ranks alike. The first hit's score lacks only
	// its "latency" part (about 1e-4 of it), since that posting is not
	// among the term's top ones.
	mem := retrieval.NewMemIndex()
	require.NoError(t, mem.Put(ctx, recs))
	want, err := mem.Search(ctx, retrieval.Query{Text: "latency quorum", Mode: retrieval.TextOnly, K: 5})
	require.NoError(t, err)
	for i := range want {
		require.Equal(t, want[i].ID, hits[i].ID, "rank %d", i+1)
		require.InEpsilon(t, want[i].TextLeg.Score, hits[i].TextLeg.Score, 1e-4, "rank %d", i+1)
	}
}

func TestPostgresFilteredTextSearchReadsPastTheTopPostings(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	recs := commonCorpus(PostingBudget + 500)
	// Three guides whose "latency" postings rank low: once, in a long chunk.
	var guides []string
	for _, i := range []int{7, 1500, 3200} {
		recs[i] = wordsChunk("guide", i, map[string]int{"latency": 1, "filler3": 40})
		guides = append(guides, recs[i].ID)
	}
	require.NoError(t, ix.Put(ctx, recs))
	q := retrieval.Query{Text: "latency", Mode: retrieval.TextOnly, K: 5, Filter: retrieval.Filter{Kinds: []string{"guide"}}}

	sql, args := textSQL(q.Filter, afterTop)
	rows, err := ix.pool.Query(ctx, sql, append([]any{[]string{"latency"}, topPostings(5), 5, retrieval.BM25K1, retrieval.BM25B, PostingBudget}, args...)...)
	require.NoError(t, err)
	first, err := collect(rows, func(*retrieval.Hit, float64) {})
	require.NoError(t, err)
	require.Empty(t, first, "no guide is among latency's top postings")

	hits, err := ix.Search(ctx, q)
	require.NoError(t, err)
	require.ElementsMatch(t, guides, chunkIDs(hits), "reading the guides' postings finds all three")
}

func TestPostgresTiesAtTheCutKeepTheSmallestIDs(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	mem := retrieval.NewMemIndex()
	// 60 chunks that score alike for "failover", stored in one Put in
	// descending id order, so their sequence numbers run the other way.
	var recs []retrieval.Record
	for i := 59; i >= 0; i-- {
		recs = append(recs, wordsChunk("runbook", i, map[string]int{"failover": 1, "filler": 9}))
	}
	require.NoError(t, ix.Put(ctx, recs))
	require.NoError(t, mem.Put(ctx, recs))
	for _, k := range []int{1, 5, 20} {
		q := retrieval.Query{Text: "failover", Mode: retrieval.TextOnly, K: k}
		want, err := mem.Search(ctx, q)
		require.NoError(t, err)
		got, err := ix.Search(ctx, q)
		require.NoError(t, err)
		require.Equal(t, chunkIDs(want), chunkIDs(got), "k=%d", k)
		for i := range got {
			require.Equal(t, want[i].Chunk, got[i].Chunk, "the hit carries its whole chunk")
		}
	}
}

func chunkIDs(hits []retrieval.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestPostgresPostingQueriesUseTheirIndexes(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	recs := textOnly(indextest.Synthetic(3000, 1))
	require.NoError(t, ix.Put(ctx, recs)) // a bulk load, then VACUUM: index-only scans
	explain := func(t *testing.T, sql string, args ...any) string {
		t.Helper()
		rows, err := ix.pool.Query(ctx, "EXPLAIN "+sql, args...)
		require.NoError(t, err)
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return strings.Join(plan, "\n")
	}
	terms := retrieval.Terms(strings.Join(strings.Fields(recs[3].Text)[40:44], " "))
	for name, at := range map[string]filterAt{"unfiltered": noFilter, "filtered after": afterTop, "filtered inside": inTop} {
		t.Run("The "+name+" text search reads the posting index.", func(t *testing.T) {
			f := retrieval.Filter{}
			if at != noFilter {
				f.Kinds = []string{"guide"}
			}
			sql, args := textSQL(f, at)
			p := explain(t, sql, append([]any{terms, 200, 40, retrieval.BM25K1, retrieval.BM25B, PostingBudget}, args...)...)
			require.Contains(t, p, "Index Only Scan using knowledge_postings_impact", p)
			require.NotContains(t, p, "Seq Scan on knowledge_postings", p)
			if at == noFilter { // run on its generic plan (legSettings)
				g := explainGeneric(t, ix, sql)
				require.Contains(t, g, "Index Only Scan using knowledge_postings_impact", g)
				require.Contains(t, g, "Index Scan using knowledge_chunks_seq_key", g)
				require.NotContains(t, g, "Seq Scan on knowledge_postings", g)
				require.NotContains(t, g, "Seq Scan on knowledge_chunks", g)
			}
			if at != afterTop { // the others join only their hits
				require.NotContains(t, p, "Seq Scan on knowledge_chunks", p)
			}
		})
	}
	t.Run("Deleting a document's postings finds them by chunk.", func(t *testing.T) {
		p := explain(t, deletePostingsSQL, []string{recs[0].DocID})
		require.Regexp(t, `(using|on) knowledge_postings_pkey`, p) // an index or bitmap index scan
		require.NotContains(t, p, "Seq Scan on knowledge_postings", p)
	})
}

// overlap is the share of want's ids that got has.
func overlap(want, got []retrieval.Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	in := map[string]bool{}
	for _, h := range got {
		in[h.ID] = true
	}
	n := 0
	for _, h := range want {
		if in[h.ID] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// agreementQuery is four words of vocabulary ranks from lo on, like the
// benchmark's queries when lo is 100.
func agreementQuery(rng *rand.Rand, vocab []string, lo int) string {
	words := make([]string, 4)
	for i := range words {
		words[i] = vocab[lo+rng.IntN(len(vocab)-lo)]
	}
	return strings.Join(words, " ")
}

func TestPostgresTextLegAgreesWithMemIndex(t *testing.T) {
	ctx := context.Background()
	ix := open(t)
	recs := textOnly(indextest.Synthetic(10_000, 1))
	require.NoError(t, ix.Put(ctx, recs))
	mem := retrieval.NewMemIndex()
	require.NoError(t, mem.Put(ctx, recs))
	vocab := indextest.Vocabulary()
	for _, tc := range []struct {
		name    string
		lo      int     // lowest vocabulary rank of a query word
		atLeast float64 // mean share of the in-memory top 5 found
	}{
		{"Queries like the benchmark's (ranks 100 on) rank like the in-memory index.", 100, 0.99},
		{"Queries that may have words of the Zipf head (ranks 2 on), in up to every chunk, do too.", 2, 0.95},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 9))
			const n = 200
			var sum float64
			same := 0
			for range n {
				q := retrieval.Query{Text: agreementQuery(rng, vocab, tc.lo), Mode: retrieval.TextOnly, K: 5}
				want, err := mem.Search(ctx, q)
				require.NoError(t, err)
				got, err := ix.Search(ctx, q)
				require.NoError(t, err)
				o := overlap(want, got)
				sum += o
				if o == 1 {
					same++
				}
			}
			t.Logf("10,000 chunks, %d queries from rank %d: mean top-5 overlap %.3f, identical sets %d", n, tc.lo, sum/n, same)
			require.GreaterOrEqual(t, sum/n, tc.atLeast)
		})
	}
}

// runbooksDir holds the third-party runbooks of the retrieval eval, in
// the shared data beside the repository.
const runbooksDir = "../../../shared/data/knowledge/runbooks/prometheus-operator"

// evalDocuments are the retrieval eval's documents: the shipped corpus and
// the third-party runbooks (as evals/retrieval's own test reads them).
func evalDocuments(t *testing.T) []retrieval.Document {
	t.Helper()
	docs, err := corpus.Load()
	require.NoError(t, err)
	var out []retrieval.Document
	for _, d := range docs {
		out = append(out, retrieval.Document{ID: d.ID, Kind: d.Kind, Title: d.Title, Services: d.Services, Tags: d.Tags, Source: d.Source, Body: d.Body})
	}
	err = filepath.WalkDir(runbooksDir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Ext(path) != ".md" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		d, err := corpus.Parse(path, data)
		if err != nil {
			return err
		}
		out = append(out, retrieval.Document{ID: d.ID, Kind: corpus.KindRunbook, Title: d.Title, Body: d.Body})
		return nil
	})
	require.NoError(t, err, "the shared runbooks are expected at %s", runbooksDir)
	return out
}

func TestPostgresTextLegOnTheLabeledQuestions(t *testing.T) {
	qs, err := evalret.Queries()
	require.NoError(t, err)
	res, err := evalret.Run(context.Background(), evalDocuments(t), qs, []evalret.Config{
		{Name: "text-memory", Mode: retrieval.TextOnly},
		{Name: "text-postgres", Mode: retrieval.TextOnly, NewIndex: func() retrieval.Index { return open(t) }},
	})
	require.NoError(t, err)
	mem, pg := res.Configs[0], res.Configs[1]
	for _, c := range res.Configs {
		t.Logf("%-14s recall@5 %.3f  MRR@10 %.3f  nDCG@10 %.3f  failures %v", c.Name, c.Recall5, c.MRR10, c.NDCG10, c.Failures)
	}
	// In these 825 chunks no question's terms have more postings than
	// PostingBudget, so the Postgres leg reads every posting and ranks
	// exactly as the in-memory one.
	require.InDelta(t, mem.Recall5, pg.Recall5, 1e-9)
	require.InDelta(t, mem.MRR10, pg.MRR10, 1e-9)
	for i := range mem.Queries {
		require.Equal(t, mem.Queries[i].Top, pg.Queries[i].Top, mem.Queries[i].ID)
	}
}

func BenchmarkPostgresTextAgreement(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			ix := open(b)
			recs := textOnly(indextest.Synthetic(n, 1))
			if err := ix.Put(ctx, recs); err != nil {
				b.Fatal(err)
			}
			mem := retrieval.NewMemIndex()
			if err := mem.Put(ctx, recs); err != nil {
				b.Fatal(err)
			}
			vocab := indextest.Vocabulary()
			rng := rand.New(rand.NewPCG(9, 9))
			var at5, at40 float64
			queries := 0
			for b.Loop() {
				text := agreementQuery(rng, vocab, 100)
				for _, k := range []int{5, 40} {
					q := retrieval.Query{Text: text, Mode: retrieval.TextOnly, K: k}
					want, err := mem.Search(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					got, err := ix.Search(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					if k == 5 {
						at5 += overlap(want, got)
					} else {
						at40 += overlap(want, got)
					}
				}
				queries++
			}
			b.ReportMetric(at5/float64(queries), "overlap@5")
			b.ReportMetric(at40/float64(queries), "overlap@40")
		})
	}
}

// TestPostgresMigrationSixKeepsThePostings stores chunks and postings the
// way the index did under schema version 5 (postings naming their chunk by
// id), applies migration 0006, and requires the postings to be exactly
// what the index writes now, and searches to rank as before.
func TestPostgresMigrationSixKeepsThePostings(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	upTo5 := fstest.MapFS{}
	all, err := fs.ReadDir(migrations.FS, ".")
	require.NoError(t, err)
	for _, e := range all {
		if e.Name() < "0006" {
			b, err := fs.ReadFile(migrations.FS, e.Name())
			require.NoError(t, err)
			upTo5[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	_, err = postgres.Migrate(ctx, conn, upTo5)
	require.NoError(t, err)

	recs := textOnly(indextest.Synthetic(300, 4))
	cts := termsOf(func() []retrieval.Chunk {
		out := make([]retrieval.Chunk, len(recs))
		for i, r := range recs {
			out[i] = r.Chunk
		}
		return out
	}())
	var total int
	for _, ct := range cts {
		total += ct.length
	}
	ref := float64(total) / float64(len(cts))
	df := map[string]int{}
	for i, r := range recs {
		_, err := conn.Exec(ctx, `INSERT INTO knowledge_chunks (id, doc_id, kind, title, section, body, ord, terms_len)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.DocID, r.Kind, r.Title, r.Section, r.Text, r.Ord, cts[i].length)
		require.NoError(t, err)
		for term, tf := range cts[i].tf {
			df[term]++
			_, err := conn.Exec(ctx, `INSERT INTO knowledge_postings (chunk_id, term, tf, chunk_len, impact) VALUES ($1, $2, $3, $4, $5)`,
				r.ID, term, tf, cts[i].length, impact(tf, cts[i].length, ref))
			require.NoError(t, err)
		}
	}
	for term, n := range df {
		_, err := conn.Exec(ctx, `INSERT INTO knowledge_terms (term, df) VALUES ($1, $2)`, term, n)
		require.NoError(t, err)
	}
	_, err = conn.Exec(ctx, `UPDATE knowledge_stats SET chunks = $1, total_len = $2, impact_avglen = $3`, len(cts), total, ref)
	require.NoError(t, err)

	applied, err := postgres.Migrate(ctx, conn, migrations.FS)
	require.NoError(t, err)
	require.Contains(t, applied, "0006_knowledge_chunk_seq.sql")
	db, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	defer db.Close()
	ix := New(db.Pool())
	requirePostingsMatchChunks(t, ix)

	mem := retrieval.NewMemIndex()
	require.NoError(t, mem.Put(ctx, recs))
	rng := rand.New(rand.NewPCG(5, 5))
	for range 50 {
		q := retrieval.Query{Text: agreementQuery(rng, indextest.Vocabulary(), 2), Mode: retrieval.TextOnly, K: 5}
		want, err := mem.Search(ctx, q)
		require.NoError(t, err)
		got, err := ix.Search(ctx, q)
		require.NoError(t, err)
		require.Equal(t, chunkIDs(want), chunkIDs(got), q.Text)
	}
	// And the migrated index takes writes: a document replaced.
	require.NoError(t, ix.Put(ctx, recs[:10]))
	requirePostingsMatchChunks(t, ix)
}
