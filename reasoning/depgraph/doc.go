// Package depgraph holds the graph algorithms and composition math of the
// service dependency graph: strongly connected components, topological
// order, fan-in and fan-out, blast radius, availability ceilings, the rule
// of the extra nine, and critical-path latency.
//
// The package is pure: no I/O, no globals, no clock. [New] indexes a
// catalog snapshot once (ids to dense integers, adjacency both ways,
// components); every analysis is a method on the immutable [Graph], which
// is safe for concurrent use. Random draws (Monte Carlo latency) come from
// a seeded PCG, so equal inputs give equal outputs.
//
// Partial data are the normal case, not an error: a dependency on an
// undeclared service makes a missing node, a service without measurements
// falls back to its published SLA or a prior by kind, and cycles are
// broken by documented rules. Each of these is flagged in the results so
// that callers can lower confidence; nothing panics.
//
// Edges mean: sync (the caller waits) or async (through a queue); hard (the
// caller fails with the callee) or soft (there is a fallback). Only hard
// sync edges cap availability; sync edges of both criticalities add
// latency; every edge counts for structure (components, blast radius).
// A call ratio r in (0,1] says what share of the caller's requests make
// the call: a dependency with availability a costs the factor
// 1 − r·(1 − a).
//
// Availability formulas are on [Graph.Availability], latency ones on
// [Graph.SelfLatency] and [Graph.CriticalPath], blast-radius weighting on
// [BlastRadius], and the extra-nine check on [ExtraNine]. Ratios (0.999)
// everywhere in code; percentages only in prose.
package depgraph
