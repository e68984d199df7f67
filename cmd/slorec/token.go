package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store/postgres"
)

// runToken manages API tokens in the database: `token create` prints a
// new token's secret once; `token revoke ID` revokes one.
func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return usagef("token: want `token create --tenant T --name N --role reader|editor|admin` or `token revoke ID`")
	}
	sub, args := args[0], args[1:]
	cfg := configFromEnv(e.getenv)
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	cfg.registerDatabase(fs)
	tenant := fs.String("tenant", slorec.DefaultTenant, "tenant the token acts for")
	name := fs.String("name", "", "what the token is for (e.g. developer-portal)")
	role := fs.String("role", string(slorec.RoleReader), "reader, editor or admin")
	if err := parseFlags(fs, args, e.stderr, sub == "revoke"); err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return usagef("token: DATABASE_URL (or -database-url) is required; an in-memory server prints its own admin token at start")
	}
	if _, err := postgres.MigrateURL(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "revoke" {
		if fs.NArg() != 1 {
			return usagef("token revoke: name one token id")
		}
		if err := db.RevokeToken(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", fs.Arg(0))
		return nil
	}
	tok, secret, err := db.CreateToken(ctx, *tenant, *name, slorec.Role(*role))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "token %s (tenant %s, role %s); its secret, shown once:\n%s\n", tok.ID, tok.Tenant, tok.Role, secret)
	return nil
}
