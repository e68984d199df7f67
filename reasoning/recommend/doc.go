// Package recommend will turn per-service statistics (reasoning/stats) and
// dependency ceilings (reasoning/depgraph) into constrained recommendations
// with confidence and numbered facts, and answer impact analysis ("what if
// this SLO changes"). It is pure: it imports the root package, stats and
// depgraph only, never storage, retrieval or HTTP.
package recommend
