// Package guardrails checks text at the boundaries of slorec: PII and
// secret redaction (Redact), applied to documents before they are stored
// or embedded, and injection screening (ScreenInjection) of retrieved text
// and user messages. The checks of drafted explanations (JSON Schema,
// numbers against engine facts, targets against candidates and the
// dependency ceiling, citations against what was retrieved) land with the
// drafting layer. It is pure (no I/O) and imports the root package and
// jsonschema/v5 only.
package guardrails
