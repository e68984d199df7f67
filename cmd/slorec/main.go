// Command slorec recommends availability and latency SLOs for every service
// of a dependency graph, explains them, and serves them over HTTP.
//
// Usage:
//
//	slorec <command> [flags]
//
// Run `slorec help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/slorec/slorec"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand may use of the outside world.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"demo", "run the engine on the embedded e-commerce example", runDemo},
		{"recommend", "recommend SLOs for a dataset", runRecommend},
		{"scorecard", "score every service and the fleet (error budget, cost, reliability, governance)", runScorecard},
		{"impact", "what a proposed SLO change does to every dependent", runImpact},
		{"ask", "ask a question about SLOs, dependencies and the knowledge base", runAsk},
		{"ingest", "validate a dataset and load it into the store; `ingest prometheus` reads metric history from Prometheus, `ingest openslo` current SLOs from OpenSLO files", runIngest},
		{"export", "write SLOs as OpenSLO v1 or as Prometheus burn-rate alert rules", runExport},
		{"serve", "serve the REST API", runServe},
		{"corpus", "manage the knowledge corpus", runCorpus},
		{"eval", "run the offline evaluation harness", runEval},
		{"migrate", "apply database migrations (needs DATABASE_URL)", runMigrate},
		{"token", "create or revoke API tokens (needs DATABASE_URL)", runToken},
		{"version", "print the version", runVersion},
	}
}

// usageError is a command-line mistake: it exits with status 2 after usage
// has been printed.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelp reports that usage was asked for and printed.
var errHelp = errors.New("help requested")

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return usagef("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	printUsage(stderr)
	return usagef("unknown command %q", name)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "slorec recommends dependency-aware SLOs and explains them.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: slorec <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `slorec <command> -h` for a command's flags.")
}

// exitCode prints err and returns the process status: 0 for success, 2 for
// usage errors, 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "slorec: %s\n", ue.msg)
		return 2
	}
	msg := err.Error()
	if code := slorec.ErrorCode(err); code != slorec.EINTERNAL {
		msg = slorec.ErrorMessage(err)
	}
	fmt.Fprintf(stderr, "slorec: %s\n", msg)
	return 1
}
