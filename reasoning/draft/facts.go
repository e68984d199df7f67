package draft

import (
	"strings"

	"github.com/slorec/slorec"
)

// role is what a fact says, recognised from the engine's statements
// (reasoning/recommend/build.go writes them). A fact of no known role is
// still cited where an objective lists it, just not quoted.
type role int

const (
	roleOther role = iota
	roleObserved
	roleCI
	roleNeed
	roleIntrinsic
	roleHardDep
	roleExcluded
	roleCeiling
	roleBinding
	rolePromise
	roleLevel
	roleAvailTarget
	roleCurrentAvail
	roleNoFeasible
	roleLatObserved
	roleFloor
	rolePathBound
	roleMonteCarlo
	roleThreshold
	roleLatTarget
	roleCurrentLat
	roleAttainment
	roleConfidence
)

// roleRules are tried in order; the first match wins. Order matters where
// statements share words ("intrinsic availability ... needs" is a need).
var roleRules = []struct {
	role   role
	prefix string // the statement starts with it
	has    string // the statement contains it
}{
	{role: roleNoFeasible, prefix: "no availability SLO is feasible"},
	{role: roleNeed, has: " needs from "},
	{role: roleNeed, has: " needs with its dependencies"},
	{role: roleCI, has: "bootstrap interval"},
	{role: roleIntrinsic, has: " intrinsic availability ("},
	{role: roleHardDep, prefix: "hard dependency "},
	{role: roleExcluded, has: " does not cap its availability"},
	{role: roleCeiling, has: " availability ceiling from its dependencies"},
	{role: roleBinding, prefix: "the tightest dependency of "},
	{role: rolePromise, has: " ceiling with every hard dependency held to its recommended SLO"},
	{role: roleLevel, has: " availability met in "},
	{role: roleAvailTarget, prefix: "recommended ", has: " availability SLO for "},
	{role: roleCurrentAvail, prefix: "current availability SLO of "},
	{role: roleLatTarget, prefix: "recommended ", has: " latency SLO for "},
	{role: roleCurrentLat, prefix: "current latency SLO of "},
	{role: roleAttainment, prefix: "share of ", has: " requests under "},
	{role: roleLatObserved, has: " mean hourly p"},
	{role: roleFloor, has: " cannot be below "},
	{role: rolePathBound, prefix: "conservative p99 bound "},
	{role: roleMonteCarlo, prefix: "Monte Carlo "},
	{role: roleThreshold, has: " threshold (raw "},
	{role: roleConfidence, prefix: "confidence in the "},
	{role: roleObserved, has: " availability over "},
}

func classify(f slorec.Fact) role {
	s := f.Statement
	for _, r := range roleRules {
		if r.prefix != "" && !strings.HasPrefix(s, r.prefix) {
			continue
		}
		if r.has != "" && !strings.Contains(s, r.has) {
			continue
		}
		return r.role
	}
	return roleOther
}

// factIndex groups a recommendation's facts by role, in fact order.
type factIndex struct {
	byID   map[string]slorec.Fact
	byRole map[role][]slorec.Fact
}

func indexFacts(rec *slorec.Recommendation) *factIndex {
	ix := &factIndex{byID: map[string]slorec.Fact{}, byRole: map[role][]slorec.Fact{}}
	for _, f := range rec.Facts {
		ix.byID[f.ID] = f
		r := classify(f)
		ix.byRole[r] = append(ix.byRole[r], f)
	}
	return ix
}

// first returns the first fact of role r.
func (ix *factIndex) first(r role) (slorec.Fact, bool) {
	if l := ix.byRole[r]; len(l) > 0 {
		return l[0], true
	}
	return slorec.Fact{}, false
}

// among returns the first fact of role r whose id is in ids.
func (ix *factIndex) among(r role, ids []string) (slorec.Fact, bool) {
	for _, id := range ids {
		if f, ok := ix.byID[id]; ok && classify(f) == r {
			return f, true
		}
	}
	return slorec.Fact{}, false
}

// dependencyOf returns the dependency a fact is about: "payment-service"
// of "hard dependency payment-service of checkout-service ...", of "the
// tightest dependency of checkout-service is payment-service, which ..."
// and of "availability checkout-service needs from payment-service for
// ...".
func dependencyOf(f slorec.Fact) string {
	s := f.Statement
	word := func(after string) string {
		_, rest, ok := strings.Cut(s, after)
		if !ok {
			return ""
		}
		w, _, _ := strings.Cut(rest, " ")
		return strings.TrimRight(w, ",;:")
	}
	switch classify(f) {
	case roleHardDep:
		return word("hard dependency ")
	case roleBinding:
		return word(" is ")
	case roleNeed:
		return word(" needs from ")
	case roleExcluded:
		return word(" dependency ")
	case roleFloor:
		return word("synchronous dependency ")
	}
	return ""
}

// tail is a statement's text after its last ": ", the value as the
// statement reads it ("1.00 (high)").
func tail(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
