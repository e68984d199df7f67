package promrules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/promrules"
)

// The burn scenarios run the generated rules in promtool against
// simulated traffic for checkout: 1,000 requests a minute, of which a
// share fails (availability, target 99.9%, budget 0.1%) or is slower than
// 1 s (latency, target 99%, budget 1%). Their expectations are worked out
// by hand from the SRE Workbook's policy below; they do not read the
// thresholds from the rules, so wrong thresholds fail them, as
// TestBurnScenariosCatchWrongThresholds shows.
//
// promtool's rates here are exact: every window starts at a sample and
// counters start at 0, so rate() neither extrapolates nor misses a
// sample, and an error ratio is errors/requests over the window. Alerts
// read recording rules of another group, which may lag one evaluation; the
// chosen times leave several minutes of margin either way.

var (
	availabilitySLO = slorec.SLO{Service: "checkout", SLI: slorec.Availability, Target: 0.999, WindowDays: 30}
	latencySLO      = slorec.SLO{Service: "checkout", SLI: slorec.Latency, Target: 0.99, ThresholdMs: 1000, Percentile: 99, WindowDays: 30}
)

// scenario is a unit test with the SLO its rules are generated for and
// the evaluation interval of its file. Each runs on its own SLO's rules
// only: promtool's time grows with rules times evaluations.
type scenario struct {
	slo      slorec.SLO
	interval string
	test     unitTest
}

func alertLabels(severity string, sli slorec.SLIKind) expAlert {
	return expAlert{ExpLabels: map[string]string{
		"severity": severity, "slorec_service": "checkout", "slorec_sli": string(sli), "slorec_slo": "checkout-" + string(sli),
	}}
}

func page(sli slorec.SLIKind) expAlert   { return alertLabels("page", sli) }
func ticket(sli slorec.SLIKind) expAlert { return alertLabels("ticket", sli) }

func firing(at string, alerts ...expAlert) alertTest {
	if alerts == nil {
		alerts = []expAlert{}
	}
	return alertTest{EvalTime: at, Alertname: promrules.AlertName, ExpAlerts: alerts}
}

const (
	okSeries  = `http_requests_total{service="checkout",code="200"}`
	errSeries = `http_requests_total{service="checkout",code="500"}`
)

// fastBurn: two clean hours, then 20x the budget rate (2% errors) for an
// hour. The 1h ratio is 20k/60,000 after k minutes of burn and crosses
// 14.4 × 0.1% at k = 44; the page fires two minutes later. The 6h/30m
// condition needs 20k/(120+k) > 6, k > 51, so at k = 50 only the 1h
// condition can page. Quiet at k = 40 and paging at k = 50 pins the 1h
// factor between about 12.7 and 15.7.
//
// The ticket fires first, which is what the math says for a short history:
// the 3d and 6h windows hold only the two clean hours, so their ratio
// 20k/(120+k) passes 1 × 0.1% at k = 7; with 15 minutes of `for` the
// ticket fires at k = 22.
func fastBurn() scenario {
	return scenario{availabilitySLO, "1m", unitTest{
		Name:     "20x burn after 2 clean hours pages within the hour",
		Interval: "1m",
		InputSeries: []inputSeries{
			{okSeries, counter(seg{1000, 120}, seg{980, 60})},
			{errSeries, counter(seg{0, 120}, seg{20, 60})},
		},
		Alerts: []alertTest{
			firing("110m"),
			firing("160m", ticket(slorec.Availability)),
			firing("170m", page(slorec.Availability), ticket(slorec.Availability)),
			firing("180m", page(slorec.Availability), ticket(slorec.Availability)),
		},
		Exprs: []promqlExprTest{
			// After an hour of burn the 1h ratio is exactly 2%, the 5m
			// burn rate 20, and the 30d ratio 1,200/180,000, a burn of
			// 6.67 that leaves -5.67 budgets.
			{Expr: `round(1e6 * slorec:sli_error:ratio_rate1h{slorec_slo="checkout-availability"})`, EvalTime: "180m",
				ExpSamples: []expSample{{Labels: `{slorec_service="checkout",slorec_sli="availability",slorec_slo="checkout-availability"}`, Value: 20000}}},
			{Expr: `round(slorec:current_burn_rate:ratio{slorec_slo="checkout-availability"})`, EvalTime: "180m",
				ExpSamples: []expSample{{Labels: `{slorec_service="checkout",slorec_sli="availability",slorec_slo="checkout-availability"}`, Value: 20}}},
			{Expr: `round(1e6 * slorec:period_error_budget_remaining:ratio{slorec_slo="checkout-availability"})`, EvalTime: "180m",
				ExpSamples: []expSample{{Labels: `{slorec_service="checkout",slorec_sli="availability",slorec_slo="checkout-availability"}`, Value: -5666667}}},
		},
	}}
}

