package guardrails

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/schemas"
)

// Guards, in the order CheckDraft reports them.
const (
	GuardSize      = "size"
	GuardSchema    = "schema"
	GuardNumeric   = "numeric"
	GuardTarget    = "target"
	GuardCitation  = "citation"
	GuardInjection = "injection"
	GuardPII       = "pii"
	GuardLanguage  = "language"
)

// Guards returns the guard names in the order CheckDraft reports them.
func Guards() []string {
	return []string{GuardSize, GuardSchema, GuardNumeric, GuardTarget, GuardCitation, GuardInjection, GuardPII, GuardLanguage}
}

// Violation rules. Each is stable: the drafting layer, the audit log and
// the eval reports key on them.
const (
	RuleNotRun        = "not-run"        // the guard could not look at the draft (too large, or not JSON)
	RuleTooLarge      = "too-large"      // size: the output exceeds Evidence.MaxBytes
	RuleMalformedJSON = "malformed-json" // schema: not one complete JSON object
	RuleSchema        = "schema"         // schema: valid JSON that breaks draft.schema.json

	RuleUnbackedNumber = "unbacked-number"         // numeric: a number the engine never stated
	RulePercentRatio   = "percent-ratio-confusion" // numeric, target: 0.995% for 99.5%, or a target of 99.5 for 0.995

	RuleNotCandidate  = "not-a-candidate"      // target: not one of the engine's candidates for the SLI
	RuleAboveCeiling  = "above-ceiling"        // target: availability above the dependency ceiling
	RuleBelowFloor    = "below-floor"          // target: latency threshold below the dependency floor
	RuleTierMismatch  = "tier-mismatch"        // target: the candidate is of another tier than chosen_tier
	RuleInfeasible    = "infeasible-candidate" // target: the engine marked the candidate infeasible
	RuleDuplicateSLI  = "duplicate-sli"        // target: two targets for one SLI
	RuleUnknownFact   = "unknown-fact"         // citation: a fact id the recommendation does not have
	RuleNotRetrieved  = "not-retrieved"        // citation: a citation id not retrieved for this request
	RuleUncitedClaim  = "uncited-claim"        // citation: a claim that cites nothing
	RuleInjection     = "injection"            // injection: instruction-shaped text or a link
	RulePII           = "pii"                  // pii: personal data or a secret
	RuleNotEnglish    = "not-english"          // language: prose that is not English
	RuleSchemaMissing = "schema-unavailable"   // schema: the embedded schema did not compile (a build defect)
)

// DefaultMaxBytes bounds a draft when Evidence.MaxBytes is zero. Prose at
// every schema maximum (600 + 12×400 + 8×300 + 400 = 8,200 characters of
// ASCII) with a few ids per claim fits; a longer draft is too long to
// read.
const DefaultMaxBytes = 16 << 10

// Evidence is what a draft may rely on for one request.
type Evidence struct {
	// Recommendation supplies the facts, objectives, candidates and
	// bounds. Nil means nothing backs the draft: every number, target
	// and fact id fails.
	Recommendation *slorec.Recommendation
	// Retrieved are the chunks retrieved for this request, after
	// quarantine (ScreenSources): the only citation ids a draft may cite.
	// Numbers in a chunk's title and snippet back the claims that cite it.
	Retrieved []slorec.Citation
	// MaxBytes bounds the raw output; zero means DefaultMaxBytes.
	MaxBytes int
	// Prompt is the system prompt the drafter sent; prose repeating eight
	// or more of its words in a row leaks it.
	Prompt string
}

// Checker checks drafts against the embedded draft schema, compiled once.
// It holds no other state and is safe for concurrent use. Build it with
// NewChecker: the zero Checker has no schema and fails every schema guard.
type Checker struct {
	schema *jsonschema.Schema
}

// NewChecker compiles schemas.Draft. It fails only when the embedded
// schema is broken, which a test catches before release. Nothing is
// loaded from disk or network: the schema is the only resource.
func NewChecker() (*Checker, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("load %s: guardrails loads no schema but the embedded draft schema", s)
	}
	if err := c.AddResource(schemas.DraftURL, bytes.NewReader(schemas.Draft)); err != nil {
		return nil, fmt.Errorf("add draft schema: %w", err)
	}
	s, err := c.Compile(schemas.DraftURL)
	if err != nil {
		return nil, fmt.Errorf("compile draft schema: %w", err)
	}
	return &Checker{schema: s}, nil
}

