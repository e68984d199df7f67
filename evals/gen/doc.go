// Package gen builds eval datasets (package dataset) for the simulator of
// package sim: from real topologies, or from random graphs of any size.
//
// A real topology comes as a dataset-format topology.json or as a
// source-topology.json, whose dependencies are plain ids; Convert tells
// them apart and applies an Assumptions table (kinds, tiers, per-edge type,
// criticality, call ratio, parallel and redundancy groups, dropped nodes,
// each with a reason). Random draws a layered DAG instead. Config turns
// either graph into a sim.Config: intrinsic availabilities and latencies
// drawn per kind and tier, diurnal and weekly traffic, seeded incidents
// (error bursts, partial and full outages, latency regressions) and current
// SLOs, some of them infeasible. Generate runs it.
//
// Datasets lists the built-in datasets of evals/datasets, each a real
// topology with its assumption table (assumptions.go) and a seed; Build
// generates one, and Describe renders the Markdown tables their READMEs
// embed. Everything is deterministic: the same inputs and seed give the
// same bytes, whatever the Go release (the package has its own random
// number generator, like package sim).
//
// The real topologies live outside the repository, in ../shared/data (see
// FindDataRoot).
package gen
