package embed_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slorec/slorec/retrieval/embed"
)

// Figures from these benchmarks go to docs/performance.md; they assert
// nothing. The GloVe ones need the real vectors (see realGloVe), the USE one
// the Node server.

var benchQueries = []string{
	"database failover",
	"checkout p99 latency",
	"error budget burn rate",
	"kafka consumer lag alert",
	"what SLO for the payments API",
}

// benchChunk returns a deterministic text of exactly n words of SRE prose.
func benchChunk(n int) string {
	words := strings.Fields(`The checkout service depends on the payments API and on a PostgreSQL
	primary with two streaming replicas. When the primary fails, the operator promotes a replica,
	and requests fail for about forty seconds while connections are re-established. The error
	budget of a 99.9 percent availability objective over thirty days is forty-three minutes, so a
	single failover spends about two percent of it. Latency objectives use the 99th percentile of
	request duration measured at the load balancer, excluding health checks and retries.`)
	out := make([]string, n)
	for i := range out {
		out[i] = words[i%len(words)]
	}
	return strings.Join(out, " ")
}

func BenchmarkGloVeLoad(b *testing.B) {
	realGloVe(b)
	dir, err := embed.CacheDir(os.Getenv)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, embed.GloVeFile)
	if st, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(st.Size())/1e6, "MB")
	}
	for b.Loop() {
		if _, err := embed.LoadGloVe(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGloVeQuery(b *testing.B) {
	g := realGloVe(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, err := g.EmbedQuery(ctx, benchQueries[i%len(benchQueries)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "embeddings/s")
}

func BenchmarkGloVeChunk500(b *testing.B) {
	g := realGloVe(b)
	chunk := benchChunk(500)
	ctx := context.Background()
	for b.Loop() {
		if _, err := g.EmbedQuery(ctx, chunk); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "embeddings/s")
}

// BenchmarkUSEServer measures scripts/embed-server through the openai
// embedder, in batches of 32 short texts or of 8 500-word chunks.
func BenchmarkUSEServer(b *testing.B) {
	e, err := embed.NewOpenAI(embed.Config{BaseURL: startUSEServer(b), Model: "universal-sentence-encoder-lite"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		texts []string
	}{
		{"short", repeat(benchQueries, 32)},
		{"chunk500", repeat([]string{benchChunk(500)}, 8)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.EmbedDocuments(ctx, bc.texts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(bc.texts))/b.Elapsed().Seconds(), "embeddings/s")
		})
	}
}

func repeat(texts []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = texts[i%len(texts)]
	}
	return out
}
