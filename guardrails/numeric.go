package guardrails

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
)

// evidenceIndex is Evidence arranged for lookups.
type evidenceIndex struct {
	numbers   backing
	byCite    map[string]backing // numbers in each retrieved chunk's title and snippet
	facts     map[string]bool
	factIDs   []string
	retrieved map[string]bool
	citeIDs   []string
	// statements are the engine's fact statements, for names it states.
	statements []string
}

// stated reports whether the engine's facts write s verbatim.
func (idx *evidenceIndex) stated(s string) bool {
	for _, st := range idx.statements {
		if strings.Contains(st, s) {
			return true
		}
	}
	return false
}

func newEvidenceIndex(ev Evidence) *evidenceIndex {
	idx := &evidenceIndex{byCite: map[string]backing{}, facts: map[string]bool{}, retrieved: map[string]bool{}}
	if rec := ev.Recommendation; rec != nil {
		idx.numbers = recommendationBacking(rec)
		for _, f := range rec.Facts {
			idx.statements = append(idx.statements, f.Statement)
			if !idx.facts[f.ID] {
				idx.facts[f.ID] = true
				idx.factIDs = append(idx.factIDs, f.ID)
			}
		}
	}
	for _, c := range ev.Retrieved {
		var b backing
		b.addText(c.Title, c.ID)
		b.addText(c.Snippet, c.ID)
		idx.byCite[c.ID] = append(idx.byCite[c.ID], b...)
		if !idx.retrieved[c.ID] {
			idx.retrieved[c.ID] = true
			idx.citeIDs = append(idx.citeIDs, c.ID)
		}
	}
	return idx
}

// addFacts adds what facts state: each value by its unit (a score also as
// a plain number) and the numbers written in each statement.
func (b *backing) addFacts(facts []slorec.Fact) {
	for _, f := range facts {
		switch f.Unit {
		case "ratio", "probability":
			b.add(f.Value, kindRatio, f.ID)
		case "percent":
			b.add(f.Value, kindPercent, f.ID)
		case "score":
			b.add(f.Value, kindRatio, f.ID)
			b.add(f.Value, kindPlain, f.ID)
		default:
			b.add(f.Value, kindPlain, f.ID)
		}
		b.addText(f.Statement, f.ID)
	}
}

// recommendationBacking collects every number the engine stated in rec:
// fact values and the numbers in fact statements; objective targets,
// thresholds, percentiles, windows and bounds; the current SLO's target,
// threshold and headroom; candidate targets, thresholds and breach
// probabilities; the confidence; and the numbers in the engine's reasons,
// sources and mitigations. Ratios also back their complement.
func recommendationBacking(rec *slorec.Recommendation) backing {
	var b backing
	b.addFacts(rec.Facts)
	for _, o := range rec.Objectives {
		src := string(o.SLI) + " objective"
		b.add(o.Target, kindRatio, src+" target")
		b.addSet(o.ThresholdMs, kindPlain, src+" threshold")
		b.addSet(o.Percentile, kindPlain, src+" percentile")
		b.add(float64(o.WindowDays), kindPlain, src+" window")
		if o.SLI == slorec.Latency {
			b.addSet(o.Bound, kindPlain, src+" floor")
		} else {
			b.addSet(o.Bound, kindRatio, src+" ceiling")
		}
		b.addText(o.Source, src+" source")
		for _, m := range o.Mitigations {
			b.addText(m, src+" mitigation")
		}
		if c := o.Current; c != nil {
			b.add(c.Target, kindRatio, "current "+string(o.SLI)+" SLO")
			b.addSet(c.ThresholdMs, kindPlain, "current "+string(o.SLI)+" SLO")
			if o.SLI == slorec.Latency {
				b.add(c.Headroom, kindPlain, "current "+string(o.SLI)+" SLO headroom")
			} else {
				b.add(c.Headroom, kindRatio, "current "+string(o.SLI)+" SLO headroom")
			}
			b.addText(c.Reason, "current "+string(o.SLI)+" SLO")
		}
		for _, c := range o.Candidates {
			csrc := fmt.Sprintf("%s %s candidate", o.SLI, c.Tier)
			b.add(c.Target, kindRatio, csrc)
			b.addSet(c.ThresholdMs, kindPlain, csrc)
			b.add(c.BreachProbability, kindRatio, csrc+" breach probability")
			b.addText(c.Reason, csrc)
		}
	}
	b.add(rec.Confidence, kindRatio, "confidence")
	for _, r := range rec.ConfidenceReasons {
		b.addText(r, "confidence reasons")
	}
	return b
}

// checkNumbers is the numeric guard: every number in the prose must be
// one the engine stated (see recommendationBacking), within rounding, or
// one from a chunk the claim cites. Small counting integers are free
// (smallCount); digits inside names are not numbers (scanNumbers).
func checkNumbers(d slorec.Draft, idx *evidenceIndex) []slorec.Violation {
	var out []slorec.Violation
	for _, f := range prose(d) {
		seen := map[string]bool{}
		for _, n := range scanNumbers(f.text) {
			if smallCount(n) || seen[n.text] {
				continue
			}
			seen[n.text] = true
			ok, confused := idx.numbers.match(n)
			for _, id := range f.cites {
				if ok {
					break
				}
				ok, _ = idx.byCite[id].match(n)
			}
			switch {
			case ok:
			case confused != nil:
				out = append(out, slorec.Violation{Path: f.path, Rule: RulePercentRatio, Got: n.text,
					Want: fmt.Sprintf("%s%% (%s is the ratio %s)", asPercent(confused.v, n), confused.src, formatNum(confused.v))})
			default:
				want := "a number the engine stated, within rounding"
				if near := idx.numbers.nearest(n); near != "" {
					want = "nearest: " + near
				}
				out = append(out, slorec.Violation{Path: f.path, Rule: RuleUnbackedNumber, Got: n.text, Want: want})
			}
		}
	}
	return out
}

// asPercent writes ratio r as a percent with the digits the writer gave
// n: 0.995 written "0.995%" becomes "99.5", 0.99506 becomes "99.506". It
// never rounds up to 100.
func asPercent(r float64, n number) string {
	d := max(int(math.Round(-math.Log10(n.unit)))-2, 0)
	for ; d < 9; d++ {
		if p := math.Round(100*r*math.Pow10(d)) / math.Pow10(d); p < 100 || r >= 1 {
			return strconv.FormatFloat(p, 'f', d, 64)
		}
	}
	return formatNum(100 * r)
}
