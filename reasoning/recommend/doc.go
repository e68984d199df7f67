// Package recommend turns per-service statistics (reasoning/stats) and
// dependency composition (reasoning/depgraph) into SLO recommendations that
// dependencies make feasible, each with candidates, a confidence score and
// its reasons, and numbered facts that explanations cite and guardrails
// check. It also answers impact analysis: what a proposed SLO change does to
// every transitive dependent's committed SLOs.
//
// The package is pure: no I/O, no clock, no globals. It imports the root
// package, stats and depgraph only, never storage, retrieval or HTTP. Equal
// inputs and options give equal recommendations, byte for byte, including
// the input hash.
//
// # Availability
//
// For each service s, in dependency order:
//
//	tiers(s)    = stats.Availability over s's history: the level met in
//	              99% / 95% / 80% of rolling windows, snapped down the ladder
//	Ceiling(s)  = depgraph ceiling with the current SLOs as commitments:
//	              Intrinsic(s) × Π_g (1 − r_g (1 − a_g)) over hard sync groups g
//	Promise(s)  = the same product with each dependency's availability
//	              replaced by min(its recommended target, its availability);
//	              an external dependency, which no SLO of ours binds, is held
//	              to what it delivers, capped by its published SLA
//	Bound(s)    = min(Ceiling(s), Promise(s))
//	Target(s)   = the chosen tier's target if ≤ Bound(s), else the highest
//	              lower tier that is, else Bound(s) with its error budget
//	              rounded up to two significant digits (see ceilingTarget);
//	              none when that is under 0.0001%
//
// Ceiling says what the dependencies deliver; Promise what they will be
// held to once every recommendation is adopted. Taking the smaller means no
// recommended target relies on a dependency doing better than its own
// recommended SLO, so the fleet of recommendations is consistent: adopting
// them all leaves no target above its dependencies' ceiling (the Fleet
// result re-checks this with a final composition pass).
//
// # Latency
//
// stats.Latency gives tier thresholds for the objective percentile p. The
// dependency floor is a sound lower bound: a request that always waits for a
// synchronous dependency d (call ratio r) is at least as slow as d's call, so
// the caller's p-quantile is at least d's quantile at level
// 1 − (1 − p/100)/r, when r > 1 − p/100. The floor is the largest such
// quantile over the synchronous dependencies, using the nearest observed
// percentile (p50, p95, p99) at or below that level. No threshold below the
// floor is feasible. For entry points (no dependents) and for a service asked
// for alone, the critical path adds the conservative sum-of-p99 bound and the
// Monte Carlo estimate as facts.
//
// # Confidence
//
// stats.DataConfidence scores the data (coverage, history length, volume,
// interval width, drift); the graph multiplies in penalties for cycles,
// missing dependencies, priors and published SLAs used in place of
// measurements, and capped intrinsic availability. Every penalty adds a
// reason. Below 0.5 the conservative tier is chosen and the recommendation
// needs human review.
package recommend
