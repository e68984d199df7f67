package openslo_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/openslo"
)

// baseSLO is an availability SLO for checkout: 99.9% over 28 days.
func baseSLO() string {
	return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="checkout",code=~"5.."})
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="checkout"})
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
`
}

// latencySLO is a threshold-metric latency SLO on query q: p99 below
// value, with op.
func latencySLO(q, op, value string) string {
	return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-latency
spec:
  service: search
  indicator:
    metadata: {name: search-p99}
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: '` + q + `'
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives:
    - op: ` + op + `
      value: ` + value + `
      target: 0.99
`
}

func importString(t *testing.T, s string) ([]slorec.SLO, []openslo.Warning, error) {
	t.Helper()
	return openslo.Import(strings.NewReader(s))
}

func TestImportBase(t *testing.T) {
	slos, warnings, err := importString(t, baseSLO())
	require.NoError(t, err)
	require.Empty(t, warnings)
	require.Equal(t, []slorec.SLO{{Service: "checkout", SLI: slorec.Availability, Target: 0.999, WindowDays: 28}}, slos)
}

// TestImportOfficialExamples imports the four official OpenSLO examples
// and checks every value and every warning.
func TestImportOfficialExamples(t *testing.T) {
	dir := shared(t, "openslo-examples")
	type warning struct{ pointer, has string }
	tests := []struct {
		file     string
		want     slorec.SLO
		warnings []warning
	}{
		{"budgeting-method_occurences-slo.yaml",
			slorec.SLO{Service: "web-shop", SLI: slorec.Latency, Target: 0.99, ThresholdMs: 500, WindowDays: 14},
			[]warning{{"/spec/objectives/0/value", `the query ("Any") does not say its unit; value 500 read as milliseconds`}}},
		{"budgeting-method_ratio-timeslices.yaml",
			slorec.SLO{Service: "web-shop", SLI: slorec.Availability, Target: 0.99, WindowDays: 14},
			[]warning{
				{"/spec/indicator/spec/ratioMetric", "counter is missing"},
				{"/spec/budgetingMethod", "RatioTimeslices budgeting averages the ratios of time slices of 1m slices"},
			}},
		{"budgeting-method_timeslices-slo.yaml",
			slorec.SLO{Service: "web-availability", SLI: slorec.Availability, Target: 0.995, WindowDays: 30},
			[]warning{
				{"/spec/indicator/spec/ratioMetric", "counter is missing"},
				{"/spec/timeWindow/0", "calendar-aligned window (1m from 2022-01-01 12:00:00 America/New_York) is imported as a rolling 30-day window"},
				{"/spec/timeWindow/0/duration", "the window 1m is 1 minute (m is minutes, M months); slorec windows are whole days, so the default 30 days is used"},
				{"/spec/budgetingMethod", "Timeslices budgeting counts good time slices of 1m slices, each good when 0.99 of it is"},
				{"/spec/objectives/1", `only the first of 2 objectives ("Internal objective") is imported`},
			}},
		{"treat-low-traffic-as-equally-important_timeslices-slo.yaml",
			slorec.SLO{Service: "web-availability", SLI: slorec.Availability, Target: 0.9995, WindowDays: 7},
			[]warning{
				{"/spec/indicator/spec/ratioMetric", "counter is missing"},
				{"/spec/timeWindow/0", "calendar-aligned window (1w from 2022-01-01 12:00:00 America/New_York) is imported as a rolling 7-day window"},
				{"/spec/budgetingMethod", "Timeslices budgeting counts good time slices of 1m slices, each good when 0.95 of it is"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, tt.file))
			require.NoError(t, err)
			defer f.Close()
			slos, warnings, err := openslo.Import(f)
			require.NoError(t, err)
			require.Equal(t, []slorec.SLO{tt.want}, slos)
			require.Len(t, warnings, len(tt.warnings), "%v", warnings)
			for i, w := range tt.warnings {
				require.Equal(t, w.pointer, warnings[i].Pointer, "%s", warnings[i])
				require.Contains(t, warnings[i].Message, w.has)
				require.Equal(t, 1, warnings[i].Document)
				require.Equal(t, "SLO", warnings[i].Kind)
				require.Positive(t, warnings[i].Line)
			}
		})
	}
}

