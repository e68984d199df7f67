package draft

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
)

func TestNumbersSeesQuantitiesNotNames(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []string
	}{
		"A percentage should keep its sign.":              {"met 99.5% of the time", []string{"99.5%"}},
		"Milliseconds should read as the number.":         {"under 650 ms and 650ms", []string{"650", "650"}},
		"A hyphenated unit should be a number.":           {"30-day windows", []string{"30"}},
		"Digits of a percentile name should be skipped.":  {"p95 under 1 ms", []string{"1"}},
		"Digits of ids and services should be skipped.":   {"F12 cites svc-0042 in us-east-1 on S3", nil},
		"Digits before letters should be skipped.":        {"5xx errors, 2fa", nil},
		"A factor sign should not hide the number.":       {"8.4× the budget (×0.80)", []string{"8.4", "0.80"}},
		"A dotted version should be skipped after a dot.": {"engine 1.2.3", []string{"1.2"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, n := range numbers(tt.in) {
				got = append(got, n.text)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNumberSetAllowsWithinRounding(t *testing.T) {
	rec := &slorec.Recommendation{Facts: []slorec.Fact{
		{ID: "F1", Statement: "availability over 60.0 days: 99.506%", Value: 0.995055, Unit: "ratio"},
		{ID: "F2", Statement: "p95 floor: 271.9 ms", Value: 271.92, Unit: "ms"},
	}}
	s := allowedNumbers(rec)
	for text, want := range map[string]bool{
		"99.506%": true, "99.51%": true, "99.5%": true, "99.6%": false, "0.995055": true,
		"271.9": true, "272": true, "270": false, "60.0": true, "61": false,
	} {
		ns := numbers(" " + text)
		require.Len(t, ns, 1, text)
		require.Equal(t, want, s.allows(ns[0]), text)
	}
	require.Equal(t, "99.506%", display(rec.Facts[0]))
	require.Equal(t, "271.9 ms", display(rec.Facts[1]))
}

func TestSanitizeKeepsTheClausesFactsBack(t *testing.T) {
	rec := &slorec.Recommendation{Service: "a", Facts: []slorec.Fact{{ID: "F1", Statement: "a needs 99.9%", Value: 0.999, Unit: "ratio"}}}
	w := &writer{rec: rec, nums: allowedNumbers(rec), ix: indexFacts(rec), svc: "a"}
	require.Equal(t, "extra-nine rule: make b soft; it needs 99.9%",
		w.sanitize("extra-nine rule: b fails 0.42% of a's requests; make b soft; it needs 99.9%"))
	require.Equal(t, "", w.sanitize("only 12.0 days of history"))
	require.Equal(t, "", w.sanitize("low volume: 1200 requests"), "a label alone says nothing")
}
