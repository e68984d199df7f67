package guardrails_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
)

// numericRules runs the numeric guard on text as a summary, against four
// facts whose statements hold no numbers: an availability of 0.995055, a
// latency of 573.2 ms, 3918082 requests and a 60-day window.
func numericRules(t *testing.T, text string) []string {
	t.Helper()
	rec := &slorec.Recommendation{Facts: []slorec.Fact{
		{ID: "F1", Statement: "checkout-service availability", Value: 0.995055, Unit: "ratio", Source: "metrics"},
		{ID: "F2", Statement: "checkout-service mean p95 latency", Value: 573.2, Unit: "ms", Source: "metrics"},
		{ID: "F3", Statement: "checkout-service requests", Value: 3918082, Unit: "requests", Source: "metrics"},
		{ID: "F4", Statement: "metrics window", Value: 60, Unit: "days", Source: "metrics"},
	}}
	d := slorec.Draft{Summary: text, Targets: []slorec.DraftTarget{{SLI: slorec.Availability, Target: 0.99}},
		Rationale: []slorec.RationaleItem{{Claim: "As measured.", FactIDs: []string{"F1"}}}, ChosenTier: "balanced", ConfidenceNote: "High."}
	_, vs := guardrails.CheckDraft(marshal(t, d), guardrails.Evidence{Recommendation: rec})
	var rules []string
	for _, v := range vs {
		if v.Guard == guardrails.GuardNumeric {
			for _, x := range v.Violations {
				rules = append(rules, x.Rule+" "+x.Got)
			}
		}
	}
	return rules
}

func TestNumericGuard(t *testing.T) {
	const unbacked, confusion = guardrails.RuleUnbackedNumber, guardrails.RulePercentRatio
	tests := []struct {
		name, text string
		want       []string // "rule got"
	}{
		{"A ratio as the percent the engine wrote passes.", "availability is 99.506%", nil},
		{"A percent rounded to two decimals passes.", "availability is 99.51%", nil},
		{"A percent rounded to one decimal passes.", "availability is 99.5%", nil},
		{"A percent truncated to two decimals passes.", "availability is 99.50%", nil},
		{"A percent truncated to three decimals passes.", "availability is 99.505%", nil},
		{"A percent truncated to an integer passes.", "availability is 99%", nil},
		{"A percent written as a word passes.", "availability is 99.506 percent", nil},
		{"A percent without its sign passes.", "availability is 99.506 over the window", nil},
		{"A percent off in the last digit is unbacked.", "availability is 99.507%", []string{unbacked + " 99.507%"}},
		{"A percent off in the second decimal is unbacked.", "availability is 99.52%", []string{unbacked + " 99.52%"}},
		{"A percent off in the first decimal is unbacked.", "availability is 99.6%", []string{unbacked + " 99.6%"}},
		{"Rounding never makes a perfect 100%.", "availability is 100%", []string{unbacked + " 100%"}},
		{"A ratio as the engine stated it passes.", "availability is 0.995055", nil},
		{"A ratio rounded passes.", "availability is 0.9951", nil},
		{"Rounding never makes a perfect ratio of 1.", "availability is 1.0", []string{unbacked + " 1.0"}},
		{"A ratio with a percent sign is percent-ratio confusion.", "availability is 0.995%", []string{confusion + " 0.995%"}},
		{"A precise ratio with a percent sign is percent-ratio confusion.", "availability is 0.99506%", []string{confusion + " 0.99506%"}},
		{"The complement of a ratio is an error rate.", "0.49% of requests fail, about 0.5%", nil},
		{"A negative number does not match a positive fact.", "a change of -0.5%", []string{unbacked + " -0.5%"}},
		{"A range of two backed numbers passes.", "between 99.5%-99.506%", nil},
		{"Milliseconds as stated pass.", "p95 is 573.2 ms", nil},
		{"Milliseconds glued to their unit pass.", "p95 is 573.2ms", nil},
		{"Milliseconds rounded to an integer pass.", "p95 is 573 ms", nil},
		{"Seconds are converted to milliseconds.", "p95 is 0.5732 s, or 0.57 seconds", nil},
		{"Milliseconds off by one are unbacked.", "p95 is 574 ms", []string{unbacked + " 574 ms"}},
		{"A ratio with a millisecond unit is unbacked.", "p95 is 99.506 ms", []string{unbacked + " 99.506 ms"}},
		{"A latency with a percent sign is unbacked.", "p95 is 573.2%", []string{unbacked + " 573.2%"}},
		{"A count with thousands separators passes.", "3,918,082 requests", nil},
		{"A scaled count passes within its precision.", "3.9M requests, 3.92 million, 3918k", nil},
		{"A count off at its precision is unbacked.", "3.8M requests", []string{unbacked + " 3.8M"}},
		{"Days in every spelling pass.", "over 60 days, a 60-day window, 60d", nil},
		{"Days the engine never used are unbacked.", "over a 28-day window", []string{unbacked + " 28-day"}},
		{"Small counting integers are free.", "two dependencies: 1 of 3 is hard, the 2nd is soft, across 10 services", nil},
		{"An integer over ten is not a counting word.", "11 dependencies", []string{unbacked + " 11"}},
		{"A small integer with a unit must match.", "7 days, 3 ms and 5%", []string{unbacked + " 7 days", unbacked + " 3 ms", unbacked + " 5%"}},
		{"Percentile labels, status classes and service names are names.", "p99 and p95 of s3, ec2 and k8s; 5xx errors on http2", nil},
		{"Fact ids, citation ids and links are names.", "F12 and runbook/db-2#step-3 and incident/inc-2024-03#summary and https://x.example/a?b=12", nil},
		{"Dates, times and versions are names.", "on 2024-03-12 at 10:30 UTC after v1.2.3", nil},
		{"A year is a claim.", "since 2019", []string{unbacked + " 2019"}},
		{"A repeated unbacked number is reported once.", "99.8% then 99.8% again", []string{unbacked + " 99.8%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, numericRules(t, tt.text))
		})
	}
}
