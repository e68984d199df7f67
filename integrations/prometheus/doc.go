// Package prometheus ingests metric history, and optionally dependency
// edges, from the Prometheus HTTP API (/api/v1/query_range), or any server
// that speaks it. Which series measure a service is up to the mapping of
// package prommap. A typical pull of the last 30 days:
//
//	c, err := prometheus.NewClient(prometheus.ClientConfig{URL: url})
//	start, end := prometheus.Window(time.Now(), 30*24*time.Hour, time.Hour)
//	res, err := prometheus.Ingest(ctx, c, mapping, serviceIDs, start, end, prometheus.Options{Edges: true})
//	buckets := res.Metrics()                                  // []slorec.MetricBucket
//	graph, merge := prometheus.MergeEdges(catalog, res.Edges) // observed edges added
//	report := res.Report()                                    // per service: buckets or failure
//
// # Alignment
//
// A bucket covers [t, t+step), one hour by default. For every service
// Ingest runs range queries from start+step to end with that step, so
// each query is evaluated once at the END of each bucket:
//
//	requests  sum(increase(<requests>[1h]))
//	errors    sum(increase(<errors>[1h]))
//	latency   histogram_quantile(q, sum by (le) (rate(<histogram>[1h])))
//	          or avg(<summary>{quantile="q"}), for q = 0.5, 0.95, 0.99
//
// The sample evaluated at T covers the hour before T and becomes the
// bucket starting at T-1h. (Prometheus 2 range selectors include a sample
// exactly at T-1h, Prometheus 3 ones do not; either way increase()
// extrapolates to the window's edges, so a counter scraped every 15 s
// counts the hour.) start and end must lie on the step grid, whole hours
// for the default step; Window gives the last complete window.
//
// A histogram's quantile is the hour's. A summary's is not: a summary
// reports quantiles over its own sliding window (10 minutes by default in
// the Go client) and cannot be aggregated over time, so its quantile at
// the end of the hour stands for the hour. Prefer histograms.
//
// # Rounding and missing data
//
// increase() extrapolates, so counts arrive as fractions; they are rounded
// to the nearest integer, halves away from zero. Two series of the same
// target extrapolate separately, so the error count can exceed the request
// count by a fraction, and after rounding by one: one is clamped to the
// request count, more fails the service (the errors selector must count a
// subset of the requests).
//
//   - No requests series at all fails the service (ENOTFOUND).
//   - An hour without a requests sample has no bucket: no data is not zero
//     traffic.
//   - No errors series at all means zero errors, with a warning: client
//     libraries create a labelled counter such as code="500" on its first
//     increment, so a service that never failed has none. An hour with
//     requests but no errors sample has zero errors.
//   - No latency series leaves the buckets' latency empty (zero, which
//     MetricBucket reads as "no data"), with a warning. A NaN quantile,
//     Prometheus's answer for an hour without observations, leaves that
//     bucket's latency empty, with a warning when the hour had requests.
//   - NaN, infinite or negative counts, infinite or negative latencies,
//     several series where one sum was expected, samples off the step grid,
//     and buckets that fail slorec.MetricBucket.Validate (p95 below p50, say)
//     fail the service.
//
// # Failures
//
// Services are read independently, Options.Concurrency at a time. A
// service any of whose queries fails, or whose data fails the checks
// above, contributes no bucket at all (nothing is half-written) and is
// listed in Result.Failures with its error; the other services are
// unaffected, and so are the buckets when the service graph fails
// (Result.EdgesErr). Ingest itself returns an error only for bad arguments
// (EINVALID) and when its context ends.
//
// Errors of queries are *QueryError, which name the endpoint and the
// query, carry the HTTP status, Prometheus's errorType and the number of
// attempts, and unwrap to a slorec error: EINVALID when Prometheus rejects
// the query (400, 422) or the data contradicts the mapping; ENOTFOUND for
// 404 and for no series; EUNAUTHORIZED and EFORBIDDEN for 401 and 403;
// ELIMITED for 429; EUNAVAILABLE for timeouts, connection errors, 5xx and
// answers that are not the Prometheus JSON envelope or carry the wrong
// result type.
//
// # Requests, retries and chunking
//
// Each request is a form POST bounded by ClientConfig.Timeout (30 s), which
// is also passed to Prometheus as the query's timeout. Timeouts, connection
// errors, 5xx and 429 are retried (3 times by default) after an
// exponential backoff, 0.5 s doubling up to 15 s, each wait jittered into
// the upper half of its value; a Retry-After header (seconds or an HTTP
// date) replaces the backoff, and one longer than MaxRetryAfter (2 min)
// ends the retries at once. Other 4xx answers are not retried.
//
// Prometheus refuses range queries of more than 11,000 points per series.
// QueryRange splits longer ranges into consecutive queries of at most
// MaxPoints points that continue one another on the same grid, and
// stitches the answers series by series: no time is asked twice, none is
// skipped, and points a server returns outside the range asked are
// dropped.
//
// Credentials: basic auth (Username, Password) or a bearer token, from
// the config or the environment (ClientConfig.FromEnv reads
// SLOREC_PROMETHEUS_URL, SLOREC_PROMETHEUS_USERNAME,
// SLOREC_PROMETHEUS_PASSWORD and SLOREC_PROMETHEUS_BEARER_TOKEN); extra
// headers such as a tenant id go in Header. Credentials in the URL are
// moved to basic auth and never appear in errors; ClientConfig's LogValue
// masks them.
//
// # Edges
//
// With Options.Edges, Ingest (or Edges directly) reads the service graph
// named by the mapping (Tempo's metrics generator, the OpenTelemetry
// servicegraph connector):
//
//	sum by (client, server) (increase(traces_service_graph_request_total[1h]))
//
// on the same grid as the buckets, summed over the window, and likewise the
// failed calls (none when that series is missing). Each pair with at least
// one call is an Edge with provenance observed, sync and hard: the graph
// shows that a call happens, not whether the caller waits for it or
// survives its failure, and assuming the worst keeps ceilings low rather
// than wrong. The call ratio is left unset (every request), since a server
// may be called several times per client request.
//
// MergeEdges adds observed edges to a catalog: declared edges stay exactly
// as declared, provenance included; an observed edge between declared
// services that no declaration has is added sync, hard and observed; an
// observed edge with an undeclared end (a naming mismatch between traces
// and catalog, or a virtual node such as "user") is reported, not added;
// declared edges nobody observed are reported and kept.
package prometheus
