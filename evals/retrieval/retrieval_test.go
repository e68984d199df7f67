package retrieval_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/corpus"
	evalret "github.com/slorec/slorec/evals/retrieval"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/embed"
)

// runbooksDir holds the third-party runbooks, read from the shared data.
const runbooksDir = "../../../shared/data/knowledge/runbooks/prometheus-operator"

func documents(t *testing.T) []retrieval.Document {
	t.Helper()
	docs, err := corpus.Load()
	require.NoError(t, err)
	var out []retrieval.Document
	for _, d := range docs {
		out = append(out, retrieval.Document{ID: d.ID, Kind: d.Kind, Title: d.Title, Services: d.Services, Tags: d.Tags, Source: d.Source, Body: d.Body})
	}
	n := 0
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
		n++
		out = append(out, retrieval.Document{ID: d.ID, Kind: corpus.KindRunbook, Title: d.Title, Body: d.Body})
		return nil
	})
	require.NoError(t, err, "the shared runbooks are expected at %s", runbooksDir)
	require.Equal(t, 108, n)
	return out
}

func TestLabeledSetOnTheRealCorpus(t *testing.T) {
	ctx := context.Background()
	qs, err := evalret.Queries()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(qs), 60)
	docs := documents(t)

	// Every label points at real chunks.
	var ids []string
	for _, d := range docs {
		for _, c := range retrieval.ChunkDocument(d, retrieval.ChunkOptions{}) {
			ids = append(ids, c.ID)
		}
	}
	require.NoError(t, evalret.Check(qs, ids))

	configs := []evalret.Config{{Name: "text", Mode: retrieval.TextOnly}}
	dir, err := embed.CacheDir(os.Getenv)
	require.NoError(t, err)
	if g, err := embed.LoadGloVe(filepath.Join(dir, embed.GloVeFile)); err == nil {
		configs = append(configs, evalret.Config{Name: "vector-glove", Mode: retrieval.VectorOnly, Embedder: g},
			evalret.Config{Name: "hybrid-glove", Mode: retrieval.Hybrid, Embedder: g})
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but the GloVe cache is missing (%v): scripts/embed-setup.sh builds it", err)
	}
	res, err := evalret.Run(ctx, docs, qs, configs)
	require.NoError(t, err)
	for _, c := range res.Configs {
		t.Logf("%-14s recall@5 %.3f  MRR@10 %.3f  nDCG@10 %.3f  failures %v", c.Name, c.Recall5, c.MRR10, c.NDCG10, c.Failures)
		// A floor well under what the configurations reach, so a broken
		// leg fails the test.
		require.Greater(t, c.Recall5, 0.5, c.Name)
	}
}
