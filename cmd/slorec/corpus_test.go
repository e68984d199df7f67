package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/evals"
	"github.com/slorec/slorec/retrieval"
)

// runbooks are the 108 third-party runbooks of the shared data.
const runbooks = "../../../shared/data/knowledge/runbooks/prometheus-operator"

func TestCorpusSearchRanksChunksWithTheirLegs(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "corpus", "search", "--embedder", "none", "our payment provider is timing out", "-k", "3", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var out struct {
		Query string          `json:"query"`
		Hits  []retrieval.Hit `json:"hits"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	require.Equal(t, "our payment provider is timing out", out.Query, "flags after the query are flags")
	require.Len(t, out.Hits, 3)
	require.Equal(t, "runbook/payment-provider-degradation", out.Hits[0].Kind+"/"+out.Hits[0].DocID)
	require.Positive(t, out.Hits[0].TextLeg.Rank)
	require.NotEmpty(t, out.Hits[0].Text, "the chunk's text is in the JSON")

	code, stdout, stderr = invoke(t, nil, "corpus", "search", "--embedder", "none", "--kind", "postmortem", "database deleted by an engineer")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "postmortem/gitlab-database-deletion-2017#")
	require.NotContains(t, stdout, "runbook/")
}

func TestCorpusAddIngestsTheThirdPartyRunbooks(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "corpus", "add", "--embedder", "none", "--kind", "runbook", runbooks)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "added 108 documents as ")

	code, stdout, stderr = invoke(t, nil, "corpus", "search", "--embedder", "none", "--add", runbooks, "pod keeps restarting in a crash loop", "-k", "1")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "/kube-pod-crash-looping#")
}

func TestCorpusBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"No subcommand.", []string{"corpus"}, 2, "name a subcommand"},
		{"An unknown subcommand.", []string{"corpus", "reindex"}, 2, `unknown subcommand "reindex"`},
		{"No query.", []string{"corpus", "search", "--embedder", "none"}, 2, "give a query"},
		{"A k out of range.", []string{"corpus", "search", "--embedder", "none", "x", "-k", "500"}, 2, "-k 500"},
		{"An unknown embedder.", []string{"corpus", "search", "--embedder", "word2vec", "x"}, 2, `-embedder "word2vec"`},
		{"An unknown mode.", []string{"corpus", "search", "--embedder", "none", "--mode", "fuzzy", "x"}, 1, `unknown "fuzzy"`},
		{"Nothing to add.", []string{"corpus", "add", "--embedder", "none"}, 2, "name files or directories"},
		{"A missing path.", []string{"corpus", "add", "--embedder", "none", "/nonexistent/docs"}, 1, "/nonexistent/docs"},
		{"An unknown kind.", []string{"corpus", "add", "--embedder", "none", "--kind", "wiki", runbooks}, 2, `-kind "wiki"`},
		{"A directory without documents.", []string{"corpus", "add", "--embedder", "none", "../../migrations"}, 1, "no Markdown or text files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := invoke(t, nil, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Contains(t, stderr, tt.want)
		})
	}
}

func TestEvalRetrievalRunsTheLabeledSet(t *testing.T) {
	code, stdout, stderr := invoke(t, map[string]string{"HOME": os.Getenv("HOME"), "XDG_CACHE_HOME": os.Getenv("XDG_CACHE_HOME"), "SLOREC_CACHE_DIR": os.Getenv("SLOREC_CACHE_DIR")},
		"eval", "retrieval", "--format", "json", "--use-url", "")
	require.Equal(t, 0, code, stderr)
	var rep evals.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.NotNil(t, rep.Retrieval)
	r := rep.Retrieval
	require.GreaterOrEqual(t, r.Queries, 60)
	require.Equal(t, "text", r.Configs[0].Name)
	require.Greater(t, r.Configs[0].Recall5, 0.8)
	require.Contains(t, r.Skipped[len(r.Skipped)-1], "USE configurations")
	// The GloVe configurations run where the cache is set up, which CI
	// does before the tests (scripts/embed-setup.sh).
	if os.Getenv("CI") == "true" {
		require.Len(t, r.Configs, 3)
		require.Equal(t, "hybrid-glove", r.Configs[2].Name)
	}
}

func TestDatasetIncidentsAreRetrievable(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "corpus", "search", "--embedder", "none", "--dataset", "../../examples/ecommerce", "--kind", "postmortem", "payment provider outage", "-k", "3")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "postmortem/incident-inc-2026-1009#")
}