func TestImportForms(t *testing.T) {
	objects := []string{`apiVersion: openslo/v1
kind: Service
metadata:
  name: www-googleapis-com
  annotations: {slorec.io/service-id: www.googleapis.com}
spec: {}`, `apiVersion: openslo/v1
kind: SLI
metadata: {name: google-ok}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: Prometheus, spec: {query: sum(ok_total)}}}
    total: {metricSource: {type: Prometheus, spec: {query: sum(all_total)}}}`, `apiVersion: openslo/v1
kind: SLO
metadata: {name: google}
spec:
  service: www-googleapis-com
  indicatorRef: google-ok
  timeWindow: [{duration: 4w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{targetPercent: 99.95}]
  alertPolicies: [page, {alertPolicyRef: ticket}]`}
	want := []slorec.SLO{{Service: "www.googleapis.com", SLI: slorec.Availability, Target: 0.9995, WindowDays: 28}}
	var seq, list strings.Builder
	list.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for _, o := range objects {
		seq.WriteString("- " + strings.ReplaceAll(o, "\n", "\n  ") + "\n")
		list.WriteString("  - " + strings.ReplaceAll(o, "\n", "\n    ") + "\n")
	}
	tests := []struct{ name, doc string }{
		{"Documents separated by --- should import.", strings.Join(objects, "\n---\n") + "\n---\n"},
		{"A top-level list should import.", seq.String()},
		{"A kind: List should import.", list.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slos, warnings, err := importString(t, tt.doc)
			require.NoError(t, err, tt.doc)
			require.Empty(t, warnings)
			require.Equal(t, want, slos)
		})
	}

	t.Run("Anchors and merge keys should import.", func(t *testing.T) {
		doc := baseSLO() + `---
apiVersion: openslo/v1
kind: SLO
metadata: {name: cart-availability}
spec:
  service: cart
  indicator: {metadata: {name: cart-errors}, spec: &ratio {ratioMetric: {counter: true, bad: {metricSource: {spec: {query: a}}}, total: {metricSource: {spec: {query: b}}}}}}
  budgetingMethod: Occurrences
  timeWindow: &win [{duration: 2w, isRolling: true}]
  objectives: [{target: 0.99}]
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: orders-availability}
spec:
  service: orders
  indicator: {metadata: {name: orders-errors}, spec: *ratio}
  timeWindow: *win
  budgetingMethod: Occurrences
  objectives: [{<<: {target: 0.98}, displayName: merged}]
`
		slos, warnings, err := importString(t, doc)
		require.NoError(t, err)
		require.Empty(t, warnings)
		require.Equal(t, []slorec.SLO{
			{Service: "checkout", SLI: slorec.Availability, Target: 0.999, WindowDays: 28},
			{Service: "cart", SLI: slorec.Availability, Target: 0.99, WindowDays: 14},
			{Service: "orders", SLI: slorec.Availability, Target: 0.98, WindowDays: 14},
		}, slos)
	})

	t.Run("Other kinds should be accepted and unused SLIs reported.", func(t *testing.T) {
		doc := objects[1] + `
---
apiVersion: openslo/v1
kind: DataSource
metadata: {name: prom}
spec: {type: Prometheus, connectionDetails: {url: x}}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: mail}
spec: {target: email}
`
		slos, warnings, err := importString(t, doc)
		require.NoError(t, err)
		require.Empty(t, slos)
		require.Equal(t, []openslo.Warning{
			{Message: "no SLO objects in the input"},
			{Document: 1, Line: 1, Kind: "SLI", Name: "google-ok", Message: "no SLO uses this SLI; slorec imports SLOs"},
		}, warnings)
	})
}

