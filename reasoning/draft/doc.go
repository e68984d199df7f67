// Package draft writes the explanation of a recommendation: a JSON
// slorec.Draft that the guardrails check before anyone reads it.
//
// A Drafter takes a Request (the recommendation, the sources retrieved
// for it, the requested tier and, on the one repair attempt, the rejected
// output with its problems) and returns a Result: the raw JSON, which
// drafter wrote it, the hash of the prompt, latency, attempts and tokens.
// Raw output is never validated here; that is the guardrails' job.
//
// Two drafters:
//
//   - Deterministic writes the draft from the facts, objectives and flags
//     with fixed phrasing: byte-identical for the same request, every
//     number quoted from a fact or an objective, every source cited. It
//     is the default and the fallback.
//   - LLM calls a langchaingo llms.Model with the versioned prompt
//     (prompts/*.tmpl, PromptVersion), temperature 0, bounded tokens and
//     JSON mode, and returns the JSON object of the reply. Each attempt
//     has a timeout; timeouts, transport errors, 408, 429 and 5xx are
//     retried with exponential backoff and jitter (Retry-After honoured);
//     a circuit breaker shared across calls refuses calls while the
//     backend is down. Every failure is an EUNAVAILABLE error, so the
//     caller falls back to Deterministic.
//
// The prompt places facts, objectives and each source in delimited
// blocks marked as data, and neutralises anything in the data that could
// close or open a block (RenderPrompt).
//
// New and NewFromEnv build the configured drafter (SLOREC_LLM_PROVIDER
// openai, ollama, anthropic or none, with SLOREC_LLM_BASE_URL,
// SLOREC_LLM_MODEL, SLOREC_LLM_API_KEY and SLOREC_LLM_TIMEOUT); they are
// the only code that imports a provider package. The rest imports the
// root package and langchaingo's llms abstractions only, never store,
// retrieval or api.
package draft
