package promrules_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
	"github.com/slorec/slorec/integrations/promrules"
)

// mapping loads a prommap config, failing the test on error.
func mapping(t testing.TB, doc string) *prommap.Config {
	t.Helper()
	cfg, err := prommap.Load(strings.NewReader(doc))
	require.NoError(t, err)
	return cfg
}

// testMapping has bucket boundaries for the defaults, a summary for
// payment, no latency series for batch, a millisecond histogram for
// search and no errors counter for... nobody: prommap always fills one.
const testMapping = `
defaults:
  latency:
    histogram: http_request_duration_seconds_bucket{service="{{service}}"}
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5]
services:
  payment:
    latency:
      summary: payment_latency_seconds{app="{{service}}"}
  batch:
    latency: {none: true}
  inf:
    latency:
      histogram: inf_seconds_bucket{job="inf"}
      buckets: [0.5, 1, .inf]
  search:
    latency:
      histogram: search_latency_ms_bucket{job="search"}
      unit: milliseconds
`

func availability(svc string, target float64) slorec.SLO {
	return slorec.SLO{Service: svc, SLI: slorec.Availability, Target: target, WindowDays: 30}
}

func latency(svc string, target, ms float64) slorec.SLO {
	return slorec.SLO{Service: svc, SLI: slorec.Latency, Target: target, ThresholdMs: ms, Percentile: target * 100, WindowDays: 30}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name   string
		slos   []slorec.SLO
		opt    promrules.Options
		expect string
	}{
		{"A target above 1 should error as a percentage.", []slorec.SLO{availability("cart", 99.9)}, promrules.Options{}, "looks like a percentage"},
		{"A target of 1 should error.", []slorec.SLO{availability("cart", 1)}, promrules.Options{}, "target: 1 "},
		{"A target of 0 should error.", []slorec.SLO{availability("cart", 0)}, promrules.Options{}, "is not a ratio"},
		{"A negative target should error.", []slorec.SLO{availability("cart", -0.5)}, promrules.Options{}, "is not a ratio"},
		{"An unknown SLI kind should error.", []slorec.SLO{{Service: "cart", SLI: "throughput", Target: 0.99}}, promrules.Options{}, "unknown kind"},
		{"A latency SLO without threshold should error.", []slorec.SLO{latency("cart", 0.99, 0)}, promrules.Options{}, "positive threshold"},
		{"An SLO without service should error.", []slorec.SLO{availability("", 0.99)}, promrules.Options{}, "service: required"},
		{"A service id that is not UTF-8 should error.", []slorec.SLO{availability("cart\xff", 0.99)}, promrules.Options{}, "not valid UTF-8"},
		{"Two SLOs for one service and SLI should error.", []slorec.SLO{availability("cart", 0.99), availability("cart", 0.999)}, promrules.Options{}, "two availability SLOs for service cart"},
		{"A window shorter than the 3d alert window should error.", []slorec.SLO{{Service: "cart", SLI: slorec.Availability, Target: 0.99, WindowDays: 2}}, promrules.Options{}, "shorter than the policy's 3d alert window"},
		{"A window longer than a year should error.", []slorec.SLO{{Service: "cart", SLI: slorec.Availability, Target: 0.99, WindowDays: 400}}, promrules.Options{}, "window_days"},
		{"An empty policy should error.", nil, promrules.Options{Policy: []promrules.Alert{}}, "policy: no alerts"},
		{"A short window as long as the long one should error.", nil, promrules.Options{Policy: policyWith(func(w *promrules.Window) { w.Short = w.Long })}, "is not longer than short"},
		{"A budget share above 1 should error.", nil, promrules.Options{Policy: policyWith(func(w *promrules.Window) { w.BudgetSpent = 1.5 })}, "budget_spent"},
		{"A zero budget share should error.", nil, promrules.Options{Policy: policyWith(func(w *promrules.Window) { w.BudgetSpent = 0 })}, "budget_spent"},
		{"A window of a fraction of a second should error.", nil, promrules.Options{Policy: policyWith(func(w *promrules.Window) { w.Short = 1500 * time.Millisecond })}, "whole number of seconds"},
		{"A severity given twice should error.", nil, promrules.Options{Policy: []promrules.Alert{promrules.DefaultPolicy()[0], promrules.DefaultPolicy()[0]}}, "given twice"},
		{"A severity that is not a word should error.", nil, promrules.Options{Policy: []promrules.Alert{{Severity: "{{page}}", Windows: promrules.DefaultPolicy()[0].Windows}}}, "not a lower-case word"},
		{"An alert without windows should error.", nil, promrules.Options{Policy: []promrules.Alert{{Severity: "page"}}}, "windows: none"},
		{"An interval of a fraction of a second should error.", nil, promrules.Options{Interval: time.Millisecond}, "interval"},
		{"A latency SLO on a summary should error in strict mode.", []slorec.SLO{latency("payment", 0.99, 300)}, promrules.Options{Strict: true}, "needs a histogram: the mapping names a summary"},
		{"A latency SLO on a service without latency series should error in strict mode.", []slorec.SLO{latency("batch", 0.99, 300)}, promrules.Options{Strict: true}, "needs a histogram, and the mapping names none"},
		{"A threshold above every bucket should error in strict mode.", []slorec.SLO{latency("cart", 0.99, 5000)}, promrules.Options{Strict: true}, "above the histogram's largest bucket boundary (2.5 seconds)"},
		{"A threshold above every finite bucket should error in strict mode.", []slorec.SLO{latency("inf", 0.99, 5000)}, promrules.Options{Strict: true}, "above the histogram's largest bucket boundary (1 seconds)"},
	}
	cfg := mapping(t, testMapping)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := promrules.Generate(tt.slos, cfg, tt.opt)
			require.Error(t, err)
			require.Nil(t, res)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err), "%v", err)
			require.Contains(t, slorec.ErrorMessage(err), tt.expect)
		})
	}
}