// TestImportErrors changes the base SLO one way at a time; each change
// must fail with a problem at the right place.
func TestImportErrors(t *testing.T) {
	base := baseSLO()
	tests := []struct {
		name     string
		old, new string // replace old with new in the base SLO; new may hold several documents
		whole    string // or use this input as is
		pointer  string
		at       string // text on the line the problem names; "" for the object's first line
		has      string
	}{
		{name: "Malformed YAML should name the line.", old: "  service: checkout\n", new: "  service: [checkout\n",
			at: "  service: [checkout", has: "malformed YAML: did not find expected ',' or ']'"},
		{name: "Another apiVersion should be refused.", old: "openslo/v1", new: "openslo/v1alpha",
			pointer: "/apiVersion", at: "apiVersion:", has: `apiVersion is the string "openslo/v1alpha"; slorec reads openslo/v1 only`},
		{name: "A missing apiVersion should be refused.", old: "apiVersion: openslo/v1\n", new: "",
			pointer: "/apiVersion", at: "kind: SLO", has: "apiVersion is missing; want openslo/v1"},
		{name: "An unknown kind should be refused.", old: "kind: SLO", new: "kind: Slo",
			pointer: "/kind", at: "kind: Slo", has: `kind is the string "Slo", not one of the OpenSLO v1 kinds`},
		{name: "A missing name should be refused.", old: "  name: checkout-availability\n", new: "  displayName: Checkout\n",
			pointer: "/metadata/name", at: "metadata:", has: "metadata.name is missing"},
		{name: "A missing service should be refused.", old: "  service: checkout\n", new: "",
			pointer: "/spec/service", at: "spec:", has: "spec.service is missing"},
		{name: "A target of 1 or more should be refused.", old: "target: 0.999", new: "target: 1.5",
			pointer: "/spec/objectives/0/target", at: "target: 1.5", has: "target 1.5 is not a ratio in (0,1)"},
		{name: "A percentage as target should be refused with a hint.", old: "target: 0.999", new: "target: 99.9",
			pointer: "/spec/objectives/0/target", at: "target: 99.9", has: "for 99.9% write target: 0.999 or targetPercent: 99.9"},
		{name: "A zero target should be refused.", old: "target: 0.999", new: "target: 0",
			pointer: "/spec/objectives/0/target", at: "target: 0\n", has: "target 0 is not a ratio in (0,1)"},
		{name: "A targetPercent out of range should be refused.", old: "target: 0.999", new: "targetPercent: 150",
			pointer: "/spec/objectives/0/targetPercent", at: "targetPercent: 150", has: "targetPercent 150 is not a percentage in (0,100)"},
		{name: "A target and targetPercent that disagree should be refused.", old: "target: 0.999", new: "target: 0.999\n      targetPercent: 99",
			pointer: "/spec/objectives/0/target", at: "target: 0.999", has: "target 0.999 and targetPercent 99 disagree"},
		{name: "An objective without target should be refused.", old: "- target: 0.999", new: "- displayName: fast",
			pointer: "/spec/objectives/0", at: "displayName: fast", has: "the objective has no target"},
		{name: "No objectives should be refused.", old: "  objectives:\n    - target: 0.999\n", new: "",
			pointer: "/spec/objectives", at: "spec:", has: "spec.objectives is missing or empty"},
		{name: "A target that is no number should be refused at its line.", old: "target: 0.999", new: "target: high",
			at: "target: high", has: "cannot unmarshal !!str `high` into float64"},
		{name: "Good and bad together should be refused.", old: "        bad:\n", new: "        good: {metricSource: {spec: {query: x}}}\n        bad:\n",
			pointer: "/spec/indicator/spec/ratioMetric/bad", at: "        bad:", has: "good and bad are both given"},
		{name: "A ratio without total should be refused.", old: "        total:\n          metricSource:\n            type: Prometheus\n            spec:\n              query: sum(http_requests_total{service=\"checkout\"})\n", new: "",
			pointer: "/spec/indicator/spec/ratioMetric", at: "      ratioMetric:", has: "the ratio has no total query"},
		{name: "An indicator without metric should be refused.", old: "      ratioMetric:\n", new: "      other:\n",
			pointer: "/spec/indicator/spec", at: "    spec:\n      other:", has: "neither ratioMetric nor thresholdMetric"},
		{name: "A missing indicator should be refused.", old: "  indicator:\n", new: "  indicatorX:\n",
			pointer: "/spec", at: "spec:", has: "the SLO has no indicator"},
		{name: "indicatorRef to no SLI should be refused.", old: "  service: checkout\n", new: "  service: checkout\n  indicatorRef: nothing\n",
			pointer: "/spec/indicatorRef", at: "indicatorRef:", has: "indicator and indicatorRef are both given"},
		{name: "A duration that is not a shorthand should be refused.", old: "duration: 28d", new: "duration: 28 days",
			pointer: "/spec/timeWindow/0/duration", at: "duration: 28 days", has: `duration "28 days" is not a duration shorthand`},
		{name: "A window longer than 366 days should be refused.", old: "duration: 28d", new: "duration: 2Y",
			pointer: "/spec/timeWindow/0/duration", at: "duration: 2Y", has: "the window 2Y is 730 days; slorec windows are at most 366 days"},
		{name: "An unknown budgeting method should be refused.", old: "budgetingMethod: Occurrences", new: "budgetingMethod: Weekly",
			pointer: "/spec/budgetingMethod", at: "budgetingMethod: Weekly", has: `budgetingMethod "Weekly" is not one of`},
		{name: "A forced SLO without justification should fail slorec's validation.", old: "  name: checkout-availability\n", new: "  name: checkout-availability\n  annotations: {slorec.io/forced: \"true\"}\n",
			has: "justification: required when forced"},
		{name: "Two SLOs for one service and SLI should be refused.", old: "", new: "---\n" + strings.Replace(base, "name: checkout-availability", "name: checkout-availability-2", 1),
			at: "---\n", has: `a second availability SLO for service "checkout" (the first is SLO checkout-availability in document 1)`},
		{name: "A document that is not a mapping should be refused.", whole: "just text\n",
			has: `the document is the string "just text", want an OpenSLO object`},
		{name: "A Backstage entity should be refused.", whole: "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\n",
			pointer: "/apiVersion", has: "slorec reads openslo/v1 only"},
		{name: "Empty input should be refused.", whole: "---\n# nothing\n", has: "no OpenSLO objects in the input"},
		{name: "A threshold metric without op should be refused.", whole: strings.Replace(latencySLO("q", "lt", "1"), "    - op: lt\n", "    - displayName: x\n", 1),
			pointer: "/spec/objectives/0", at: "    - displayName: x", has: "needs op (lt or lte for a latency threshold) and value"},
		{name: "An unknown op should be refused.", whole: latencySLO("q", "eq", "1"),
			pointer: "/spec/objectives/0/op", at: "op: eq", has: `op "eq" is not one of lt, lte, gt, gte`},
		{name: "A negative latency threshold should be refused.", whole: latencySLO("q", "lt", "-5"),
			pointer: "/spec/objectives/0/value", at: "value: -5", has: "value -5 is not a positive latency threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.whole
			if doc == "" {
				require.Contains(t, base, tt.old)
				doc = strings.Replace(base, tt.old, tt.new, 1)
				if tt.old == "" {
					doc = base + tt.new
				}
			}
			slos, warnings, err := importString(t, doc)
			require.Error(t, err)
			require.Nil(t, slos)
			require.Nil(t, warnings)
			ps := problemsOf(t, err)
			require.Len(t, ps, 1, "%v", err)
			p := ps[0]
			require.Contains(t, p.Message, tt.has)
			require.Equal(t, tt.pointer, p.Pointer, "%s", p)
			line := 1
			switch {
			case tt.whole != "" && tt.pointer == "" && tt.at == "" && strings.Contains(tt.has, "no OpenSLO objects"):
				line = 0
			case tt.at == "---\n":
				line = lineOf(t, doc, tt.at) + 1 // the second document's first line
			case tt.at != "":
				line = lineOf(t, doc, tt.at)
			}
			require.Equal(t, line, p.Line, "%s", p)
			require.Contains(t, slorec.ErrorMessage(err), p.String(), "the user-safe message lists the problem")
		})
	}

	t.Run("indicatorRef to a missing SLI should be refused.", func(t *testing.T) {
		doc := strings.Replace(base, "  indicator:\n    metadata:\n      name: checkout-errors\n", "  indicatorRef: checkout-errors\n  indicatorX:\n    metadata:\n      name: checkout-errors\n", 1)
		_, _, err := importString(t, doc)
		ps := problemsOf(t, err)
		require.Equal(t, []openslo.Problem{{Document: 1, Line: 7, Kind: "SLO", Name: "checkout-availability", Pointer: "/spec/indicatorRef",
			Message: `indicatorRef "checkout-errors" names no SLI object of the input`}}, ps)
	})

	t.Run("A broken SLI two SLOs name should be reported once.", func(t *testing.T) {
		sli := "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: shared}\nspec: {ratioMetric: {counter: maybe}}\n"
		slo := func(name, service string) string {
			return "---\napiVersion: openslo/v1\nkind: SLO\nmetadata: {name: " + name + "}\nspec: {service: " + service +
				", indicatorRef: shared, budgetingMethod: Occurrences, objectives: [{target: 0.99}]}\n"
		}
		_, _, err := importString(t, sli+slo("a", "a")+slo("b", "b"))
		require.Equal(t, []openslo.Problem{{Document: 1, Line: 4, Kind: "SLI", Name: "shared", Message: "cannot unmarshal !!str `maybe` into bool"}}, problemsOf(t, err))
	})

	t.Run("Every problem of the input should be listed.", func(t *testing.T) {
		doc := strings.Replace(base, "target: 0.999", "target: 2", 1) + "---\n" + strings.Replace(base, "openslo/v1", "openslo/v2", 1)
		_, _, err := importString(t, doc)
		ps := problemsOf(t, err)
		require.Len(t, ps, 2)
		require.Equal(t, 1, ps[0].Document)
		require.Equal(t, 2, ps[1].Document)
	})
}

