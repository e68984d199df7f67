// Package redteam is the adversarial suite of `slorec eval redteam`: a
// table of cases, each an attack on the explanation layer, run end to end
// through the advisor with the real LLM drafter talking to a scripted
// OpenAI-compatible server (an httptest server answering
// POST /v1/chat/completions with the case's canned replies), so the HTTP
// client, JSON extraction, retries, guardrails, the one repair round and
// the deterministic fallback all run as they do in production.
//
// Adversarial drafts are built from a valid draft (what the deterministic
// drafter writes for the same request) with exactly one defect, so a case
// is caught for its own defect and nothing else. Each case expects one
// outcome: blocked (every model draft is rejected and the deterministic
// fallback is used and recorded), repaired (the first draft is rejected
// and the repair, which is good, is used) or accepted (a good draft the
// guardrails must let through). Input-side attacks (injection inside a
// retrieved document, personal data in incidents, documents or metrics
// labels) also assert that the scripted server never received the text;
// chat messages are screened with guardrails.ScreenMessage.
//
// The suite passes only when every case meets its expectation; the test
// of this package runs it, so CI fails on any miss.
package redteam
