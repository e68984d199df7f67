package retrieval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/retrieval"
)

func hits(ids ...string) []retrieval.Hit {
	out := make([]retrieval.Hit, len(ids))
	for i, id := range ids {
		out[i].ID = id
	}
	return out
}

func TestScoreByHand(t *testing.T) {
	q := Query{ID: "q", Relevant: []string{"runbook/a", "guide/b#x"}}
	// runbook/a matches at ranks 2 and 3 (counted once), guide/b#x at 6.
	r := score(q, hits("policy/z#1", "runbook/a#intro", "runbook/a#fix", "guide/b#y", "guide/c#x", "guide/b#x"))
	require.Equal(t, 0.5, r.Recall5, "one of two relevant ids in the top 5")
	require.Equal(t, 0.5, r.RR10, "first relevant at rank 2")
	dcg := 1/math.Log2(3) + 1/math.Log2(7)
	ideal := 1 + 1/math.Log2(3)
	require.InDelta(t, dcg/ideal, r.NDCG10, 1e-12)
	require.Equal(t, []string{"policy/z#1", "runbook/a#intro", "runbook/a#fix", "guide/b#y", "guide/c#x"}, r.Top)

	none := score(q, hits("policy/z#1"))
	require.Zero(t, none.Recall5)
	require.Zero(t, none.RR10)
	require.Zero(t, none.NDCG10)

	// A document id does not match a longer id that shares its prefix.
	require.False(t, matches("runbook/ab#x", "runbook/a"))
	require.True(t, matches("runbook/a#x", "runbook/a"))
}

func TestCheckFindsDanglingLabels(t *testing.T) {
	qs := []Query{{ID: "q1", Relevant: []string{"runbook/a", "runbook/missing#x"}}}
	err := Check(qs, []string{"runbook/a#1"})
	require.ErrorContains(t, err, "q1: runbook/missing#x")
	require.NoError(t, Check(qs[:0], nil))
}

func TestJudge(t *testing.T) {
	r := &Result{Configs: []ConfigResult{{Name: "text", Mode: "text", Recall5: 0.85}, {Name: "hybrid", Mode: "hybrid", Recall5: 0.92}}}
	r.judge()
	require.True(t, r.GoalMet)
	r = &Result{Configs: []ConfigResult{{Name: "text", Mode: "text", Recall5: 0.95}, {Name: "hybrid", Mode: "hybrid", Recall5: 0.92}}}
	r.judge()
	require.False(t, r.GoalMet, "hybrid must beat every single leg")
}