func TestImportSkips(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		pointer string
		has     string
	}{
		{"A threshold kept above a value should be skipped.", latencySLO("throughput", "gt", "100"),
			"/spec/objectives/0/op", "skipped: a threshold metric kept above a value is no latency SLO"},
		{"A composite SLO should be skipped.", strings.Replace(baseSLO(), "    - target: 0.999\n", "    - target: 0.999\n      indicatorRef: other\n", 1),
			"/spec/objectives/0", "skipped: a composite SLO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slos, warnings, err := importString(t, tt.doc)
			require.NoError(t, err)
			require.Empty(t, slos)
			require.NotNil(t, slos)
			require.Len(t, warnings, 1)
			require.Equal(t, tt.pointer, warnings[0].Pointer)
			require.Contains(t, warnings[0].Message, tt.has)
		})
	}
}

func TestImportLatencyUnits(t *testing.T) {
	ratio := func(good string) string {
		return strings.Replace(strings.Replace(baseSLO(), "        bad:\n", "        good:\n", 1),
			`sum(http_requests_total{service="checkout",code=~"5.."})`, good, 1)
	}
	tests := []struct {
		name        string
		doc         string
		thresholdMs float64
		warning     string
	}{
		{"A threshold on a seconds histogram should convert to milliseconds.",
			latencySLO("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))", "lt", "0.25"), 250, ""},
		{"A threshold on a milliseconds series should stay.", latencySLO("max(p99_latency_milliseconds)", "lte", "250"), 250, ""},
		{"A threshold on an _ms series should stay.", latencySLO("max(rpc_latency_ms)", "lte", "80"), 80, ""},
		{"A threshold of unknown unit should be read as milliseconds with a warning.", latencySLO("Any", "lt", "500"), 500,
			`the query ("Any") does not say its unit; value 500 read as milliseconds`},
		{"The slorec annotation should win over the query.", strings.Replace(latencySLO("max(x_seconds)", "lt", "0.3"), "metadata:\n  name: search-latency\n",
			"metadata:\n  name: search-latency\n  annotations: {slorec.io/threshold-ms: \"300\"}\n", 1), 300, ""},
		{"A ratio of a seconds histogram bucket should be latency.",
			ratio(`sum(rate(http_request_duration_seconds_bucket{job="checkout",le="0.3"}[5m]))`), 300, ""},
		{"A ratio of a milliseconds histogram bucket should be latency.",
			ratio(`sum(request_duration_milliseconds_bucket{le="250"})`), 250, ""},
		{"A ratio of a histogram of unknown unit should be read as seconds with a warning.",
			ratio(`sum(request_latency_bucket{le="0.5"})`), 500, `the histogram request_latency_bucket does not say its unit; le="0.5" read as seconds`},
		{"A bucket matched in all its spellings should be latency.",
			ratio(`sum(http_request_duration_seconds_bucket{service="checkout",le=~"1|1\\.0"})`), 1000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slos, warnings, err := importString(t, tt.doc)
			require.NoError(t, err)
			require.Len(t, slos, 1)
			require.Equal(t, slorec.Latency, slos[0].SLI)
			require.InDelta(t, tt.thresholdMs, slos[0].ThresholdMs, 1e-9)
			if tt.warning == "" {
				require.Empty(t, warnings)
				return
			}
			require.Len(t, warnings, 1)
			require.Contains(t, warnings[0].Message, tt.warning)
		})
	}

	t.Run("A bucket of +Inf should be refused.", func(t *testing.T) {
		_, _, err := importString(t, ratio(`sum(x_seconds_bucket{le="+Inf"})`))
		require.ErrorContains(t, err, `counts the histogram bucket le="+Inf", which is no latency threshold`)
		_, _, err = importString(t, ratio(`sum(x_seconds_bucket{le=~"\\+Inf"})`))
		require.ErrorContains(t, err, `counts the histogram bucket le=~"\\+Inf", which is no latency threshold`)
	})

	t.Run("A regular expression over several buckets should not be latency.", func(t *testing.T) {
		slos, _, err := importString(t, ratio(`sum(x_seconds_bucket{le=~"0.1|0.2"})`))
		require.NoError(t, err)
		require.Equal(t, slorec.Availability, slos[0].SLI)
	})
}