// defaultChecker is compiled on first use and never changes afterwards.
var defaultChecker = sync.OnceValues(NewChecker)

// CheckDraft checks raw with a Checker compiled once per process; see
// Checker.Check.
func CheckDraft(raw []byte, ev Evidence) (slorec.Draft, []slorec.GuardVerdict) {
	c, err := defaultChecker()
	if err != nil {
		c = &Checker{}
	}
	return c.Check(raw, ev)
}

// Check runs every guard on raw and returns the decoded draft with one
// verdict per guard, in the order of Guards, each with all its
// violations. It never stops at the first failure:
//
//   - An output over the size limit is not parsed: every later guard
//     reports a single not-run violation.
//   - Output that is not one JSON object of the draft's field types (or is
//     truncated) fails schema with malformed-json or schema violations, and
//     every later guard reports not-run.
//   - A draft that decodes but breaks the schema (an unknown field, a
//     claim over 400 characters, a target of 99.5) fails schema, and the
//     content guards still run on the decoded draft, so one repair round
//     fixes everything.
//
// The draft is the decoded value (zero when it did not decode); use it
// only when Passed reports true.
func (c *Checker) Check(raw []byte, ev Evidence) (slorec.Draft, []slorec.GuardVerdict) {
	limit := ev.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	out := make([]slorec.GuardVerdict, 0, len(Guards()))
	if len(raw) > limit {
		out = append(out, verdict(GuardSize, []slorec.Violation{{
			Rule: RuleTooLarge, Got: fmt.Sprintf("%d bytes", len(raw)), Want: fmt.Sprintf("at most %d bytes", limit),
		}}))
		return slorec.Draft{}, notRun(out, "the output is over the size limit")
	}
	out = append(out, verdict(GuardSize, nil))

	d, decoded, vs := c.schemaCheck(raw)
	out = append(out, verdict(GuardSchema, vs))
	if !decoded {
		return slorec.Draft{}, notRun(out, "the output is not a JSON draft")
	}
	idx := newEvidenceIndex(ev)
	out = append(out,
		verdict(GuardNumeric, checkNumbers(d, idx)),
		verdict(GuardTarget, checkTargets(d, ev.Recommendation)),
		verdict(GuardCitation, checkCitations(d, idx)),
		verdict(GuardInjection, append(checkInjection(d, idx), checkLeak(d, ev.Prompt)...)),
		verdict(GuardPII, checkPII(d)),
		verdict(GuardLanguage, checkLanguage(d)),
	)
	return d, out
}

// Passed reports whether every verdict passed; an empty list has not.
func Passed(verdicts []slorec.GuardVerdict) bool {
	for _, v := range verdicts {
		if !v.Passed {
			return false
		}
	}
	return len(verdicts) > 0
}

func verdict(guard string, vs []slorec.Violation) slorec.GuardVerdict {
	return slorec.GuardVerdict{Guard: guard, Passed: len(vs) == 0, Violations: vs}
}

// notRun appends a failed verdict for every guard after those in done.
func notRun(done []slorec.GuardVerdict, why string) []slorec.GuardVerdict {
	for _, g := range Guards()[len(done):] {
		done = append(done, verdict(g, []slorec.Violation{{
			Rule: RuleNotRun, Got: why, Want: "a draft that passes the size and schema guards",
		}}))
	}
	return done
}

