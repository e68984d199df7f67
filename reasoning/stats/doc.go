// Package stats turns one service's metric history into candidate SLO
// targets with their evidence: rolling-window availability tiers, a
// day-block bootstrap interval and breach probabilities, latency thresholds
// from percentile series, and a data-quality report that says why a result
// deserves less trust.
//
// The package is pure: no I/O, no clock, no globals. Randomness comes from a
// seeded PCG, so equal inputs and options give equal results. It imports the
// root package only.
//
// # Availability
//
// Buckets are summed per UTC calendar day. A rolling window of W days ends on
// every day from the W-th to the last (step one day) and its availability is
// Σgood/Σtotal over its days; windows without traffic are skipped. A tier's
// level is the value met in at least its coverage share of windows
// (conservative 99%, balanced 95%, aspirational 80%): with the n window
// availabilities sorted ascending, a[⌊(1 − coverage)·n⌋]. The level is then
// snapped down the target ladder. With less history than W days, W shrinks
// to the whole days available (at least one) and the result says so.
//
// The bootstrap resamples days with replacement (days are the blocks, which
// keeps the within-day correlation of errors). The 90% interval is the 5th
// and 95th percentile of the resampled overall availability. A tier's breach
// probability is the share of resampled W-day windows (W days drawn with
// replacement) whose availability falls below the tier's target; drawing
// days independently ignores correlation between days, so it understates
// breach probability under multi-day incidents, which the tier levels (taken
// from real consecutive windows) do capture.
//
// # Latency
//
// A bucket's latency distribution is known only at its percentiles. The
// share of its requests faster than t is interpolated linearly in log
// latency between the known points (p50, 0.50), (p95, 0.95), (p99, 0.99);
// beyond them it follows a lognormal fitted through the outermost two points
// (σ = 0.5 in log space with a single point), scaled to join the known
// points continuously. Attainment over many buckets is the request-weighted
// mean of these shares.
//
// The objective percentile p is 95 when p95 data exist, else 99, else 50.
// For every rolling window the smallest threshold T_w with window attainment
// ≥ p/100 is found on a geometric grid and refined by interpolation; a
// tier's raw threshold is the coverage-quantile of the T_w (the value at or
// above which T_w stays in the tier's share of windows), and its threshold
// is raw × headroom snapped up to a round value.
package stats