// policyWith returns the default policy with its first window changed.
func policyWith(change func(*promrules.Window)) []promrules.Alert {
	p := promrules.DefaultPolicy()
	change(&p[0].Windows[0])
	return p
}

// TestGenerateSkips: without Strict, SLOs the mapping cannot measure are
// listed with the reason and the others are exported.
func TestGenerateSkips(t *testing.T) {
	slos := []slorec.SLO{
		latency("payment", 0.99, 300), availability("payment", 0.999),
		latency("batch", 0.99, 300),
		latency("cart", 0.99, 5000),
	}
	res, err := promrules.Generate(slos, mapping(t, testMapping), promrules.Options{})
	require.NoError(t, err)
	require.Equal(t, []promrules.Note{
		{Service: "batch", SLI: slorec.Latency, Message: "a latency SLO needs a histogram, and the mapping names none"},
		{Service: "cart", SLI: slorec.Latency, Message: "threshold 5000 ms is above the histogram's largest bucket boundary (2.5 seconds), so no bucket counts the requests under it"},
		{Service: "payment", SLI: slorec.Latency, Message: "a latency SLO needs a histogram: the mapping names a summary, whose quantiles cannot give the share of requests under a threshold"},
	}, res.Skipped)
	require.Len(t, res.SLOs, 1)
	require.Equal(t, "payment-availability", res.SLOs[0].Name)
	require.Equal(t, []string{
		"slorec-sli-recordings-payment-availability", "slorec-meta-recordings-payment-availability", "slorec-alerts-payment-availability",
	}, groupNames(res))
	b, err := res.YAML()
	require.NoError(t, err)
	require.Contains(t, string(b), "# skipped: batch latency: a latency SLO needs a histogram")
	require.NotContains(t, string(b), "latency_seconds", "nothing of the skipped latency SLOs is written")
}

func groupNames(res *promrules.Result) []string {
	var out []string
	for _, g := range res.File.Groups {
		out = append(out, g.Name)
	}
	return out
}

// rule returns the rule of the group recording (or alerting) name.
func rule(t *testing.T, res *promrules.Result, group, name string) promrules.Rule {
	t.Helper()
	for _, g := range res.File.Groups {
		if g.Name != group {
			continue
		}
		for _, r := range g.Rules {
			if r.Record == name || r.Alert == name {
				return r
			}
		}
	}
	t.Fatalf("no rule %s in group %s", name, group)
	return promrules.Rule{}
}

