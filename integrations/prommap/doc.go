// Package prommap maps slorec services to the Prometheus series that
// measure them. Ingestion (package prometheus), rule generation (package
// promrules) and OpenSLO export (package openslo) all read the same
// mapping, so the SLIs slorec learns from are the SLIs it alerts on.
//
// A mapping file names, per service, three things as PromQL series
// selectors: a requests counter, an errors counter and, optionally, a
// latency histogram (its _bucket series) or summary. {{service}} in a
// label value stands for the service id. Everything left out falls back to
// the defaults, and the defaults to the common conventions:
//
//	service_label: service            # or job, app, ...
//	defaults:
//	  requests: http_requests_total{service="{{service}}"}
//	  errors:   http_requests_total{service="{{service}}",code=~"5.."}
//	  latency:
//	    histogram: http_request_duration_seconds_bucket{service="{{service}}"}
//	    unit: seconds
//	services:
//	  payment-service:
//	    errors: payment_requests_total{outcome="failure"}
//	    latency: {summary: payment_latency_ms, unit: milliseconds}
//	  legacy-batch:
//	    latency: {none: true}
//	service_graph:                    # edges from traces
//	  requests: traces_service_graph_request_total
//	  failed: traces_service_graph_request_failed_total
//	  client_label: client
//	  server_label: server
//
// Selectors, not expressions: slorec wraps them in rate, increase or
// histogram_quantile with the window each use needs (1h buckets for
// history, 5m to 30d for burn-rate rules), which an arbitrary expression
// would not allow. A series that needs more (a ratio of two metrics, a
// relabelled job) belongs in a recording rule whose output series the
// mapping then names. Selectors are parsed and rendered canonically, so a
// typo fails at load time with the field's path, not at query time.
//
// In regular-expression matchers the service id is quoted (its dots match
// dots only); in equality matchers it is used as is.
package prommap
