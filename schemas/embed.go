// Package schemas holds the JSON Schemas of slorec's documents, embedded so
// the engine's tests, the guardrails and API clients validate against the
// same file. It imports nothing but embed.
package schemas

import _ "embed"

// Recommendation is the JSON Schema (draft 2020-12) of a
// slorec.Recommendation document.
//
//go:embed recommendation.schema.json
var Recommendation []byte

// RecommendationURL is the $id of the Recommendation schema.
const RecommendationURL = "urn:slorec:schema:recommendation:v1"

// Draft is the JSON Schema (draft 2020-12) of a slorec.Draft: the strict
// shape (no unknown fields, bounded lengths, ratio targets) a drafter's
// output must have before the guardrails check its content.
//
//go:embed draft.schema.json
var Draft []byte

// DraftURL is the $id of the Draft schema.
const DraftURL = "urn:slorec:schema:draft:v1"
