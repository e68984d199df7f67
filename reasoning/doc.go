// Package reasoning will hold the advisor: the orchestration that runs the
// engine for a service, retrieves knowledge with a query built from its
// facts, drafts an explanation and guards it. It reaches retrieval and
// guardrails only through small interfaces it declares, so it imports the
// root package and its own subpackages (stats, depgraph, recommend, draft,
// scorecard) but never retrieval, guardrails, store or api.
package reasoning
