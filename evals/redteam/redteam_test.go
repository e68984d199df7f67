package redteam_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/evals/redteam"
)

// TestSuite runs every red-team case end to end and fails on any miss, so
// CI fails when a guardrail lets an attack through or rejects a good
// draft.
func TestSuite(t *testing.T) {
	res, err := redteam.Run(context.Background())
	require.NoError(t, err)
	for _, c := range res.Cases {
		if !c.Pass {
			t.Errorf("%s (%s, expected %s, got %s): %s [rules: %v; fallback: %s]", c.ID, c.Category, c.Expected, c.Outcome, c.Miss, c.Rules, c.Fallback)
		}
	}
	require.GreaterOrEqual(t, res.Adversarial, 60, "adversarial cases")
	require.GreaterOrEqual(t, res.GoodDrafts, 25, "good drafts")
	require.Equal(t, res.Misses == 0, res.Pass)
	require.Len(t, res.Cases, res.Adversarial+res.GoodDrafts+res.Benign)
	total := 0
	for _, c := range res.Categories {
		total += c.Cases
		require.Equal(t, c.Cases, c.Blocked+c.Repaired+c.Accepted+c.Misses, c.Category)
		if c.Category != redteam.CategoryGood && c.Category != redteam.CategoryChatBenign {
			require.GreaterOrEqual(t, c.Cases, 4, "cases of %s", c.Category)
		}
	}
	require.Equal(t, len(res.Cases), total)
}

func TestCasesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range redteam.Cases() {
		require.NotEmpty(t, c.ID)
		require.False(t, seen[c.ID], "duplicate case id %s", c.ID)
		seen[c.ID] = true
		require.NotEmpty(t, c.Category, c.ID)
		require.NotEmpty(t, c.Description, c.ID)
		require.NotEmpty(t, c.How, c.ID)
		require.Contains(t, []string{redteam.Blocked, redteam.Repaired, redteam.Accepted}, c.Expect, c.ID)
		require.True(t, (c.Message == "") != (c.Replies == nil), "%s: a chat message or model replies, not both", c.ID)
		if c.Expect != redteam.Accepted && c.Replies != nil && c.Category != redteam.CategoryMalformed && c.Category != redteam.CategoryOversized {
			require.NotEmpty(t, c.Rules, "%s: an adversarial draft names the rule that must catch it", c.ID)
		}
	}
}
