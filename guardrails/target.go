package guardrails

import (
	"fmt"
	"math"
	"strings"

	"github.com/slorec/slorec"
)

// targetTolerance is how close a draft's target or threshold must be to
// the engine's: they are copied, not recomputed.
const targetTolerance = 1e-9

// checkTargets is the target guard. Each draft target must be a candidate
// of the recommendation's objective for its SLI (target, and threshold for
// latency, within 1e-9), and the candidate of chosen_tier. Where an
// objective has no candidate of that tier (the engine fell back to its
// "ceiling" tier for one SLI only), the engine's own pick for that SLI
// counts instead. Independently of candidates, an availability target is
// never above the objective's ceiling and a latency threshold never below
// its floor, when the engine knows the bound. A target between 1 and 100
// is a percent where a ratio belongs. One target per SLI.
func checkTargets(d slorec.Draft, rec *slorec.Recommendation) []slorec.Violation {
	var out []slorec.Violation
	var objectives []slorec.Objective
	if rec != nil {
		objectives = rec.Objectives
	}
	tiers := map[string]bool{}
	var tierList []string
	for _, o := range objectives {
		for _, c := range o.Candidates {
			if !tiers[c.Tier] {
				tiers[c.Tier] = true
				tierList = append(tierList, c.Tier)
			}
		}
	}
	if len(tiers) > 0 && !tiers[d.ChosenTier] {
		out = append(out, slorec.Violation{Path: "chosen_tier", Rule: RuleTierMismatch, Got: clip(d.ChosenTier),
			Want: "a tier the engine has candidates for: " + strings.Join(tierList, ", ")})
	}
	seen := map[slorec.SLIKind]bool{}
	for i, t := range d.Targets {
		path := fmt.Sprintf("targets[%d]", i)
		if seen[t.SLI] {
			out = append(out, slorec.Violation{Path: path + ".sli", Rule: RuleDuplicateSLI, Got: clip(string(t.SLI)), Want: "one target per SLI"})
			continue
		}
		seen[t.SLI] = true
		if t.Target > 1 && t.Target <= 100 {
			out = append(out, slorec.Violation{Path: path + ".target", Rule: RulePercentRatio, Got: formatNum(t.Target),
				Want: formatNum(t.Target/100) + ": targets are ratios, not percents"})
			continue
		}
		obj := objectiveFor(objectives, t.SLI)
		if obj == nil {
			var slis []string
			for _, o := range objectives {
				slis = append(slis, string(o.SLI))
			}
			want := "an SLI the engine recommended: " + strings.Join(slis, ", ")
			if len(slis) == 0 {
				want = "a recommendation with objectives"
			}
			out = append(out, slorec.Violation{Path: path + ".sli", Rule: RuleNotCandidate, Got: clip(string(t.SLI)), Want: want})
			continue
		}
		out = append(out, checkTarget(path, t, obj, d.ChosenTier, tiers[d.ChosenTier])...)
	}
	return out
}

func objectiveFor(objectives []slorec.Objective, sli slorec.SLIKind) *slorec.Objective {
	for i := range objectives {
		if objectives[i].SLI == sli {
			return &objectives[i]
		}
	}
	return nil
}

// checkTarget checks one target against its objective. knownTier reports
// whether chosen is a tier of some candidate in the recommendation.
func checkTarget(path string, t slorec.DraftTarget, obj *slorec.Objective, chosen string, knownTier bool) []slorec.Violation {
	var out []slorec.Violation
	latency := t.SLI == slorec.Latency
	bounded := false
	switch {
	case !latency && obj.Bound > 0 && t.Target > obj.Bound+targetTolerance:
		bounded = true
		out = append(out, slorec.Violation{Path: path + ".target", Rule: RuleAboveCeiling, Got: formatNum(t.Target),
			Want: "at most " + formatNum(obj.Bound) + ", the ceiling its dependencies allow"})
	case latency && obj.Bound > 0 && t.ThresholdMs < obj.Bound-targetTolerance:
		bounded = true
		out = append(out, slorec.Violation{Path: path + ".threshold_ms", Rule: RuleBelowFloor, Got: formatNum(t.ThresholdMs),
			Want: "at least " + formatNum(obj.Bound) + " ms, the floor its dependencies impose"})
	}

	var matches []slorec.Candidate
	targetMatches := false
	for _, c := range obj.Candidates {
		sameTarget := math.Abs(c.Target-t.Target) <= targetTolerance
		targetMatches = targetMatches || sameTarget
		if sameTarget && (!latency || math.Abs(c.ThresholdMs-t.ThresholdMs) <= targetTolerance) {
			matches = append(matches, c)
		}
	}
	if len(matches) == 0 {
		field := ".target"
		if latency && targetMatches {
			field = ".threshold_ms"
		}
		return append(out, slorec.Violation{Path: path + field, Rule: RuleNotCandidate, Got: describeTarget(t.SLI, t.Target, t.ThresholdMs),
			Want: "one of the engine's " + string(t.SLI) + " candidates: " + describeCandidates(t.SLI, obj.Candidates)})
	}

	var pick *slorec.Candidate
	hasTier := false
	for _, c := range obj.Candidates {
		hasTier = hasTier || (c.Tier == chosen && c.Feasible)
	}
	for i := range matches {
		if matches[i].Tier == chosen || (knownTier && !hasTier && matches[i].Tier == obj.Tier) {
			pick = &matches[i]
			break
		}
	}
	if pick == nil {
		if !knownTier {
			return out // chosen_tier itself is reported once
		}
		var tiers []string
		for _, c := range matches {
			tiers = append(tiers, c.Tier)
		}
		want := "chosen_tier " + strings.Join(tiers, " or ")
		for _, c := range obj.Candidates {
			if c.Tier == chosen {
				want += ", or the " + chosen + " candidate " + describeTarget(t.SLI, c.Target, c.ThresholdMs)
				break
			}
		}
		return append(out, slorec.Violation{Path: path, Rule: RuleTierMismatch,
			Got:  fmt.Sprintf("%s is the %s candidate, not the %s one", describeTarget(t.SLI, t.Target, t.ThresholdMs), strings.Join(tiers, "/"), chosen),
			Want: want})
	}
	if !pick.Feasible && !bounded {
		want := "a candidate the engine marked feasible"
		if pick.Reason != "" {
			want += " (" + clip(pick.Reason) + ")"
		}
		out = append(out, slorec.Violation{Path: path, Rule: RuleInfeasible, Got: describeTarget(t.SLI, t.Target, t.ThresholdMs) + " (" + pick.Tier + ")", Want: want})
	}
	return out
}

// describeTarget writes a target for a violation: "0.995", "0.95 under
// 650 ms".
func describeTarget(sli slorec.SLIKind, target, thresholdMs float64) string {
	if sli == slorec.Latency {
		return formatNum(target) + " under " + formatNum(thresholdMs) + " ms"
	}
	return formatNum(target)
}

func describeCandidates(sli slorec.SLIKind, cands []slorec.Candidate) string {
	if len(cands) == 0 {
		return "none"
	}
	var parts []string
	for _, c := range cands {
		s := describeTarget(sli, c.Target, c.ThresholdMs) + " (" + c.Tier
		if !c.Feasible {
			s += ", infeasible"
		}
		parts = append(parts, s+")")
	}
	return strings.Join(parts, ", ")
}
