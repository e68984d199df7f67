package guardrails

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/slorec/slorec"
)

// Source is one retrieved chunk as a drafter would put it in a prompt.
type Source struct {
	Citation slorec.Citation
	// Text is the chunk's full text; Citation.Snippet may be a cut of it.
	Text string
	// Flags are the chunker's marks; "injection:<rule>" means it found
	// injection-shaped text when the chunk was indexed.
	Flags []string
}

// Quarantined is a source ScreenSources kept out of prompts, and why.
type Quarantined struct {
	Source   Source
	Findings []Finding
}

// ScreenSources splits retrieved chunks into those a prompt may quote and
// those quarantined: a chunk is dropped when it carries an injection flag
// from indexing or when its title, snippet or text is injection-shaped
// now (ScreenInjection; the rules may have grown since it was indexed).
// Order is kept. Only the kept sources' citations belong in
// Evidence.Retrieved.
func ScreenSources(srcs []Source) (kept []Source, dropped []Quarantined) {
	for _, s := range srcs {
		var fs []Finding
		for _, f := range s.Flags {
			if rule, ok := strings.CutPrefix(f, "injection:"); ok {
				fs = append(fs, Finding{Rule: rule, Excerpt: "(flagged when indexed)"})
			}
		}
		seen := map[string]bool{}
		for _, text := range []string{s.Citation.Title, s.Citation.Snippet, s.Text} {
			for _, f := range ScreenInjection(text) {
				if !seen[f.Rule] {
					seen[f.Rule] = true
					fs = append(fs, f)
				}
			}
		}
		if len(fs) > 0 {
			dropped = append(dropped, Quarantined{Source: s, Findings: fs})
			continue
		}
		kept = append(kept, s)
	}
	return kept, dropped
}

// ScreenMessage screens a chat message before it reaches a model. A
// message that fails is not sent; the verdict says which rules matched.
func ScreenMessage(msg string) slorec.GuardVerdict {
	var vs []slorec.Violation
	for _, f := range ScreenInjection(msg) {
		vs = append(vs, slorec.Violation{Path: "message", Rule: RuleInjection, Got: f.Rule + ": " + f.Excerpt,
			Want: "a question or statement, not instructions to the assistant"})
	}
	return verdict(GuardInjection, vs)
}

// link is any URL in a draft: explanations cite by id, so a link is at
// best noise and at worst an exfiltration channel once rendered.
var link = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s)\]>"']+|\bwww\.[a-z0-9-]+\.[a-z]{2,}\S*`)

// checkInjection is the injection guard on a draft's own prose: what
// ScreenInjection finds, plus any link.
func checkInjection(d slorec.Draft, idx *evidenceIndex) []slorec.Violation {
	const want = "prose that explains, with no instructions, role markers, tool directives or links"
	var out []slorec.Violation
	for _, f := range prose(d) {
		for _, fd := range ScreenInjection(f.text) {
			out = append(out, slorec.Violation{Path: f.path, Rule: RuleInjection, Got: fd.Rule + ": " + fd.Excerpt, Want: want})
		}
		for _, l := range link.FindAllString(f.text, 3) {
			if idx.stated(l) {
				continue // a name the engine states ("www.googleapis.com"), not a link
			}
			out = append(out, slorec.Violation{Path: f.path, Rule: RuleInjection, Got: "link: " + clip(l), Want: want})
		}
	}
	return out
}

// checkPII is the PII guard: no prose field may contain what Redact
// removes. A violation names the kind, never the value.
func checkPII(d slorec.Draft) []slorec.Violation {
	var out []slorec.Violation
	for _, f := range prose(d) {
		_, reds := Redact(f.text)
		for _, r := range reds {
			out = append(out, slorec.Violation{Path: f.path, Rule: RulePII, Got: r.Kind, Want: "no personal data or secrets"})
		}
	}
	return out
}

// RedactDraft returns a copy of d with every prose field (summary, claims,
// risks, confidence note) redacted, for drafts leaving the system, and
// the redactions made. A redaction's offsets are within the field it was
// found in. d is not modified.
func RedactDraft(d slorec.Draft) (slorec.Draft, []Redaction) {
	var all []Redaction
	red := func(s string) string {
		out, rs := Redact(s)
		all = append(all, rs...)
		return out
	}
	out := d
	out.Summary = red(d.Summary)
	out.Targets = slices.Clone(d.Targets)
	if d.Rationale != nil {
		out.Rationale = make([]slorec.RationaleItem, len(d.Rationale))
		for i, r := range d.Rationale {
			r.Claim = red(r.Claim)
			r.FactIDs = slices.Clone(r.FactIDs)
			r.CitationIDs = slices.Clone(r.CitationIDs)
			out.Rationale[i] = r
		}
	}
	if d.Risks != nil {
		out.Risks = make([]string, len(d.Risks))
		for i, r := range d.Risks {
			out.Risks[i] = red(r)
		}
	}
	out.ConfidenceNote = red(d.ConfidenceNote)
	return out, all
}

// checkLeak flags prose that repeats 8 or more consecutive words of the
// system prompt.
func checkLeak(d slorec.Draft, prompt string) []slorec.Violation {
	if prompt == "" {
		return nil
	}
	words := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	const n = 8
	shingles := map[string]bool{}
	pw := words(prompt)
	for i := 0; i+n <= len(pw); i++ {
		shingles[strings.Join(pw[i:i+n], " ")] = true
	}
	var out []slorec.Violation
	for _, f := range prose(d) {
		fw := words(f.text)
		for i := 0; i+n <= len(fw); i++ {
			if shingles[strings.Join(fw[i:i+n], " ")] {
				out = append(out, slorec.Violation{Path: f.path, Rule: RuleInjection, Got: RulePromptLeak + ": the system prompt", Want: "prose that explains, not the instructions it was written under"})
				break
			}
		}
	}
	return out
}