// sixHourBurn samples and evaluates every 5 minutes: six clean hours, then
// 8x the budget rate (0.8% errors) for six hours. The 1h/5m condition
// (1.44%) never holds; the 6h ratio is 0.8% × k/6 after k hours and
// passes 6 × 0.1% at k = 4.5, the 30m one (0.8%) always, so the page
// fires at about 4h40m. Quiet at 4h and paging at 5h pins the 6h factor
// between about 5.3 and 6.6. The ticket's 3d and 6h ratios,
// 0.8% × k/(6+k) and 0.8% × k/6, pass 0.1% before k = 1, and it fires
// about 15 minutes later.
func sixHourBurn() scenario {
	return scenario{availabilitySLO, "5m", unitTest{
		Name:     "8x burn after 6 clean hours pages on the 6h window",
		Interval: "5m",
		InputSeries: []inputSeries{
			{okSeries, counter(seg{5000, 72}, seg{4960, 72})},
			{errSeries, counter(seg{0, 72}, seg{40, 72})},
		},
		Alerts: []alertTest{
			firing("6h"),
			firing("10h", ticket(slorec.Availability)),
			firing("11h", page(slorec.Availability), ticket(slorec.Availability)),
			firing("12h", page(slorec.Availability), ticket(slorec.Availability)),
		},
		Exprs: []promqlExprTest{
			{Expr: `round(1e6 * slorec:sli_error:ratio_rate6h{slorec_slo="checkout-availability"})`, EvalTime: "12h",
				ExpSamples: []expSample{{Labels: `{slorec_service="checkout",slorec_sli="availability",slorec_slo="checkout-availability"}`, Value: 8000}}},
		},
	}}
}

// slowBurn: 2x the budget rate (0.2% errors) from the start. Neither page
// condition can hold (0.2% < 1.44% and < 0.6%); a 10x too small page
// factor (1.44) would page within minutes. The 3d/6h ticket condition
// (0.2% > 0.1%) holds from the first minute, so the ticket fires after its
// 15 minutes of `for`; the 1d/2h one (0.3%) never holds.
func slowBurn() scenario {
	return scenario{availabilitySLO, "1m", unitTest{
		Name:     "2x burn never pages but opens a ticket",
		Interval: "1m",
		InputSeries: []inputSeries{
			{okSeries, counter(seg{998, 180})},
			{errSeries, counter(seg{2, 180})},
		},
		Alerts: []alertTest{
			firing("10m"),
			firing("30m", ticket(slorec.Availability)),
			firing("90m", ticket(slorec.Availability)),
			firing("180m", ticket(slorec.Availability)),
		},
	}}
}

// latencyBurn: 20% of requests slower than 1 s from the start, 20x the
// 1% budget: above 14.4% over 1h and 5m at once, so the page fires two
// minutes in; the ticket (3% over 1d and 2h) 15 minutes in. The bucket
// series carry le="1.0", as Prometheus 3 writes whole-number boundaries,
// so this also shows the rules match that spelling.
func latencyBurn() scenario {
	const bucket = `http_request_duration_seconds_bucket{service="checkout",le="%s"}`
	return scenario{latencySLO, "1m", unitTest{
		Name:     "20x latency burn pages, with le spelled 1.0",
		Interval: "1m",
		InputSeries: []inputSeries{
			{strings.Replace(bucket, "%s", "0.5", 1), counter(seg{500, 60})},
			{strings.Replace(bucket, "%s", "1.0", 1), counter(seg{800, 60})},
			{strings.Replace(bucket, "%s", "+Inf", 1), counter(seg{1000, 60})},
			{`http_request_duration_seconds_count{service="checkout"}`, counter(seg{1000, 60})},
		},
		Alerts: []alertTest{
			firing("1m"),
			firing("10m", page(slorec.Latency)),
			firing("30m", page(slorec.Latency), ticket(slorec.Latency)),
		},
		Exprs: []promqlExprTest{
			{Expr: `round(1e6 * slorec:sli_error:ratio_rate5m{slorec_slo="checkout-latency"})`, EvalTime: "30m",
				ExpSamples: []expSample{{Labels: `{slorec_service="checkout",slorec_sli="latency",slorec_slo="checkout-latency"}`, Value: 200000}}},
			{Expr: `slorec:latency_threshold:seconds{slorec_slo="checkout-latency"}`, EvalTime: "30m",
				ExpSamples: []expSample{{Labels: `slorec:latency_threshold:seconds{slorec_service="checkout",slorec_sli="latency",slorec_slo="checkout-latency"}`, Value: 1}}},
		},
	}}
}

