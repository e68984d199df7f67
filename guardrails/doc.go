// Package guardrails will check every drafted explanation before it leaves:
// JSON Schema validation, numbers against engine facts, targets against the
// candidates and the dependency ceiling, citations against what was
// retrieved, prompt-injection screening and PII redaction. It is pure (no
// I/O) and imports the root package and jsonschema/v5 only.
package guardrails
