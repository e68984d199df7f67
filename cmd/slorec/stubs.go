package main

import (
	"context"
	"flag"

	"github.com/slorec/slorec"
)

// notYet answers commands whose capability has not landed yet, honestly.
func notYet(name, what string) func(context.Context, *env, []string) error {
	return func(_ context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		if err := parseFlags(fs, args, e.stderr, true); err != nil {
			return err
		}
		return slorec.Errorf(slorec.EUNAVAILABLE, "%s: %s is not built yet", name, what)
	}
}

var (
	runCorpus = notYet("corpus", "the knowledge corpus (retrieval issue)")
)
