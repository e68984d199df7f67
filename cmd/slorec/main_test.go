package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// invoke runs the CLI with env vars from vars and returns the exit status
// and what it printed.
func invoke(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return vars[k] }, &stdout, &stderr)
	return exitCode(err, &stderr), stdout.String(), stderr.String()
}

func TestUsageErrorsExitTwo(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"No command prints usage.", nil, "no command given"},
		{"An unknown command prints usage.", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"A bad flag prints the command's usage.", []string{"version", "-nope"}, "flag provided but not defined"},
		{"A stray argument is refused.", []string{"version", "extra"}, `unexpected argument "extra"`},
		{"Migrate without a database is a usage error.", []string{"migrate"}, "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := invoke(t, nil, tt.args...)
			require.Equal(t, 2, code)
			require.Contains(t, stderr, tt.want)
		})
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, stdout, _ := invoke(t, nil, "help")
	require.Equal(t, 0, code)
	for _, c := range commands() {
		require.Contains(t, stdout, c.name)
	}
	code, _, _ = invoke(t, nil, "version", "-h")
	require.Equal(t, 0, code, "-h is not an error")
}

func TestVersion(t *testing.T) {
	code, stdout, _ := invoke(t, nil, "version")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(stdout, "slorec "), stdout)
}

func TestBadConfigIsRefused(t *testing.T) {
	code, _, stderr := invoke(t, map[string]string{"SLOREC_LLM_PROVIDER": "skynet"}, "serve", "-addr", "127.0.0.1:0")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "SLOREC_LLM_PROVIDER")
}

func TestConfigMasksSecrets(t *testing.T) {
	cfg := configFromEnv(func(k string) string {
		return map[string]string{
			"DATABASE_URL":       "postgres://app:hunter2@db:5432/slorec",
			"SLOREC_LLM_API_KEY": "sk-secret",
		}[k]
	})
	s := cfg.String()
	require.NotContains(t, s, "hunter2")
	require.NotContains(t, s, "sk-secret")
	require.Contains(t, s, "postgres://app:****@db:5432/slorec")
	require.Equal(t, "127.0.0.1:8080", cfg.Addr, "defaults need no server")
	require.Equal(t, "none", cfg.LLMProvider)
}

func TestDemoRunsOnTheEmbeddedExample(t *testing.T) {
	code, stdout, stderr := invoke(t, nil, "demo")
	require.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"Q1. How does checkout-service's recommendation account for external-payment-api?",
		"payment-service: observed 99.158%",
		"tightest dependency external-payment-api",
		"Q2. What cascades to api-gateway?",
		"current availability 99.9% SLO: infeasible",
		"raise auth-service from 99.952% to at least 99.953%",
		"checkout-service  1     99.505%         99.427%  99.5%      +0.0055 pp       -0.0733 pp  becomes-infeasible",
		"== The explanation (slorec recommend --service checkout-service --explain",
		"drafter: deterministic; tier balanced",
		"checkout-service -> payment-service -> external-payment-api",
		"[runbook/payment-provider-degradation#",
		"guardrails: size pass, schema pass, numeric pass, target pass, citation pass, injection pass, pii pass, language pass",
		"== Platform scorecard",
		"checkout-service      critical  4       1/2",
		"slo +2: SLO breached: availability at 99.495% against 99.5%",
	} {
		require.Contains(t, stdout, want)
	}
}
