// Package evals is the offline evaluation harness behind `slorec eval`:
// it runs the suites (backtest, retrieval, redteam, faithfulness),
// collects their results in one Report, renders it as JSON and as
// Markdown that reads on its own, and compares a report with an earlier
// one to say what got worse.
//
// Subpackages: backtest scores recommendations against held-out history;
// retrieval scores knowledge search on labeled questions; redteam attacks
// the explanation layer end to end with a scripted model; faithfulness
// measures how closely explanations stick to the engine's facts; gen
// builds synthetic datasets on real topologies; petshop imports the
// PetShop real-metrics dataset; sim simulates requests through a graph.
// It may import anything in the module except api.
package evals