func TestLatencyThresholds(t *testing.T) {
	tests := []struct {
		name      string
		slo       slorec.SLO
		matcher   string
		measured  float64
		le        string
		warning   string
		threshold string
	}{
		{"A threshold on a boundary should be measured there without warning.", latency("cart", 0.99, 250),
			`http_request_duration_seconds_bucket{service="cart",le="0.25"}`, 250, "0.25", "", "0.25"},
		{"A threshold between boundaries should snap up to the next one, with a warning.", latency("cart", 0.99, 300),
			`http_request_duration_seconds_bucket{service="cart",le="0.5"}`, 500, "0.5", `threshold 300 ms is not a bucket boundary; measured at the next one up, le="0.5" (500 ms)`, "0.5"},
		{"A whole-number boundary should match both of its spellings.", latency("cart", 0.99, 1000),
			`http_request_duration_seconds_bucket{service="cart",le=~"1|1\\.0"}`, 1000, "1", "", "1"},
		{"A threshold below the first boundary should snap to it.", latency("cart", 0.99, 10),
			`http_request_duration_seconds_bucket{service="cart",le="0.05"}`, 50, "0.05", "measured at the next one up", "0.05"},
		{"Unknown boundaries should use the threshold itself, with a warning.", latency("search", 0.95, 120),
			`search_latency_ms_bucket{job="search",le=~"120|120\\.0"}`, 120, "120", `bucket boundaries are unknown (prommap latency.buckets), so le="120" (120 ms) is assumed to be one`, "0.12"},
	}
	cfg := mapping(t, testMapping)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := promrules.Generate([]slorec.SLO{tt.slo}, cfg, promrules.Options{})
			require.NoError(t, err)
			require.Empty(t, res.Skipped)
			ex := res.SLOs[0]
			require.InDelta(t, tt.slo.ThresholdMs, ex.ThresholdMs, 0)
			require.InDelta(t, tt.measured, ex.MeasuredMs, 1e-9)
			require.Equal(t, tt.le, ex.Le)
			group := "slorec-sli-recordings-" + ex.Name
			expr := rule(t, res, group, "slorec:sli_error:ratio_rate1h").Expr
			require.Contains(t, expr, "sum(rate("+tt.matcher+"[1h]))")
			count := strings.Replace(strings.SplitN(tt.matcher, "{", 2)[0], "_bucket", "_count", 1)
			require.Contains(t, expr, "sum(rate("+count+"{")
			require.Equal(t, "vector("+tt.threshold+")", rule(t, res, "slorec-meta-recordings-"+ex.Name, promrules.ThresholdRecord).Expr)
			if tt.warning == "" {
				require.Empty(t, res.Warnings)
			} else {
				require.Len(t, res.Warnings, 1)
				require.Contains(t, res.Warnings[0].Message, tt.warning)
			}
		})
	}
}

