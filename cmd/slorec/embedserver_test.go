package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/retrieval/embed"
)

func TestBundledEmbedServerStartsAndStops(t *testing.T) {
	// The test runs in cmd/slorec; the server lives at the repository root.
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir(filepath.Join("..", "..")))
	t.Cleanup(func() { _ = os.Chdir(wd) })
	if _, err := os.Stat(filepath.Join(embedServerDir, "node_modules")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but scripts/embed-server has no node_modules: scripts/embed-setup.sh installs them")
		}
		t.Skip("scripts/embed-server/node_modules missing: run scripts/embed-setup.sh server")
	}
	url, stop, err := startEmbedServer(context.Background())
	require.NoError(t, err)
	t.Cleanup(stop) // stopping twice is harmless
	u, err := embed.New(embed.Config{Name: embed.NameOpenAI, BaseURL: url, Model: "universal-sentence-encoder-lite"})
	require.NoError(t, err)
	v, err := u.EmbedQuery(context.Background(), "database failover")
	require.NoError(t, err)
	require.Len(t, v, 512)
	stop()
	_, err = u.EmbedQuery(context.Background(), "after stop")
	require.Error(t, err, "the server is gone once stopped")
}
