// Package evals is the offline evaluation harness behind `slorec eval`:
// it runs the suites (backtest now; retrieval, redteam and faithfulness
// as the layers they score land), collects their results in one Report,
// renders it as JSON and as Markdown that reads on its own, and compares
// a report with an earlier one to say what got worse.
//
// Subpackages: backtest scores recommendations against held-out history;
// gen builds synthetic datasets on real topologies; petshop imports the
// PetShop real-metrics dataset; sim simulates requests through a graph.
// It may import anything in the module except api.
package evals
