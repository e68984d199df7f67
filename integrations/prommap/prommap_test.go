package prommap

import (
	"math"
	"strings"
	"testing"

	"github.com/slorec/slorec"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"up", "up"},
		{`http_requests_total{service="{{service}}"}`, `http_requests_total{service="{{service}}"}`},
		{` rpc:errors:rate { code =~ "5..", job != "x\"y" } `, `rpc:errors:rate{code=~"5..",job!="x\"y"}`},
		{`m{a="1",}`, `m{a="1"}`},
		{`m{}`, `m`},
	}
	for _, tt := range tests {
		sel, err := ParseSelector(tt.in)
		if err != nil {
			t.Errorf("ParseSelector(%q): %v", tt.in, err)
			continue
		}
		if got := sel.String(); got != tt.want {
			t.Errorf("ParseSelector(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseSelectorErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "empty selector"},
		{`sum(rate(x[5m]))`, "want a metric name"},
		{`{job="a"}`, "want a metric name"},
		{`m{job="a"`, "missing closing }"},
		{`m{job=a}`, "want a double-quoted value"},
		{`m{job~"a"}`, "want =, !=, =~ or !~"},
		{`m{job="a" code="b"}`, "want , between matchers"},
		{`m{job="a",job="b"}`, "matched twice"},
		{`m{code=~"5(("}`, "bad regular expression"},
		{`m{1a="x"}`, "want a label name"},
	}
	for _, tt := range tests {
		_, err := ParseSelector(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSelector(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestDefaultResolve(t *testing.T) {
	s, err := Default().Resolve("checkout-service")
	if err != nil {
		t.Fatal(err)
	}
	want := SLI{
		Service:   "checkout-service",
		Requests:  `http_requests_total{service="checkout-service"}`,
		Errors:    `http_requests_total{service="checkout-service",code=~"5.."}`,
		Histogram: `http_request_duration_seconds_bucket{service="checkout-service"}`,
		Unit:      Seconds,
	}
	if s.Service != want.Service || s.Requests != want.Requests || s.Errors != want.Errors || s.Histogram != want.Histogram || s.Summary != "" || s.Unit != want.Unit {
		t.Errorf("Resolve = %+v, want %+v", s, want)
	}
	if got := s.Rate(s.Errors, "5m"); got != `sum(rate(http_requests_total{service="checkout-service",code=~"5.."}[5m]))` {
		t.Errorf("Rate = %s", got)
	}
	if got := s.Increase(s.Requests, "1h"); got != `sum(increase(http_requests_total{service="checkout-service"}[1h]))` {
		t.Errorf("Increase = %s", got)
	}
	q, ok := s.Quantile(0.95, "1h")
	if !ok || q != `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout-service"}[1h])))` {
		t.Errorf("Quantile = %s, %v", q, ok)
	}
	if got := s.CountSelector(); got != `http_request_duration_seconds_count{service="checkout-service"}` {
		t.Errorf("CountSelector = %s", got)
	}
	if s.LatencyScale() != 1000 {
		t.Errorf("LatencyScale = %v, want 1000 for seconds", s.LatencyScale())
	}
}

const mappingFile = `
service_label: job
defaults:
  errors: http_requests_total{job="{{service}}",code=~"5..|429"}
services:
  payment.api:
    requests: payments_total{app=~"{{service}}"}
    errors: payments_failed_total{app=~"{{service}}"}
    latency:
      summary: payment_latency_ms{app="{{service}}"}
      unit: milliseconds
  batch:
    latency: {none: true}
  cart:
    latency:
      histogram: cart_seconds_bucket{job="cart"}
      buckets: [0.05, 0.1, 0.25, 0.5, 1]
service_graph:
  client_label: source
`

func TestLoad(t *testing.T) {
	c, err := Load(strings.NewReader(mappingFile))
	if err != nil {
		t.Fatal(err)
	}
	// Defaults follow the service label; the errors default is the file's.
	s, err := c.Resolve("search")
	if err != nil {
		t.Fatal(err)
	}
	if s.Requests != `http_requests_total{job="search"}` || s.Errors != `http_requests_total{job="search",code=~"5..|429"}` || s.Histogram != `http_request_duration_seconds_bucket{job="search"}` {
		t.Errorf("search: %+v", s)
	}
	// Regular-expression matchers quote the id.
	p, err := c.Resolve("payment.api")
	if err != nil {
		t.Fatal(err)
	}
	if p.Requests != `payments_total{app=~"payment\\.api"}` {
		t.Errorf("payment.api requests = %s", p.Requests)
	}
	if p.Histogram != "" || p.Summary != `payment_latency_ms{app="payment.api"}` || p.LatencyScale() != 1 {
		t.Errorf("payment.api latency: %+v", p)
	}
	if q, _ := p.Quantile(0.99, "1h"); q != `avg(payment_latency_ms{app="payment.api",quantile="0.99"})` {
		t.Errorf("summary quantile = %s", q)
	}
	b, err := c.Resolve("batch")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Quantile(0.5, "1h"); ok || b.Histogram != "" {
		t.Errorf("batch: latency none still mapped: %+v", b)
	}
	if c.ServiceGraph.ClientLabel != "source" || c.ServiceGraph.ServerLabel != "server" || c.ServiceGraph.Requests != "traces_service_graph_request_total" {
		t.Errorf("service graph: %+v", c.ServiceGraph)
	}

	cart, _ := c.Resolve("cart")
	for _, tt := range []struct {
		ms      float64
		good    string
		usedMs  float64
		snapped bool
	}{
		{100, `cart_seconds_bucket{job="cart",le="0.1"}`, 100, false},
		{120, `cart_seconds_bucket{job="cart",le="0.25"}`, 250, true},
		// Whole-number boundaries match both spellings: the client's "1"
		// and Prometheus 3's "1.0".
		{1000, `cart_seconds_bucket{job="cart",le=~"1|1\\.0"}`, 1000, false},
	} {
		b, err := cart.LatencyBucket(tt.ms)
		if err != nil || b.Good != tt.good || b.LeMs != tt.usedMs || b.Snapped != tt.snapped || b.Assumed {
			t.Errorf("LatencyBucket(%v) = %+v, %v; want %s at %v ms, snapped %v", tt.ms, b, err, tt.good, tt.usedMs, tt.snapped)
		}
	}
	if _, err := cart.LatencyBucket(1500); err == nil || !strings.Contains(err.Error(), "above the histogram's largest bucket boundary (1 seconds)") {
		t.Errorf("LatencyBucket(1500) error = %v", err)
	}
	if _, err := p.LatencyBucket(100); err == nil || !strings.Contains(err.Error(), "names a summary") {
		t.Errorf("LatencyBucket on a summary: error = %v", err)
	}
	// Without known buckets the threshold is the boundary, assumed.
	sb, err := s.LatencyBucket(300)
	if err != nil || sb.Good != `http_request_duration_seconds_bucket{job="search",le="0.3"}` || sb.LeMs != 300 || !sb.Assumed || sb.Label != "0.3" {
		t.Errorf("LatencyBucket(300) = %+v, %v", sb, err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"defaults:\n  request: x\n", "line 2: unknown field request"},
		{"services: [a]\n", "line 1: cannot unmarshal !!seq"},
		{"services:\n  a:\n    requests: sum(rate(x[5m]))\n", "services.a.requests"},
		{"services:\n  a:\n    latency: {histogram: h_seconds}\n", "must name the histogram's _bucket series"},
		{"services:\n  a:\n    latency: {histogram: h_bucket, summary: s}\n", "not both"},
		{"services:\n  a:\n    latency: {summary: 's{quantile=\"0.9\"}'}\n", "leave out the quantile label"},
		{"services:\n  a:\n    latency: {unit: minutes}\n", `"minutes" (want seconds or milliseconds)`},
		{"services:\n  a:\n    latency: {buckets: [0.5, 0.1]}\n", "increasing order"},
		{"service_label: 9x\n", "not a label name"},
		{"service_graph:\n  server_label: a-b\n", "service_graph.server_label"},
		{"defaults: [\n", "prometheus mapping:"},
	}
	for _, tt := range tests {
		_, err := Load(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
			continue
		}
		if slorec.ErrorCode(err) != slorec.EINVALID {
			t.Errorf("Load(%q) code = %s, want invalid", tt.in, slorec.ErrorCode(err))
		}
	}
}

func TestLoadEmptyIsDefault(t *testing.T) {
	c, err := Load(strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.Resolve("x")
	b, _ := Default().Resolve("x")
	if a.Requests != b.Requests || a.Errors != b.Errors || a.Histogram != b.Histogram {
		t.Errorf("empty file %+v differs from Default %+v", a, b)
	}
}

func TestFormatLe(t *testing.T) {
	for v, want := range map[float64]string{0.005: "0.005", 1: "1", 2.5: "2.5", 300: "300", math.Inf(1): "+Inf"} {
		if got := FormatLe(v); got != want {
			t.Errorf("FormatLe(%v) = %s, want %s", v, got, want)
		}
	}
}
