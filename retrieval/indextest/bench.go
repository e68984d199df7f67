package indextest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slorec/slorec/retrieval"
)

// BenchDims is the dimension of the benchmark vectors: GloVe's.
const BenchDims = 100

// Synthetic returns n chunks of about 80 words drawn from a Zipf
// distribution over a 5,000-word vocabulary, with random unit vectors of
// BenchDims, ten chunks per document, seeded.
func Synthetic(n int, seed uint64) []retrieval.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	vocab := vocabulary(5000)
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1))
	out := make([]retrieval.Record, n)
	kinds := []string{"runbook", "guide", "policy", "postmortem", "slo-template", "provider-sla"}
	for i := range out {
		doc := fmt.Sprintf("doc-%06d", i/10)
		kind := kinds[(i/10)%len(kinds)]
		var b strings.Builder
		for j := range 80 {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[zipf.Uint64()])
		}
		out[i] = retrieval.Record{Chunk: retrieval.Chunk{
			ID: fmt.Sprintf("%s/%s#s%d", kind, doc, i%10), DocID: doc, Kind: kind, Title: vocab[i%len(vocab)], Section: fmt.Sprintf("s%d", i%10),
			Text: b.String(), Ord: i % 10,
		}, Vector: unit(rng), Model: "bench-100d"}
	}
	return out
}

func vocabulary(n int) []string {
	rng := rand.New(rand.NewPCG(1, 1))
	const letters = "abcdefghijklmnoprstuvw"
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		l := 3 + rng.IntN(7)
		w := make([]byte, l)
		for i := range w {
			w[i] = letters[rng.IntN(len(letters))]
		}
		if s := string(w); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func unit(rng *rand.Rand) []float32 {
	v := make([]float32, BenchDims)
	var n float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		n += x * x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// BenchmarkIndex loads n synthetic chunks into a fresh index, reporting
// ingest throughput, then runs queries in the given mode of four words
// and a vector, reporting their p50 and p99 latency. Query words are drawn
// uniformly from vocabulary ranks 100 to 5,000: each appears in well
// under 10% of chunks, as the words of a real question do, rather than in
// most of them (the Zipf head, which makes every full-text engine rank
// the whole collection).
func BenchmarkIndex(b *testing.B, n int, mode retrieval.Mode, newIndex func(b *testing.B) retrieval.Index) {
	ctx := context.Background()
	recs := Synthetic(n, 1)
	ix := newIndex(b)
	start := time.Now()
	for i := 0; i < len(recs); i += 1000 {
		if err := ix.Put(ctx, recs[i:min(i+1000, len(recs))]); err != nil {
			b.Fatal(err)
		}
	}
	ingest := time.Since(start)
	vocab := vocabulary(5000)
	rng := rand.New(rand.NewPCG(9, 9))
	// One query first: the in-memory index builds its snapshot, Postgres
	// warms its caches.
	if _, err := ix.Search(ctx, retrieval.Query{Text: vocab[0], Vector: unit(rng), Model: "bench-100d"}); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		words := make([]string, 4)
		for i := range words {
			words[i] = vocab[100+rng.IntN(len(vocab)-100)]
		}
		q := retrieval.Query{Text: strings.Join(words, " "), Vector: unit(rng), Model: "bench-100d", K: 5, Mode: mode}
		t0 := time.Now()
		if _, err := ix.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(n)/ingest.Seconds(), "ingest-chunks/s")
}