// schemaCheck parses raw, validates it against the draft schema and
// decodes it strictly into a Draft. decoded reports whether the content
// guards can run: raw is one JSON object whose fields have the draft's
// types, even if it breaks other schema rules.
func (c *Checker) schemaCheck(raw []byte) (slorec.Draft, bool, []slorec.Violation) {
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0:
		return slorec.Draft{}, false, []slorec.Violation{{Rule: RuleMalformedJSON, Got: "empty output", Want: "one JSON object"}}
	case bytes.HasPrefix(trimmed, []byte("```")):
		return slorec.Draft{}, false, []slorec.Violation{{Rule: RuleMalformedJSON, Got: "a Markdown code fence around the JSON", Want: "the bare JSON object, no fence and no prose"}}
	}
	doc, err := parseJSON(raw)
	if err != nil {
		return slorec.Draft{}, false, []slorec.Violation{{Rule: RuleMalformedJSON, Got: err.Error(), Want: "one complete JSON object"}}
	}
	var vs []slorec.Violation
	if c.schema == nil {
		vs = append(vs, slorec.Violation{Rule: RuleSchemaMissing, Got: "the embedded draft schema did not compile", Want: schemas.DraftURL})
	} else if err := c.schema.Validate(doc); err != nil {
		vs = append(vs, schemaViolations(err)...)
	}

	var d slorec.Draft
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		if len(vs) == 0 { // the schema should have said why
			vs = append(vs, slorec.Violation{Rule: RuleSchema, Got: clip(err.Error()), Want: "the fields and types of " + schemas.DraftURL})
		}
		// Unknown fields are a schema violation, not a reason to skip
		// the content guards: decode again, leniently.
		d = slorec.Draft{}
		if json.Unmarshal(raw, &d) != nil {
			if !hasRule(vs, RuleSchema) {
				vs = append(vs, slorec.Violation{Rule: RuleSchema, Got: clip(err.Error()), Want: "the fields and types of " + schemas.DraftURL})
			}
			return slorec.Draft{}, false, vs
		}
	}
	return d, true, vs
}

func hasRule(vs []slorec.Violation, rule string) bool {
	for _, v := range vs {
		if v.Rule == rule {
			return true
		}
	}
	return false
}

// parseJSON decodes exactly one JSON value, saying where it breaks.
func parseJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return nil, fmt.Errorf("truncated JSON: the output ends at byte %d before the object is closed", len(raw))
		case errors.As(err, &syn):
			return nil, fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "invalid character "))
		default:
			return nil, fmt.Errorf("invalid JSON: %s", clip(err.Error()))
		}
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after the JSON value, from byte %d", end)
	}
	return doc, nil
}

// schemaViolations flattens a validation error to its leaves, one
// violation each, sorted by path so the order does not depend on map
// iteration inside the validator.
func schemaViolations(err error) []slorec.Violation {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []slorec.Violation{{Rule: RuleSchema, Got: clip(err.Error()), Want: schemas.DraftURL}}
	}
	var out []slorec.Violation
	seen := map[slorec.Violation]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		v := slorec.Violation{Path: pointerPath(e.InstanceLocation), Rule: RuleSchema, Got: clip(e.Message), Want: "schema " + keyword(e.AbsoluteKeywordLocation)}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Got < out[j].Got
	})
	return out
}

// pointerPath turns a JSON pointer ("/rationale/2/claim") into the path
// style of Violation ("rationale[2].claim"); the root is "".
func pointerPath(ptr string) string {
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// keyword is where in the draft schema a keyword failed, as a fragment:
// "#/$defs/rationaleItem/properties/claim/maxLength".
func keyword(abs string) string {
	if i := strings.IndexByte(abs, '#'); i >= 0 {
		return abs[i:]
	}
	return abs
}

// clip bounds text copied into a violation to 160 bytes, on a rune
// boundary.
func clip(s string) string {
	const limit = 160
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// field is one piece of a draft's prose, with the citation ids that back
// it (claims only).
type field struct {
	path, text string
	cites      []string
}

// prose lists the draft's prose fields in document order.
func prose(d slorec.Draft) []field {
	out := []field{{path: "summary", text: d.Summary}}
	for i, r := range d.Rationale {
		out = append(out, field{path: fmt.Sprintf("rationale[%d].claim", i), text: r.Claim, cites: r.CitationIDs})
	}
	for i, r := range d.Risks {
		out = append(out, field{path: fmt.Sprintf("risks[%d]", i), text: r})
	}
	return append(out, field{path: "confidence_note", text: d.ConfidenceNote})
}
