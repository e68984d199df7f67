package faithfulness

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
)

func TestQuantities(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // as written, with the unit read
	}{
		{"Percents, milliseconds and plain numbers should be read.", "99.506% over 30 days, p95 under 650 ms", []string{"99.506%", "30 days", "650 ms"}},
		{"Ids and names with digits should be skipped.", "F12 and p99 of s3, inc-2026 and payment-2, 5xx errors, v2.14", nil},
		{"Citation ids, dates and times should be skipped.", "see runbook/db-2#step-3 from 2026-10-03 at 10:30", nil},
		{"Thousands separators and scales should be read.", "3,918,082 requests or 3.9 million", []string{"3,918,082", "3.9 million"}},
		{"A factor should be read as a plain number.", "8.4× the 0.05% allowed, 2x more", []string{"8.4×", "0.05%", "2x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, q := range quantities(tt.in) {
				got = append(got, q.text)
			}
			require.Equal(t, tt.want, got)
		})
	}
	qs := quantities("1.2 s and 3.9 million and 2 dependencies")
	require.InDelta(t, 1200, qs[0].v, 1e-9, "seconds are read in ms")
	require.InDelta(t, 3.9e6, qs[1].v, 1e-3)
	require.True(t, counting(qs[2]), "a small integer without a unit is a counting word")
	require.False(t, counting(qs[0]))
}

func TestBacked(t *testing.T) {
	f := slorec.Fact{ID: "F1", Unit: "ratio", Value: 0.995055, Statement: "checkout-service availability over 60.0 days of metrics (3918082 requests): 99.506%"}
	bs := factBacking(f)
	tests := []struct {
		text string
		want bool
	}{
		{"99.51%", true},  // rounded from the value
		{"99.50%", true},  // cut
		{"99.506%", true}, // as the statement writes it
		{"0.995", true},   // the ratio, cut
		{"60", true},      // a number of the statement
		{"3.9 million", true},
		{"0.5%", true},       // the error budget, 1 - 0.995055
		{"99.6%", false},     // neither rounded nor cut
		{"99.506", false},    // a percent without its sign is not the ratio
		{"0.995055%", false}, // the ratio with a percent sign
	}
	for _, tt := range tests {
		qs := quantities(tt.text)
		require.Len(t, qs, 1, tt.text)
		require.Equal(t, tt.want, backed(qs[0], bs), tt.text)
	}
}
