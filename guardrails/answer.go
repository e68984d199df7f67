package guardrails

import (
	"fmt"

	"github.com/slorec/slorec"
)

// AnswerPath is the violation path of every finding of CheckAnswer: the
// answer is one field of free text.
const AnswerPath = "answer"

// AnswerGuards returns the guard names in the order CheckAnswer reports
// them.
func AnswerGuards() []string {
	return []string{GuardNumeric, GuardInjection, GuardPII, GuardLanguage}
}

// AnswerEvidence is what the numbers of a free-text answer (a chat reply)
// may rest on. Nothing else backs a number: an empty AnswerEvidence backs
// only small counting words.
type AnswerEvidence struct {
	// Facts back their values (a ratio also as a percent and as its
	// complement, the error budget) and the numbers written in their
	// statements. Facts the engine did not emit (an impact report's
	// ceilings, a scorecard's points) are stated as facts too.
	Facts []slorec.Fact
	// Recommendations back every number the engine stated in them, as
	// for a draft: facts, objectives, candidates, bounds, the current
	// SLO checks, reasons and mitigations.
	Recommendations []*slorec.Recommendation
	// Citations back the numbers in their titles and snippets.
	Citations []slorec.Citation
	// Texts back the numbers written in them, as written: engine reasons,
	// quoted passages, the user's own question.
	Texts []string
}

// CheckAnswer runs the guards that apply to free text on text and returns
// one verdict per guard, in the order of AnswerGuards, each with all its
// violations (path AnswerPath):
//
//   - numeric: every number is one the evidence states, within rounding
//     or truncation (unbacked-number, percent-ratio-confusion); small
//     counting integers are free and digits inside names, ids, dates and
//     links are not numbers, exactly as for drafts.
//   - injection: no instruction-shaped text and no link.
//   - pii: nothing Redact would remove.
//   - language: English prose.
//
// It is pure and safe for concurrent use.
func CheckAnswer(text string, ev AnswerEvidence) []slorec.GuardVerdict {
	return []slorec.GuardVerdict{
		verdict(GuardNumeric, checkAnswerNumbers(text, answerBacking(ev))),
		verdict(GuardInjection, checkAnswerInjection(text)),
		verdict(GuardPII, checkAnswerPII(text)),
		verdict(GuardLanguage, checkAnswerLanguage(text)),
	}
}

// answerBacking collects the numbers ev states.
func answerBacking(ev AnswerEvidence) backing {
	var b backing
	b.addFacts(ev.Facts)
	for _, rec := range ev.Recommendations {
		if rec != nil {
			b = append(b, recommendationBacking(rec)...)
		}
	}
	for _, c := range ev.Citations {
		b.addText(c.Title, c.ID)
		b.addText(c.Snippet, c.ID)
	}
	for i, t := range ev.Texts {
		b.addText(t, fmt.Sprintf("text %d", i+1))
	}
	return b
}

func checkAnswerNumbers(text string, b backing) []slorec.Violation {
	var out []slorec.Violation
	seen := map[string]bool{}
	for _, n := range scanNumbers(text) {
		if smallCount(n) || seen[n.text] {
			continue
		}
		seen[n.text] = true
		ok, confused := b.match(n)
		switch {
		case ok:
		case confused != nil:
			out = append(out, slorec.Violation{Path: AnswerPath, Rule: RulePercentRatio, Got: n.text,
				Want: fmt.Sprintf("%s%% (%s is the ratio %s)", asPercent(confused.v, n), confused.src, formatNum(confused.v))})
		default:
			want := "a number the evidence states, within rounding"
			if near := b.nearest(n); near != "" {
				want = "nearest: " + near
			}
			out = append(out, slorec.Violation{Path: AnswerPath, Rule: RuleUnbackedNumber, Got: n.text, Want: want})
		}
	}
	return out
}

func checkAnswerInjection(text string) []slorec.Violation {
	const want = "an answer with no instructions, role markers, tool directives or links"
	var out []slorec.Violation
	for _, f := range ScreenInjection(text) {
		out = append(out, slorec.Violation{Path: AnswerPath, Rule: RuleInjection, Got: f.Rule + ": " + f.Excerpt, Want: want})
	}
	for _, l := range link.FindAllString(text, 3) {
		out = append(out, slorec.Violation{Path: AnswerPath, Rule: RuleInjection, Got: "link: " + clip(l), Want: want})
	}
	return out
}

func checkAnswerPII(text string) []slorec.Violation {
	var out []slorec.Violation
	_, reds := Redact(text)
	for _, r := range reds {
		out = append(out, slorec.Violation{Path: AnswerPath, Rule: RulePII, Got: r.Kind, Want: "no personal data or secrets"})
	}
	return out
}

// checkAnswerLanguage is the draft language guard on one field: the
// script test, then the function-word test, held to the whole-prose
// threshold too.
func checkAnswerLanguage(text string) []slorec.Violation {
	if got, ok := scriptTest(text); !ok {
		return []slorec.Violation{{Path: AnswerPath, Rule: RuleNotEnglish, Got: got, Want: "English prose"}}
	}
	if got, ok := wordTest(text, true); !ok {
		return []slorec.Violation{{Path: AnswerPath, Rule: RuleNotEnglish, Got: got, Want: "English prose"}}
	}
	return nil
}

// BackedNumbers reads the numbers written in text (not counting words 0
// to 10 without a unit, nor digits that are part of names) and returns
// them as written, with those that no fact of facts backs: a fact's value
// (a ratio also as a percent and as its complement) or a number written in
// its statement, within the rounding the text uses. It is the numeric
// guard with only the given facts as evidence, for measures that hold a
// claim to the facts it cites.
func BackedNumbers(text string, facts []slorec.Fact) (all, unbacked []string) {
	b := answerBacking(AnswerEvidence{Facts: facts})
	for _, n := range scanNumbers(text) {
		if smallCount(n) {
			continue
		}
		all = append(all, n.text)
		if ok, _ := b.match(n); !ok {
			unbacked = append(unbacked, n.text)
		}
	}
	return all, unbacked
}
