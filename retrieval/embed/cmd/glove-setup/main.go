// Command glove-setup builds the GloVe embeddings cache that the default
// embedder needs (see embed.SetupGloVe) and prints the file's path. CI and
// scripts/embed-setup.sh run it before the tests; users get the same through
// `slorec corpus setup`.
//
// Usage:
//
//	go run ./retrieval/embed/cmd/glove-setup [-dir DIR]
//
// Without -dir the file goes to $SLOREC_CACHE_DIR/embeddings, else to
// ${XDG_CACHE_HOME:-$HOME/.cache}/slorec/embeddings.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/slorec/slorec/retrieval/embed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "glove-setup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("glove-setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory for "+embed.GloVeFile+" (default: the slorec embeddings cache)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *dir == "" {
		d, err := embed.CacheDir(getenv)
		if err != nil {
			return err
		}
		*dir = d
	}
	path, err := embed.SetupGloVe(ctx, *dir, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return nil
}
