package guardrails

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/slorec/slorec"
)

var (
	// inlineFact is a fact id written in prose: "(F12)".
	inlineFact = regexp.MustCompile(`\bF[0-9]+\b`)
	// inlineCitation is a chunk id written in prose. The "#section" part
	// tells it from a ratio of words such as "good/total".
	inlineCitation = regexp.MustCompile(`\b[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9._-]*#[a-z0-9][a-z0-9-]*`)
)

// checkCitations is the citation guard: every fact id a claim cites is a
// fact of the recommendation, every citation id was retrieved for this
// request, and every claim cites at least one of the two. Ids written in
// the prose itself ("as F12 shows", "see runbook/x#y") are held to the
// same rules.
func checkCitations(d slorec.Draft, idx *evidenceIndex) []slorec.Violation {
	var out []slorec.Violation
	unknownFact := func(path, id string) {
		out = append(out, slorec.Violation{Path: path, Rule: RuleUnknownFact, Got: clip(id), Want: "a fact of this recommendation: " + idList(idx.factIDs)})
	}
	notRetrieved := func(path, id string) {
		out = append(out, slorec.Violation{Path: path, Rule: RuleNotRetrieved, Got: clip(id), Want: "a chunk retrieved for this request: " + idList(idx.citeIDs)})
	}
	for i, r := range d.Rationale {
		if len(r.FactIDs) == 0 && len(r.CitationIDs) == 0 {
			out = append(out, slorec.Violation{Path: fmt.Sprintf("rationale[%d]", i), Rule: RuleUncitedClaim, Got: clip(r.Claim),
				Want: "at least one fact id or citation id backing the claim"})
		}
		for j, id := range r.FactIDs {
			if !idx.facts[id] {
				unknownFact(fmt.Sprintf("rationale[%d].fact_ids[%d]", i, j), id)
			}
		}
		for j, id := range r.CitationIDs {
			if !idx.retrieved[id] {
				notRetrieved(fmt.Sprintf("rationale[%d].citation_ids[%d]", i, j), id)
			}
		}
	}
	for _, f := range prose(d) {
		seen := map[string]bool{}
		for _, id := range inlineFact.FindAllString(f.text, -1) {
			if !idx.facts[id] && !seen[id] {
				seen[id] = true
				unknownFact(f.path, id)
			}
		}
		for _, id := range inlineCitation.FindAllString(f.text, -1) {
			if !idx.retrieved[id] && !seen[id] {
				seen[id] = true
				notRetrieved(f.path, id)
			}
		}
	}
	return out
}

// idList writes ids for a violation's "want", at most 12 of them.
func idList(ids []string) string {
	switch {
	case len(ids) == 0:
		return "none"
	case len(ids) > 12:
		return strings.Join(ids[:12], ", ") + fmt.Sprintf(" and %d more", len(ids)-12)
	}
	return strings.Join(ids, ", ")
}
