// Package corpus ships slorec's knowledge documents and parses user
// documents in the same format.
//
// The shipped set (runbooks, SLO templates, error-budget policies, provider
// SLA summaries, postmortem summaries and guides) lives under docs/ and is
// compiled into the binary with go:embed; Load returns it parsed, validated
// and sorted by ID. The retrieval layer chunks each Document's Body by its
// "## " headings and cites chunks as "<kind>/<id>#<section>" (see
// Document.Ref).
//
// A document is Markdown with optional YAML front matter between "---"
// lines:
//
//	---
//	id: payment-provider-degradation   # kebab-case, unique
//	kind: runbook                      # runbook | slo-template | policy | provider-sla | postmortem | guide
//	title: External payment provider degradation
//	services: [external, service]      # service ids or service kinds; may be empty
//	tags: [payments, retries]
//	source: slorec authors             # or one URL, or a list of URLs
//	license: CC-BY-4.0
//	license_note: optional; which public documents the facts come from
//	date: 2020-11-25                   # optional; incident date of a postmortem
//	slas:                              # optional; published availability commitments
//	  - offering: multi-az-db-instance
//	    availability: 0.9995
//	---
//
// Shipped documents must carry front matter with id, kind, title, source and
// license, and may use no other fields. User documents given to Parse are
// lenient: without front matter the id comes from the file name, the kind is
// "guide" and the title is the first Markdown heading; unknown front matter
// fields (a Hugo "weight", say) are ignored.
//
// The project's own prose is licensed CC-BY-4.0. Facts taken from public
// pages (SLA figures, incident timelines) are summarized in our own words
// and their pages are named in source.
//
// The package imports the root package only (for its error type).
package corpus
