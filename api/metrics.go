package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slorec/slorec"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// (served at /metrics), so that several servers in one process (tests) do
// not clash.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	recs      *prometheus.CounterVec
	llmCalls  *prometheus.CounterVec
	fallbacks prometheus.Counter
	answers   *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slorec_http_requests_total", Help: "HTTP requests by method, route and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "slorec_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		recs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slorec_recommendations_total", Help: "Recommendations served, by whether they came from the cache and whether they were explained.",
		}, []string{"cached", "explained"}),
		llmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slorec_llm_calls_total", Help: "Model drafts by drafter and outcome (passed, rejected by the guardrails, error).",
		}, []string{"drafter", "outcome"}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slorec_explanation_fallbacks_total", Help: "Explanations the deterministic drafter wrote because the configured one failed.",
		}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slorec_chat_answers_total", Help: "Chat answers by intent.",
		}, []string{"intent"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.recs, m.llmCalls, m.fallbacks, m.answers,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts every request under its route template (never the raw
// path, whose ids would explode the label set).
func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.latency.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

func (m *metrics) handler() gin.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}

// explained counts what an explanation cost: each model attempt and a
// fallback.
func (m *metrics) explained(exp *slorec.Explanation) {
	if exp == nil {
		return
	}
	for _, a := range exp.Attempts {
		if !strings.HasPrefix(a.Drafter, "llm:") {
			continue
		}
		outcome := "passed"
		switch {
		case a.Error != "":
			outcome = "error"
		case !a.Passed:
			outcome = "rejected"
		}
		m.llmCalls.WithLabelValues(a.Drafter, outcome).Inc()
	}
	if exp.Fallback != "" {
		m.fallbacks.Inc()
	}
}
