package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/slorec/slorec"
)

// embedServerDir is the bundled Universal Sentence Encoder server,
// relative to the repository root.
const embedServerDir = "scripts/embed-server"

// startEmbedServer runs the bundled embedding server on a free local port
// and returns its base URL and a stop function. It needs Node.js and the
// server's packages (scripts/embed-setup.sh server installs them).
func startEmbedServer(ctx context.Context) (string, func(), error) {
	if _, err := os.Stat(filepath.Join(embedServerDir, "node_modules")); err != nil {
		return "", nil, slorec.Errorf(slorec.EUNAVAILABLE, "the embedding server's packages are not installed: run scripts/embed-setup.sh server from the repository root")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", nil, slorec.Errorf(slorec.EUNAVAILABLE, "the embedding server needs Node.js: %v", err)
	}
	cmd := exec.Command(node, "server.js")
	cmd.Dir = embedServerDir
	cmd.Env = append(os.Environ(), "PORT=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", nil, slorec.Errorf(slorec.EUNAVAILABLE, "start the embedding server: %v", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			stop()
			return "", nil, slorec.Errorf(slorec.EUNAVAILABLE, "the embedding server exited: %s", strings.TrimSpace(stderr.String()))
		}
		return fmt.Sprintf("http://%s/v1", a), stop, nil
	case <-time.After(2 * time.Minute):
	case <-ctx.Done():
	}
	stop()
	return "", nil, slorec.Errorf(slorec.EUNAVAILABLE, "the embedding server did not start within 2 minutes: %s", strings.TrimSpace(stderr.String()))
}
