package guardrails

import (
	"fmt"
	"strings"

	"github.com/slorec/slorec"
)

// RepairPrompt turns failed verdicts into the message the drafting layer
// sends back to the model: one plain-English line per violation, in
// guard order, and what to do about it. It is "" when every verdict
// passed. not-run violations are left out (they clear once the draft
// decodes), and text copied from the draft is withheld where it is
// injection-shaped or where the rule is injection or pii, so a repair
// round never feeds an attack or a secret back to the model.
func RepairPrompt(verdicts []slorec.GuardVerdict) string {
	var lines []string
	for _, v := range verdicts {
		for _, x := range v.Violations {
			if x.Rule == RuleNotRun {
				continue
			}
			lines = append(lines, "- "+repairLine(v.Guard, x))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Your draft failed %d guardrail check%s. Fix every item below and answer with the whole corrected draft: one JSON object matching the draft schema, with no code fence and no other text. Use only the facts, candidates and retrieved chunks you were given.\n", len(lines), plural(len(lines)))
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteString("\n")
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// repairLine writes one violation as an instruction.
func repairLine(guard string, x slorec.Violation) string {
	where := x.Path
	if where == "" {
		where = "the draft"
	}
	got, want := safe(x.Got), safe(x.Want)
	switch x.Rule {
	case RuleTooLarge:
		return fmt.Sprintf("%s is %s; keep it to %s by shortening the summary, claims and risks.", where, got, want)
	case RuleMalformedJSON:
		return fmt.Sprintf("%s is not valid: %s; answer with %s.", where, got, want)
	case RuleSchema:
		return fmt.Sprintf("%s breaks the draft schema: %s (%s).", where, got, want)
	case RuleSchemaMissing:
		return fmt.Sprintf("%s could not be checked against the schema; resend it unchanged.", where)
	case RuleUnbackedNumber:
		return fmt.Sprintf("%s: %s is not a number the engine stated; %s. Use a value from the facts or candidates, rounded or truncated, or leave the number out.", where, got, want)
	case RulePercentRatio:
		return fmt.Sprintf("%s: %s confuses a ratio and a percent; write %s.", where, got, want)
	case RuleNotCandidate:
		return fmt.Sprintf("%s: %s is not one of the engine's candidates; use %s.", where, got, want)
	case RuleAboveCeiling:
		return fmt.Sprintf("%s: %s is above the dependency ceiling; use a candidate %s.", where, got, want)
	case RuleBelowFloor:
		return fmt.Sprintf("%s: %s ms is below the dependency floor; use a candidate %s.", where, got, want)
	case RuleTierMismatch:
		return fmt.Sprintf("%s: the tier does not fit (%s); make chosen_tier and the targets agree: %s.", where, got, want)
	case RuleInfeasible:
		return fmt.Sprintf("%s: %s is a candidate the engine marked infeasible; use %s.", where, got, want)
	case RuleDuplicateSLI:
		return fmt.Sprintf("%s: a second %s target; give %s.", where, got, want)
	case RuleUnknownFact:
		return fmt.Sprintf("%s: %s is not a fact of this recommendation; cite %s.", where, got, want)
	case RuleNotRetrieved:
		return fmt.Sprintf("%s: %s was not retrieved for this request; cite only %s.", where, got, want)
	case RuleUncitedClaim:
		return fmt.Sprintf("%s: the claim cites nothing; add the fact ids or citation ids that back it, or drop the claim.", where)
	case RuleInjection:
		rule, _, _ := strings.Cut(x.Got, ":")
		return fmt.Sprintf("%s: remove the %s text; %s.", where, rule, x.Want)
	case RulePII:
		return fmt.Sprintf("%s: remove the %s; the draft must hold no personal data or secrets.", where, got)
	case RuleNotEnglish:
		return fmt.Sprintf("%s: write it in English (%s).", where, got)
	}
	return fmt.Sprintf("%s: %s failed %s: %s (want %s).", where, guard, x.Rule, got, want)
}

// safe withholds text that is itself injection-shaped.
func safe(s string) string {
	if len(ScreenInjection(s)) > 0 {
		return "(text withheld: it reads as instructions)"
	}
	return s
}