func TestImportWindows(t *testing.T) {
	tests := []struct {
		duration string
		days     int
		warning  string
	}{
		{"28d", 28, ""},
		{"4w", 28, ""},
		{"48h", 2, ""},
		{"1440m", 1, ""},
		{"1M", 30, "the window 1M is read as 30 days (a month as 30 days)"},
		{"1Q", 90, "the window 1Q is read as 90 days (a quarter as 90 days)"},
		{"1Y", 365, "the window 1Y is read as 365 days (a year as 365 days)"},
		{"36h", 2, "the window 36h is not a whole number of days; rounded to 2"},
		{"12h", 30, "the window 12h is 12 hours; slorec windows are whole days, so the default 30 days is used"},
	}
	for _, tt := range tests {
		t.Run(tt.duration, func(t *testing.T) {
			slos, warnings, err := importString(t, strings.Replace(baseSLO(), "duration: 28d", "duration: "+tt.duration, 1))
			require.NoError(t, err)
			require.Equal(t, tt.days, slos[0].WindowDays)
			if tt.warning == "" {
				require.Empty(t, warnings)
				return
			}
			require.Len(t, warnings, 1)
			require.Equal(t, "/spec/timeWindow/0/duration", warnings[0].Pointer)
			require.Equal(t, tt.warning, warnings[0].Message)
		})
	}

	t.Run("No time window should mean the default, with a warning.", func(t *testing.T) {
		slos, warnings, err := importString(t, strings.Replace(baseSLO(), "  timeWindow:\n    - duration: 28d\n      isRolling: true\n", "", 1))
		require.NoError(t, err)
		require.Equal(t, slorec.DefaultWindowDays, slos[0].WindowDays)
		require.Len(t, warnings, 1)
		require.Equal(t, "no timeWindow; the default 30 days is used", warnings[0].Message)
	})
}
