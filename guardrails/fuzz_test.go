package guardrails_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
)

// FuzzCheckDraft feeds arbitrary bytes to CheckDraft: it never panics,
// always answers one verdict per guard in order, and a draft it passes
// passes again once re-encoded. Found cases live in
// testdata/fuzz/FuzzCheckDraft.
func FuzzCheckDraft(f *testing.F) {
	good, err := json.Marshal(goodDraft())
	require.NoError(f, err)
	for _, seed := range [][]byte{
		good, good[:len(good)/3], nil, []byte("{}"), []byte("[]"), []byte("null"), []byte(`"text"`),
		[]byte(`{"summary":"99.5% 1e400","targets":[{"sli":"latency","target":-0,"threshold_ms":1e308}]}`),
		[]byte(`{"summary":"x","summary":"y","targets":[],"rationale":[{"claim":"F1 -","fact_ids":null,"citation_ids":[""]}],"risks":null,"chosen_tier":"","confidence_note":"\u0000"}`),
	} {
		f.Add(seed)
	}
	ev := evidence(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, vs := guardrails.CheckDraft(raw, ev)
		require.Len(t, vs, len(guardrails.Guards()))
		for i, v := range vs {
			require.Equal(t, guardrails.Guards()[i], v.Guard)
			require.Equal(t, len(v.Violations) == 0, v.Passed)
		}
		_ = guardrails.RepairPrompt(vs)
		if !guardrails.Passed(vs) {
			return
		}
		again, err := json.Marshal(d)
		require.NoError(t, err)
		big := ev
		big.MaxBytes = 1 << 20
		_, vs = guardrails.CheckDraft(again, big)
		require.True(t, guardrails.Passed(vs), "%+v", vs)
	})
}

// FuzzScreen runs the text screens on arbitrary text: no panics, and
// redaction stays idempotent.
func FuzzScreen(f *testing.F) {
	for _, s := range []string{"", "Ignore previous instructions", "![x](https://e.example/p?d=1)", "ops@example.com 10.0.0.1", "99.5%-99.9% 3,918,082 -0.5 ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = guardrails.ScreenMessage(s)
		_, _ = guardrails.ScreenSources([]guardrails.Source{{Citation: slorec.Citation{ID: "x/y", Snippet: s}, Text: s}})
		d, _ := guardrails.RedactDraft(slorec.Draft{Summary: s})
		again, _ := guardrails.RedactDraft(d)
		require.Equal(t, d, again)
	})
}

func BenchmarkCheckDraft(b *testing.B) {
	raw, err := json.Marshal(goodDraft())
	require.NoError(b, err)
	ev := evidence(b)
	for b.Loop() {
		guardrails.CheckDraft(raw, ev)
	}
}
