// Package promrules writes Prometheus recording rules and multi-window,
// multi-burn-rate alerts for slorec SLOs, committed or recommended
// (slorec.Recommendation.SLOs), measured with the series a prommap.Config maps
// each service to. Generate is pure: SLOs, mapping and options in, a
// Result out, whose YAML method gives the rule file (byte-identical for
// equal input) and whose SLOs, Warnings and Skipped fields say what was
// exported and with which caveats. promtool check rules accepts every
// file it writes.
//
// # Layout
//
// The layout follows Sloth's. Per SLO, sorted by service and SLI kind,
// three groups, named after the SLO, "<service>-<sli>":
//
//	slorec-sli-recordings-<slo>   slorec:sli_error:ratio_rate<w> for every
//	                              window w of the policy and the SLO
//	                              window: 5m 30m 1h 2h 6h 1d 3d 30d by default
//	slorec-meta-recordings-<slo>  slorec:objective:ratio, slorec:error_budget:ratio,
//	                              slorec:time_period:days,
//	                              slorec:current_burn_rate:ratio (5m ratio / budget),
//	                              slorec:period_burn_rate:ratio (SLO-window ratio / budget),
//	                              slorec:period_error_budget_remaining:ratio,
//	                              slorec:latency_threshold:seconds (latency SLOs)
//	slorec-alerts-<slo>           SlorecErrorBudgetBurn, severity page, and
//	                              SlorecErrorBudgetBurn, severity ticket
//
// Every recorded series carries slorec_service (the service id, verbatim),
// slorec_sli (availability or latency) and slorec_slo; every rule sums over
// the mapped series, so these are its only labels. The alerts read the
// recorded ratios, so each window's rate is computed once per evaluation.
// The SLO-window ratio is a rate over the whole window (30 days by
// default): exact, but the most expensive rule of a group; a large
// Prometheus may prefer a longer group Interval.
//
// # Burn rates
//
// An error budget is 1 - target; a burn rate is the error ratio divided by
// the budget, so a burn rate of 1 spends the budget exactly over the SLO
// window. Each alert condition (Window) names a long window, a short one
// and the share of the budget that a burn at its threshold spends in the
// long window. The threshold burn rate is that share times the SLO window
// over the long window (Window.BurnRate), and the condition holds when the
// error ratio over both windows exceeds the burn rate times the budget.
// The default policy (DefaultPolicy) is the SRE Workbook's, chapter 5:
//
//	severity  budget spent  long  short  burn rate, 30 days  28 days  7 days  for
//	page      2%            1h    5m     14.4                13.44    3.36    2m
//	page      5%            6h    30m    6                   5.6      1.4     2m
//	ticket    10%           1d    2h     3                   2.8      0.7     15m
//	ticket    10%           3d    6h     1                   0.933    0.233   15m
//
// The long window makes an alert significant (enough budget is gone to
// matter), the short window (a twelfth of the long) makes it stop soon
// after the burn does. The factors scale with the SLO window, so the
// budget shares stay the same: a 7-day SLO opens a ticket at a 0.23x burn
// over 3 days, which spends 10% of its budget. An SLO window shorter than
// the longest alert window (3 days) is refused. When a threshold times the
// budget reaches 100% the condition can never hold (a 90% target's 1h page
// needs 144% errors); the SLO is exported with a warning saying so.
// Options.Policy replaces the default policy.
//
// # Availability
//
// The error ratio is errors over requests, from the mapping's counters:
//
//	(sum(rate(errors[w])) or vector(0)) / sum(rate(requests[w]))
//
// A service that never failed may have no errors series (client libraries
// create a labelled series on its first increment), hence the vector(0);
// without requests the ratio is empty, not 0/0.
//
// # Latency
//
// A latency SLO reads "target of requests are faster than ThresholdMs", so
// its error ratio is the share of slower requests, from the histogram:
//
//	1 - sum(rate(<histogram>_bucket{le="<threshold>"}[w])) / sum(rate(<histogram>_count[w]))
//
// The threshold is written in the histogram's unit (prommap's latency.unit;
// 300 ms is le="0.3" in seconds). A histogram counts requests only at its
// bucket boundaries. When the mapping lists them (latency.buckets), a
// threshold between two is measured at the next boundary up, with a
// warning: the rules then check a looser SLO than committed, and
// Exported.MeasuredMs says which. A threshold above the last boundary is
// skipped, as no bucket counts the requests under it. When the boundaries
// are unknown the threshold is used as the le value, with a warning: if it
// is no boundary the ratio is empty and the alerts never fire. Whole
// numbers match both spellings of le, "1" (client libraries) and "1.0"
// (Prometheus 3 normalises classic histograms on ingestion), and tiny or
// huge ones their exponent form too.
//
// A summary cannot measure a latency SLO: it reports quantiles per
// instance, which neither give the share of requests under a threshold nor
// add up across instances. Latency SLOs of services mapped to a summary,
// or to no latency series, are skipped with the reason.
//
// # Skips and errors
//
// Invalid SLOs (slorec.SLO.Validate), two SLOs for one service and SLI
// kind, an invalid policy and a too-short window are EINVALID errors. SLOs
// the mapping cannot measure are listed in Result.Skipped and left out, so
// an export of many services still succeeds; Options.Strict makes them
// EINVALID errors instead. The file's header comments repeat the warnings
// and skips.
//
// # Escaping
//
// Service ids appear verbatim as label values and group names; the YAML
// encoder quotes and escapes them, and PromQL string literals use Go's
// escapes. Alert annotations and labels are Go templates in Prometheus, so
// service ids reach them only through {{ $labels.slorec_service }} or
// escaped ({{ "{{" }}), never as template text. The slorec_slo label is
// repeated on each alerting rule because promtool's duplicate-rules lint
// compares rule names and static labels only.
package promrules