// sustainedBurn samples every 15 minutes and evaluates every 30 (the
// evaluation interval is per test file; fewer steps keep promtool fast):
// three clean days, then 1.5x the budget rate (0.15% errors) for 50 hours.
// The 1d/2h ticket condition (0.3%) never holds and no page condition
// does; the 3d ratio is 0.15% × k/72 after k hours of burn and passes
// 1 × 0.1% just after k = 48, so the ticket fires between 48h30m and
// 49h30m (evaluation steps, a possible lag and 15 minutes of `for`).
// Quiet at 46h and firing at 50h pins the 3d factor between about 0.95
// and 1.03; the clean days make the window's length matter too (a 4d
// window would pass the threshold only at k = 64).
func sustainedBurn() scenario {
	return scenario{availabilitySLO, "30m", unitTest{
		Name:     "1.5x burn for two days opens a ticket once 10% of the budget is gone",
		Interval: "15m",
		InputSeries: []inputSeries{
			{okSeries, counter(seg{15000, 288}, seg{14977.5, 200})},
			{errSeries, counter(seg{0, 288}, seg{22.5, 200})},
		},
		Alerts: []alertTest{
			firing("96h"),  // a day into the burn
			firing("118h"), // 46h
			firing("122h", ticket(slorec.Availability)), // 50h
		},
	}}
}

// withoutAnnotations drops the annotations: promtool compares them
// exactly, and the description quotes the live error ratio.
// TestAnnotationsRender checks them on their own.
func withoutAnnotations(res *promrules.Result) *promrules.Result {
	for i := range res.File.Groups {
		for j := range res.File.Groups[i].Rules {
			res.File.Groups[i].Rules[j].Annotations = nil
		}
	}
	return res
}

// runScenario generates the scenario SLO's rules with the policy, checks
// them and runs the scenario on them.
func runScenario(t *testing.T, sc scenario, policy []promrules.Alert) (string, bool) {
	t.Helper()
	res, err := promrules.Generate([]slorec.SLO{sc.slo}, nil, promrules.Options{Policy: policy})
	require.NoError(t, err)
	rules := writeRules(t, t.TempDir(), "rules.yaml", withoutAnnotations(res))
	checkRules(t, rules)
	return runUnitTests(t, rules, sc.interval, sc.test)
}

func TestBurnScenarios(t *testing.T) {
	for _, sc := range []scenario{fastBurn(), sixHourBurn(), slowBurn(), latencyBurn(), sustainedBurn()} {
		t.Run(sc.test.Name, func(t *testing.T) {
			t.Parallel()
			out, ok := runScenario(t, sc, nil)
			require.True(t, ok, "promtool test rules:\n%s", out)
		})
	}
}

// scaled returns the default policy with the budget share of one
// severity's window (all of its windows for -1) multiplied by f, which
// multiplies the window's burn-rate factor by f.
func scaled(severity string, window int, f float64) []promrules.Alert {
	p := promrules.DefaultPolicy()
	for i := range p {
		if p[i].Severity != severity {
			continue
		}
		for j := range p[i].Windows {
			if window < 0 || j == window {
				p[i].Windows[j].BudgetSpent *= f
			}
		}
	}
	return p
}

