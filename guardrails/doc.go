// Package guardrails checks text at the boundaries of slorec.
//
// Inputs: Redact removes PII and secrets (emails, IPs, phone numbers,
// keys, tokens) from documents before they are stored or embedded and
// from anything sent to a model; ScreenInjection finds injection-shaped
// text (instruction overrides, chat role markers, tool directives,
// exfiltration links, prompt-leak requests); ScreenSources quarantines
// retrieved chunks that are flagged or injection-shaped, and ScreenMessage
// screens chat input.
//
// Outputs: CheckDraft (or Checker.Check) checks a drafter's JSON against
// the Evidence of one request and returns one slorec.GuardVerdict per
// guard, in this order, each with all its violations:
//
//   - size: the raw output is at most Evidence.MaxBytes (too-large).
//   - schema: one JSON object valid against schemas.Draft and decoding
//     strictly into slorec.Draft (malformed-json, schema).
//   - numeric: every number in the prose is one the engine stated, within
//     rounding or truncation, or one from a chunk the claim cites
//     (unbacked-number, percent-ratio-confusion).
//   - target: every target is a candidate of the chosen tier, never above
//     the availability ceiling nor below the latency floor (not-a-candidate,
//     tier-mismatch, above-ceiling, below-floor, infeasible-candidate,
//     duplicate-sli, percent-ratio-confusion).
//   - citation: cited facts exist, cited chunks were retrieved, every claim
//     cites something (unknown-fact, not-retrieved, uncited-claim).
//   - injection: the draft's prose holds no instructions or links.
//   - pii: the draft's prose holds nothing Redact would remove.
//   - language: the prose is English (not-english).
//
// RepairPrompt turns failed verdicts into the message a drafter sends back
// to the model, and RedactDraft redacts a draft on its way out.
//
// The package is pure: no I/O, no network, no mutable state beyond the
// draft schema compiled once. It imports the standard library, the root
// package, schemas and jsonschema/v5 only.
package guardrails
