// Package slorec holds the domain types of the SLO recommendation engine:
// services and their dependencies, metric buckets, SLOs, recommendations with
// their numbered facts, feedback, audit records, and the error type every
// other package returns.
//
// The package imports the standard library only. Adapters (store/postgres,
// store/inmem, retrieval, api) and the pure engine packages under reasoning/
// depend on it; it depends on none of them.
package slorec