// TestBurnScenariosCatchWrongThresholds runs the scenarios on rules with
// wrong thresholds and requires promtool to report failed expectations:
// the scenarios test the thresholds, not just that some alert fires.
func TestBurnScenariosCatchWrongThresholds(t *testing.T) {
	const all = -1
	tests := []struct {
		name     string
		policy   []promrules.Alert
		scenario scenario
	}{
		{"Page factors of 1.44 and 0.6 instead of 14.4 and 6 should page on the slow burn.", scaled("page", all, 0.1), slowBurn()},
		{"Page factors of 144 and 60 should not page on the fast burn.", scaled("page", all, 10), fastBurn()},
		{"Page factors of 144 and 60 should not page on the latency burn.", scaled("page", all, 10), latencyBurn()},
		{"A 1h factor of 18 instead of 14.4 should page too late.", scaled("page", 0, 1.25), fastBurn()},
		{"A 1h factor of 11.52 instead of 14.4 should page too early.", scaled("page", 0, 0.8), fastBurn()},
		{"A 6h factor of 7.5 instead of 6 should page too late.", scaled("page", 1, 1.25), sixHourBurn()},
		{"A 6h factor of 4.5 instead of 6 should page too early.", scaled("page", 1, 0.75), sixHourBurn()},
		{"A 3d factor of 1.2 instead of 1 should open the ticket too late.", scaled("ticket", all, 1.2), sustainedBurn()},
		{"A 3d factor of 0.83 instead of 1 should open the ticket too early.", scaled("ticket", all, 1/1.2), sustainedBurn()},
		{"Ticket factors of a 7-day window on a 30-day SLO should ticket too early.", scaled("ticket", all, 7.0/30), sustainedBurn()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, ok := runScenario(t, tt.scenario, tt.policy)
			require.False(t, ok, "the scenario passed with wrong thresholds:\n%s", out)
			require.Contains(t, out, "alertname: "+promrules.AlertName, "promtool failed for another reason:\n%s", out)
		})
	}
}

// TestAnnotationsRender lets Prometheus expand the annotations and the
// templated slorec_slo label of a service whose id holds template
// delimiters and quotes: they come out verbatim, nothing is executed.
func TestAnnotationsRender(t *testing.T) {
	const svc = `we"ird {{svc}}`
	slo := slorec.SLO{Service: svc, SLI: slorec.Availability, Target: 0.999}
	res, err := promrules.Generate([]slorec.SLO{slo}, nil, promrules.Options{RunbookURL: "https://wiki.invalid/{{runbooks}}/{service}/{sli}"})
	require.NoError(t, err)
	rules := writeRules(t, t.TempDir(), "rules.yaml", res)
	checkRules(t, rules)

	const sel = `http_requests_total{service="we\"ird {{svc}}",code="%s"}`
	want := expAlert{
		ExpLabels: map[string]string{"severity": "ticket", "slorec_service": svc, "slorec_sli": "availability", "slorec_slo": svc + "-availability"},
		ExpAnnotations: map[string]string{
			"summary": svc + ": availability error budget burning too fast (ticket)",
			"description": "The availability SLO of " + svc + " (99.9% of requests succeed over 30d, error budget 0.1%) is spending its budget too fast: " +
				"the error ratio over the long window is 0.2%. It fires when 10% of the budget goes in 1d (burn rate 3x over 1d and 2h), " +
				"or 10% of the budget goes in 3d (burn rate 1x over 3d and 6h).",
			"runbook_url":  "https://wiki.invalid/{{runbooks}}/we%22ird%20%7B%7Bsvc%7D%7D/availability",
			"objective":    "0.999",
			"error_budget": "0.001",
			"window":       "30d",
		},
	}
	out, ok := runUnitTests(t, rules, "1m", unitTest{
		Name:     "annotations of the 2x burn's ticket",
		Interval: "1m",
		InputSeries: []inputSeries{
			{strings.Replace(sel, "%s", "200", 1), counter(seg{998, 60})},
			{strings.Replace(sel, "%s", "500", 1), counter(seg{2, 60})},
		},
		Alerts: []alertTest{{EvalTime: "60m", Alertname: promrules.AlertName, ExpAlerts: []expAlert{want}}},
	})
	require.True(t, ok, "promtool test rules:\n%s", out)
}

// Durations used by the scenarios, checked against the policy so that a
// change of the defaults is noticed here and the expectations revisited.
func TestScenarioPolicyAssumptions(t *testing.T) {
	p := promrules.DefaultPolicy()
	require.Len(t, p, 2)
	require.Equal(t, 2*time.Minute, p[0].For)
	require.Equal(t, 15*time.Minute, p[1].For)
}
