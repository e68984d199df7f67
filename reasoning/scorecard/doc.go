// Package scorecard grades services on four independent axes (SLO error
// budgets, monthly cost, a reliability score and governance checks) and
// folds them into one health status per service and one report per fleet.
//
// The package is pure: no I/O, no globals, no clock. Every function returns
// fresh values and never modifies its arguments, so a report can be built
// from data the caller keeps using.
//
// Availability, uptime, SLO targets and change failure rates are ratios
// (0.999, 0.05), in code and in JSON, as everywhere in slorec; percentages
// appear only in the human-readable reasons and messages.
//
// Each axis has its own vocabulary (met/breached, [Trend], a 0–100 score,
// [GovernanceStatus]); [Evaluate] combines them into a [Health] by adding
// issue points:
//
//	Issue                                              Points
//	at least one SLO breached                               2
//	reliability score below 50                              2
//	reliability score 50–69                                 1
//	governance not compliant (partial or non-compliant)     1
//	cost over budget, spiking, or both                      1
//
//	Points  Health
//	>= 4    critical
//	2–3     degraded
//	0–1     healthy
//
// User-facing problems (a breached SLO, poor reliability) weigh 2 points,
// organizational ones (governance, cost) 1, so no organizational concern on
// its own can make a service degraded, and two of them together can. Each
// axis contributes at most one issue: three breached SLOs are one 2-point
// issue whose reason names all three, and a non-compliant service scores the
// same single point as a partially compliant one; the worst case is 6
// points.
package scorecard

// eps is the tolerance of every comparison against a threshold. Inputs are
// often sums or means, which land a few ulps off a boundary
// (0.7+0.2+0.099 == 0.9989999999999999, (0.3+8.3+6.4)/3 ==
// 5.000000000000001); 1e-9 is far below the width of any tier, so values
// that are on a boundary in decimal are treated as on it.
const eps = 1e-9
