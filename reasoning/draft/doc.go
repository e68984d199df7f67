// Package draft will write explanations of recommendations: versioned
// prompt templates, LLM drafting through langchaingo's llms interface, and
// the deterministic drafter that is the default and the fallback. It imports
// the root package and langchaingo's llms abstractions only; it never
// imports a provider-specific package outside its constructors, nor store,
// retrieval or api.
package draft
