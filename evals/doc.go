// Package evals will be the offline evaluation harness: dataset generation,
// backtests of recommendations against held-out history, and the retrieval,
// red-team and faithfulness suites, with JSON and Markdown reports. It may
// import anything in the module except api.
package evals