// TestRuleLayout checks the groups, the windows and the labels of one
// 28-day SLO: every policy window and the SLO window are recorded,
// shortest first, and the alerts read them.
func TestRuleLayout(t *testing.T) {
	slo := availability("cart", 0.999)
	slo.WindowDays = 28
	res, err := promrules.Generate([]slorec.SLO{slo}, nil, promrules.Options{Interval: 30 * time.Second})
	require.NoError(t, err)
	require.Equal(t, []string{"slorec-sli-recordings-cart-availability", "slorec-meta-recordings-cart-availability", "slorec-alerts-cart-availability"}, groupNames(res))
	labels := map[string]string{"slorec_service": "cart", "slorec_sli": "availability", "slorec_slo": "cart-availability"}
	var records []string
	for _, r := range res.File.Groups[0].Rules {
		records = append(records, r.Record)
		require.Equal(t, labels, r.Labels)
	}
	require.Equal(t, []string{
		"slorec:sli_error:ratio_rate5m", "slorec:sli_error:ratio_rate30m", "slorec:sli_error:ratio_rate1h", "slorec:sli_error:ratio_rate2h",
		"slorec:sli_error:ratio_rate6h", "slorec:sli_error:ratio_rate1d", "slorec:sli_error:ratio_rate3d", "slorec:sli_error:ratio_rate28d",
	}, records)
	require.Equal(t, "(sum(rate(http_requests_total{service=\"cart\",code=~\"5..\"}[28d])) or vector(0))\n/\nsum(rate(http_requests_total{service=\"cart\"}[28d]))",
		res.File.Groups[0].Rules[7].Expr)
	for _, g := range res.File.Groups {
		require.Equal(t, "30s", g.Interval)
	}
	meta := map[string]string{}
	for _, r := range res.File.Groups[1].Rules {
		meta[r.Record] = r.Expr
		require.Equal(t, labels, r.Labels)
	}
	sel := `{slorec_service="cart",slorec_sli="availability"}`
	require.Equal(t, map[string]string{
		promrules.ObjectiveRecord:       "vector(0.999)",
		promrules.ErrorBudgetRecord:     "vector(0.001)",
		promrules.PeriodDaysRecord:      "vector(28)",
		promrules.CurrentBurnRateRecord: "slorec:sli_error:ratio_rate5m" + sel + " / 0.001",
		promrules.PeriodBurnRateRecord:  "slorec:sli_error:ratio_rate28d" + sel + " / 0.001",
		promrules.BudgetRemainingRecord: "1 - slorec:sli_error:ratio_rate28d" + sel + " / 0.001",
	}, meta)
	pageRule := res.File.Groups[2].Rules[0]
	require.Equal(t, promrules.AlertName, pageRule.Alert)
	require.Equal(t, "2m", pageRule.For)
	require.Equal(t, map[string]string{"severity": "page", "slorec_slo": "cart-availability"}, pageRule.Labels)
	require.Equal(t, "(\n  slorec:sli_error:ratio_rate1h"+sel+" > (13.44 * 0.001)\nand\n  slorec:sli_error:ratio_rate5m"+sel+" > (13.44 * 0.001)\n)\nor\n"+
		"(\n  slorec:sli_error:ratio_rate6h"+sel+" > (5.6 * 0.001)\nand\n  slorec:sli_error:ratio_rate30m"+sel+" > (5.6 * 0.001)\n)", pageRule.Expr)
	require.Equal(t, "28d", pageRule.Annotations["window"])
	require.Equal(t, "0.999", pageRule.Annotations["objective"])
	require.Equal(t, "0.001", pageRule.Annotations["error_budget"])
	require.Contains(t, pageRule.Annotations["runbook_url"], "TODO")
	ticketRule := res.File.Groups[2].Rules[1]
	require.Equal(t, "15m", ticketRule.For)
	require.Contains(t, ticketRule.Expr, "slorec:sli_error:ratio_rate3d"+sel+" > (0.9333333333 * 0.001)")
}

// TestUnreachableConditions: at a 90% target the 1h page condition asks
// for more than 144% errors; Generate says so rather than shipping an
// alert that cannot fire in silence.
func TestUnreachableConditions(t *testing.T) {
	res, err := promrules.Generate([]slorec.SLO{availability("cart", 0.9), availability("pay", 0.999)}, nil, promrules.Options{})
	require.NoError(t, err)
	require.Equal(t, []promrules.Note{{Service: "cart", SLI: slorec.Availability,
		Message: "the page alert's 1h/5m condition needs an error ratio above 144%, which cannot happen at a 10% error budget; it fires on its other conditions only"}}, res.Warnings)

	// A 90-day window at 90% makes both page conditions unreachable
	// (43.2 and 18 times 10%); the ticket's 9x and 3x are not.
	slo := availability("cart", 0.9)
	slo.WindowDays = 90
	res, err = promrules.Generate([]slorec.SLO{slo}, nil, promrules.Options{})
	require.NoError(t, err)
	require.Equal(t, []promrules.Note{{Service: "cart", SLI: slorec.Availability,
		Message: "the page alert's 1h/5m and 6h/30m conditions need error ratios above 432% and 180%, which cannot happen at a 10% error budget; the page alert can never fire"}}, res.Warnings)
}

