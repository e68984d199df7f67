// Package stats turns one service's metric history into candidate SLO
// targets with their evidence: rolling-window availability tiers, a
// day-block bootstrap interval and breach probabilities, latency thresholds
// from percentile series, and a data-quality report that says why a result
// deserves less trust.
//
// The package is pure: no I/O, no clock, no mutable state. Randomness
// comes from a PCG seeded by the caller, so equal inputs and options give
// equal results. It imports the root package only. All targets are ratios
// (0.999), never percentages.
//
// # History
//
// Buckets may arrive in any order; they are sorted by start. Buckets of two
// services, two buckets at one timestamp or a bucket failing
// slorec.MetricBucket.Validate are an EINVALID error. The bucket width w is
// the most common gap between consecutive starts, and
//
//	history  H = last start − first start + w
//	expected   = max(⌊H / w⌋, buckets),  coverage = buckets / expected
//	gaps       = #{consecutive starts more than w apart}
//	drift      = A(last third of H) − A(first third of H)
//
// where A(·) is Σ(requests − errors) / Σ requests over the buckets starting
// in that part.
//
// # Rolling windows
//
// A window of W days covers the buckets starting in [e − W, e), for
// e = end, end − step, end − 2·step, … (end = last start + w, step =
// StepHours) as long as the window starts inside the history. With less
// history than WindowDays, W shrinks to ⌊H⌋ whole days (at least one), and
// under one day of history the whole history is the only window. Windows
// without traffic are skipped.
//
// # Availability
//
// A window's availability is Σgood / Σtotal over its buckets. With the n
// window availabilities sorted ascending, a tier of coverage c
// (conservative 0.99, balanced 0.95, aspirational 0.80) has
//
//	level  = a[⌊(1 − c)·n⌋]   (nearest rank, lower side: met in ≥ c of windows)
//	target = the largest ladder rung ≤ level (0 below the ladder)
//
// so conservative ≤ balanced ≤ aspirational. With fewer than 20 windows the
// 95th and 99th percentiles are not resolved (they are the minimum), and
// the result says so.
//
// # Bootstrap
//
// Blocks are the UTC calendar days with traffic, which keeps the
// within-day correlation of errors. A resample draws as many days as there
// are, with replacement, and sums their good and total requests; the 90%
// interval of Observed is the 5th and 95th percentile of the resamples'
// availability. The first min(W, days) draws of each resample form a
// resampled W-day window, and a tier's breach probability is the share of
// resamples in which that window's availability is below the tier's
// target. Drawing days independently ignores correlation between days, so
// it understates breach probability under multi-day incidents, which the
// tier levels (taken from real consecutive windows) do capture.
//
// # Latency
//
// A bucket's latency distribution is known only at its percentiles. The
// share of its requests at or under t (see FractionBelow) is interpolated
// linearly in log latency between (p50, 0.50), (p95, 0.95) and (p99, 0.99),
// with lognormal tails through the outermost points beyond them.
// Attainment over many buckets is the request-weighted mean of these
// shares.
//
// The objective percentile p is 95 when any bucket has a p95, else 99,
// else 50. Each window's threshold T_w is the smallest t whose
// request-weighted attainment over the window reaches p/100, found on a
// geometric grid narrowed round by round and interpolated (within 0.3% of
// an exact bisection in tests, before thresholds are snapped to round
// values). A tier's
//
//	raw       = T[⌈c·n⌉ − 1] of the n sorted T_w (upper side: covers c of windows)
//	threshold = SnapUpMs(raw × headroom)
//
// so conservative ≥ balanced ≥ aspirational; its breach probability is the
// share of windows whose attainment at the threshold is below p/100.
package stats