// TestUnreachableWarningMatchesTheRules: the reported threshold ratio is
// the one the rule compares against, for every target of a sweep.
func TestUnreachableWarningMatchesTheRules(t *testing.T) {
	for _, target := range []float64{0.5, 0.9, 0.93, 0.95, 0.99, 0.999, 0.9999} {
		res, err := promrules.Generate([]slorec.SLO{availability("cart", target)}, nil, promrules.Options{})
		require.NoError(t, err)
		warned := len(res.Warnings) > 0
		reachable := true
		for _, a := range res.SLOs[0].Alerts {
			for _, c := range a.Conditions {
				require.InDelta(t, c.BurnRate*(1-target), c.ErrorRatio, 1e-9)
				reachable = reachable && c.ErrorRatio < 1
			}
		}
		require.Equal(t, !reachable, warned, "target %v", target)
	}
}

// TestDeterministic: equal SLOs in any order give byte-identical files.
func TestDeterministic(t *testing.T) {
	slos := []slorec.SLO{
		availability("cart", 0.999), latency("cart", 0.99, 300), availability("api", 0.9995),
		latency("api", 0.95, 250), availability("payment", 0.99), latency("payment", 0.99, 300),
		availability("zeta", 0.9),
	}
	cfg := mapping(t, testMapping)
	first, err := promrules.Generate(slos, cfg, promrules.Options{})
	require.NoError(t, err)
	want, err := first.YAML()
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := slices.Clone(slos)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		res, err := promrules.Generate(shuffled, cfg, promrules.Options{})
		require.NoError(t, err)
		got, err := res.YAML()
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
	require.Equal(t, []string{"api", "api", "cart", "cart", "payment", "zeta"}, exportedServices(first))
	require.Len(t, first.Skipped, 1) // payment latency: a summary
	require.Equal(t, availability("cart", 0.999), slos[0], "Generate does not change its input")
}

func exportedServices(res *promrules.Result) []string {
	var out []string
	for _, s := range res.SLOs {
		out = append(out, s.Service)
	}
	return out
}

// TestServiceIDsAreEscaped: odd service ids survive into the YAML and the
// PromQL as values, never as syntax; group names stay unique.
func TestServiceIDsAreEscaped(t *testing.T) {
	ids := []string{`we"ird {{svc}}`, "new\nline", "\nleading", "trailing\n", " spaced ", "true", "30", "\u2028", "del\x7f", "bom\ufeff", `back\slash`, "ünïcødé", "a-availability", "a", "tab\there", "{{ .Foo }}"}
	var slos []slorec.SLO
	for _, id := range ids {
		slos = append(slos, availability(id, 0.99), latency(id, 0.95, 250))
	}
	res, err := promrules.Generate(slos, nil, promrules.Options{})
	require.NoError(t, err)
	b, err := res.YAML()
	require.NoError(t, err)
	var back promrules.RuleFile
	require.NoError(t, yaml.Unmarshal(b, &back))
	require.Equal(t, res.File, back, "the YAML reads back as written")
	seen := map[string]bool{}
	services := map[string]bool{}
	for _, g := range back.Groups {
		require.False(t, seen[g.Name], "group name %q twice", g.Name)
		seen[g.Name] = true
		for _, r := range g.Rules {
			if r.Record != "" {
				services[r.Labels["slorec_service"]] = true
			}
			if r.Alert != "" {
				require.NotContains(t, r.Labels["slorec_slo"], "{{svc}}", "a templated label must escape delimiters")
				for k, v := range r.Annotations {
					require.NotContains(t, v, "{{svc}}", "annotation %s", k)
					require.NotContains(t, v, "{{ .Foo }}", "annotation %s", k)
				}
			}
		}
	}
	require.Len(t, seen, 3*len(slos))
	for _, id := range ids {
		require.True(t, services[id], "labels carry %q verbatim", id)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			require.NotContains(t, line, "\t")
		}
	}
}

func TestEmptyInput(t *testing.T) {
	res, err := promrules.Generate(nil, nil, promrules.Options{})
	require.NoError(t, err)
	b, err := res.YAML()
	require.NoError(t, err)
	require.Equal(t, promrules.Header+"\n# 0 SLOs exported, 0 skipped.\ngroups: []\n", string(b))
}
