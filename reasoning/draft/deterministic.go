package draft

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/slorec/slorec"
)

// Limits of a draft (schemas/draft.schema.json). Lengths are in bytes,
// which bounds the schema's character counts from above.
const (
	MaxSummary        = 600
	MaxClaim          = 400
	MaxRisk           = 300
	MaxConfidenceNote = 400
	MaxRationale      = 12
	MaxRisks          = 8
	MaxIDsPerItem     = 12
	// maxTitle bounds a source title quoted in a claim.
	maxTitle = 120
)

// Deterministic is the drafter that needs no model: it writes the draft
// from the recommendation's facts, objectives and flags with fixed
// phrasing, so the same request always gives byte-identical output. It is
// the default and the fallback when an LLM is down or its drafts are
// rejected.
//
// Every number it writes is quoted from a fact (as the fact's statement
// writes it) or an objective; text the engine wrote with other numbers
// (mitigations, confidence reasons) is shortened to its clauses whose
// numbers are facts. Each source is cited by at least one claim, chosen by
// the source's kind (runbook, postmortem, provider-sla, guide, policy,
// slo-template).
//
// A recommendation without objectives cannot be explained (a draft needs
// at least one target): Draft returns an EINVALID error. When no
// availability SLO is feasible (flag no-feasible-availability) the draft
// has only the latency target and says why.
type Deterministic struct{}

var _ Drafter = Deterministic{}

// Draft implements Drafter.
func (Deterministic) Draft(_ context.Context, req Request) (Result, error) {
	start := time.Now()
	d, err := Write(req)
	if err != nil {
		return Result{Drafter: slorec.DrafterDeterministic}, err
	}
	raw, err := encode(d)
	if err != nil {
		return Result{Drafter: slorec.DrafterDeterministic}, err
	}
	return Result{Raw: raw, Drafter: slorec.DrafterDeterministic, Latency: time.Since(start)}, nil
}

// encode writes d as compact JSON without HTML escaping ("->" stays
// readable), with no trailing newline.
func encode(d slorec.Draft) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, slorec.Errorf(slorec.EINTERNAL, "encode draft: %v", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Write returns the draft the Deterministic drafter encodes, as a value,
// with the same errors.
func Write(req Request) (slorec.Draft, error) {
	rec := req.Recommendation
	if rec == nil {
		return slorec.Draft{}, slorec.Errorf(slorec.EINVALID, "draft: no recommendation")
	}
	if len(rec.Objectives) == 0 {
		return slorec.Draft{}, slorec.Errorf(slorec.EINVALID, "draft: the %s recommendation has no objective to explain (flags: %s)", rec.Service, strings.Join(rec.Flags, ", "))
	}
	sources, err := uniqueSources(req.Sources)
	if err != nil {
		return slorec.Draft{}, err
	}
	w := &writer{rec: rec, ix: indexFacts(rec), nums: allowedNumbers(rec), svc: rec.Service}
	for i := range rec.Objectives {
		switch o := &rec.Objectives[i]; o.SLI {
		case slorec.Availability:
			w.avail = o
		case slorec.Latency:
			w.lat = o
		}
	}
	d := slorec.Draft{Risks: []string{}}
	for _, o := range rec.Objectives {
		d.Targets = append(d.Targets, slorec.DraftTarget{SLI: o.SLI, Target: o.Target, ThresholdMs: o.ThresholdMs})
	}
	d.ChosenTier = rec.Objectives[0].Tier
	if w.avail != nil {
		d.ChosenTier = w.avail.Tier
	}
	d.Summary = clip(w.summary(), MaxSummary)
	claims := w.claims()
	if len(claims) == 0 {
		return slorec.Draft{}, slorec.Errorf(slorec.EINVALID, "draft: the %s recommendation has no facts to cite", rec.Service)
	}
	if len(claims) > MaxRationale-1 && len(sources) > 0 {
		claims = claims[:MaxRationale-1]
	}
	more, err := w.sourceClaims(sources, MaxRationale-len(claims))
	if err != nil {
		return slorec.Draft{}, err
	}
	d.Rationale = append(claims, more...)
	if len(d.Rationale) > MaxRationale {
		d.Rationale = d.Rationale[:MaxRationale]
	}
	d.Risks = w.risks(req.Tier, d.ChosenTier)
	d.ConfidenceNote = clip(w.confidenceNote(), MaxConfidenceNote)
	if err := w.check(d); err != nil {
		return slorec.Draft{}, err
	}
	return d, nil
}

// uniqueSources drops repeated ids, keeping the first; an id is required.
func uniqueSources(in []Source) ([]Source, error) {
	seen := map[string]bool{}
	var out []Source
	for i, s := range in {
		if strings.TrimSpace(s.ID) == "" {
			return nil, slorec.Errorf(slorec.EINVALID, "draft: source %d has no citation id", i+1)
		}
		if !seen[s.ID] {
			seen[s.ID] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// writer holds what the phrasing functions share.
type writer struct {
	rec        *slorec.Recommendation
	ix         *factIndex
	nums       *numberSet
	svc        string
	avail, lat *slorec.Objective
}

// boundFact is the fact whose value is the availability bound: the
// promise (dependencies held to their recommended SLOs) or the ceiling.
func (w *writer) boundFact() (slorec.Fact, bool) {
	if w.avail == nil {
		return slorec.Fact{}, false
	}
	for _, r := range []role{rolePromise, roleCeiling} {
		if f, ok := w.ix.among(r, w.avail.FactIDs); ok && near(f.Value, w.avail.Bound) {
			return f, true
		}
	}
	return slorec.Fact{}, false
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

func (w *writer) summary() string {
	var parts []string
	if o := w.avail; o != nil {
		s := "availability " + w.availTargetText() + " over " + num(float64(o.WindowDays)) + " days (" + o.Tier + " tier"
		if f, ok := w.boundFact(); ok {
			s += ", under the dependency bound " + display(f)
		}
		parts = append(parts, s+")")
	}
	if o := w.lat; o != nil {
		parts = append(parts, "latency "+w.latTargetText()+" (p"+num(o.Percentile)+", "+o.Tier+" tier)")
	}
	s := "For " + w.svc + ", slorec recommends " + strings.Join(parts, " and ") + "."
	if w.avail == nil {
		s = "For " + w.svc + ", no availability SLO is feasible; slorec recommends " + strings.Join(parts, " and ") + "."
	}
	if f, ok := w.ix.first(roleConfidence); ok {
		s += " Confidence is " + tail(f.Statement) + "."
	}
	if w.rec.NeedsReview {
		s += " A human should review it before it is adopted."
	}
	return s
}

// availTargetText is the availability target as its fact reads.
func (w *writer) availTargetText() string {
	if f, ok := w.ix.among(roleAvailTarget, w.avail.FactIDs); ok {
		return display(f)
	}
	return pct(w.avail.Target)
}

// latTargetText reads "under 650 ms for 95% of requests over 30 days".
func (w *writer) latTargetText() string {
	o := w.lat
	th := ms(o.ThresholdMs)
	if f, ok := w.ix.among(roleLatTarget, o.FactIDs); ok {
		th = display(f)
	}
	return "under " + th + " for " + pct(o.Target) + " of requests over " + num(float64(o.WindowDays)) + " days"
}

// claim builds a rationale item from facts (ids deduplicated, at most
// MaxIDsPerItem, in the order given) and prose.
func claim(text string, facts ...slorec.Fact) slorec.RationaleItem {
	var ids []string
	for _, f := range facts {
		if f.ID != "" && !slices.Contains(ids, f.ID) && len(ids) < MaxIDsPerItem {
			ids = append(ids, f.ID)
		}
	}
	return slorec.RationaleItem{Claim: clip(text, MaxClaim), FactIDs: ids, CitationIDs: []string{}}
}

func (w *writer) claims() []slorec.RationaleItem {
	var out []slorec.RationaleItem
	add := func(c slorec.RationaleItem, ok bool) {
		if ok && len(c.FactIDs) > 0 {
			out = append(out, c)
		}
	}
	add(w.observedClaim())
	dep, okDep := w.dependencyClaim()
	ex, okEx := w.excludedClaim()
	if okDep && okEx && len(dep.Claim)+1+len(ex.Claim) <= MaxClaim && len(dep.FactIDs)+len(ex.FactIDs) <= MaxIDsPerItem {
		dep.Claim += " " + ex.Claim
		dep.FactIDs = append(dep.FactIDs, ex.FactIDs...)
		okEx = false
	}
	add(dep, okDep)
	add(ex, okEx)
	add(w.availTargetClaim())
	add(w.currentAvailClaim())
	add(w.noFeasibleClaim())
	add(w.latencyObservedClaim())
	add(w.floorClaim())
	add(w.latTargetClaim())
	add(w.currentLatClaim())
	return out
}

func (w *writer) observedClaim() (slorec.RationaleItem, bool) {
	obs, ok := w.ix.first(roleObserved)
	if !ok {
		return slorec.RationaleItem{}, false
	}
	text := "Measured: " + obs.Statement
	facts := []slorec.Fact{obs}
	if ci := w.ix.byRole[roleCI]; len(ci) == 2 {
		text += "; its bootstrap interval runs from " + display(ci[0]) + " to " + display(ci[1])
		facts = append(facts, ci...)
	}
	return claim(text+".", facts...), true
}

// dependencyClaim names the hard dependencies, the ceiling they allow and
// the tightest of them.
func (w *writer) dependencyClaim() (slorec.RationaleItem, bool) {
	ceil, ok := w.ix.first(roleCeiling)
	if !ok {
		return slorec.RationaleItem{}, false
	}
	deps := w.ix.byRole[roleHardDep]
	intr, hasIntr := w.ix.first(roleIntrinsic)
	bind, hasBind := w.ix.first(roleBinding)
	var facts []slorec.Fact
	var text string
	if len(deps) == 0 {
		text = w.svc + " has no hard dependency that caps it"
	} else {
		// The binding dependency first, so it is named and cited even
		// when the list is cut.
		if hasBind {
			deps = bindingFirst(deps, bind)
		}
		var names []string
		for i, d := range deps {
			name := dependencyOf(d) + " (" + display(d) + ")"
			if i >= 4 || len(strings.Join(names, ", "))+len(name) > 160 {
				names = append(names, "others")
				break
			}
			names = append(names, name)
		}
		text = w.svc + " depends hard on " + joinAnd(names)
	}
	if hasIntr {
		text += "; with its own intrinsic availability of " + display(intr) + ", the ceiling from its dependencies as they are is " + display(ceil)
		facts = append(facts, intr)
	} else {
		text += "; the ceiling from its dependencies as they are is " + display(ceil)
	}
	facts = append(facts, ceil)
	if hasBind {
		text += ". The tightest is " + dependencyOf(bind) + ", which alone caps it at " + display(bind)
		facts = append(facts, bind)
	}
	facts = append(facts, deps...)
	return claim(text+".", facts...), true
}

func (w *writer) excludedClaim() (slorec.RationaleItem, bool) {
	ex := w.ix.byRole[roleExcluded]
	if len(ex) == 0 {
		return slorec.RationaleItem{}, false
	}
	var parts []string
	for _, f := range ex {
		parts = append(parts, f.Statement)
	}
	return claim("Not counted in the ceiling: "+strings.Join(parts, "; ")+".", ex...), true
}

// availTargetClaim says which candidate was chosen and why it fits.
func (w *writer) availTargetClaim() (slorec.RationaleItem, bool) {
	o := w.avail
	if o == nil {
		return slorec.RationaleItem{}, false
	}
	tf, ok := w.ix.among(roleAvailTarget, o.FactIDs)
	if !ok {
		return slorec.RationaleItem{}, false
	}
	facts := []slorec.Fact{tf}
	text := "The recommended " + o.Tier + " availability SLO is " + display(tf) + " over " + num(float64(o.WindowDays)) + " days"
	levels := w.ix.byRole[roleLevel]
	if i := slices.Index([]string{"conservative", "balanced", "aspirational"}, o.Tier); i >= 0 && len(levels) == 3 {
		text += "; " + levels[i].Statement
	}
	if o.Tier == "ceiling" {
		text += ": no measured tier fits under the dependency bound, so the target is the bound rounded down"
	}
	facts = append(facts, levels...)
	if bf, ok := w.boundFact(); ok {
		if classify(bf) == rolePromise {
			text += ". With every hard dependency held to its recommended SLO the ceiling is " + display(bf) + ", the bound no target may exceed"
		} else {
			text += ". The bound no target may exceed is the ceiling " + display(bf)
		}
		facts = append(facts, bf)
	}
	var above []string
	for _, c := range o.Candidates {
		if !c.Feasible && !slices.Contains(above, pct(c.Target)) {
			above = append(above, pct(c.Target))
		}
	}
	if len(above) > 0 {
		text += "; the candidates at " + joinAnd(above) + " are above it"
	}
	return claim(text+".", facts...), true
}

func (w *writer) currentAvailClaim() (slorec.RationaleItem, bool) {
	o := w.avail
	if o == nil || o.Current == nil {
		return slorec.RationaleItem{}, false
	}
	chk := o.Current
	cur, ok := w.ix.among(roleCurrentAvail, chk.FactIDs)
	if !ok {
		return slorec.RationaleItem{}, false
	}
	ceil, hasCeil := w.ix.among(roleCeiling, chk.FactIDs)
	facts := []slorec.Fact{cur}
	text := "The current availability SLO of " + display(cur)
	switch {
	case chk.Feasible && hasCeil:
		text += " fits under the ceiling " + display(ceil) + " of its dependencies as they are"
		facts = append(facts, ceil)
		if bf, ok := w.boundFact(); ok && bf.Value < cur.Value && classify(bf) == rolePromise {
			text += ", but not under " + display(bf) + ", the ceiling with every hard dependency held to its recommended SLO"
			facts = append(facts, bf)
		}
	case chk.Feasible:
		text += " is feasible"
	case hasCeil:
		text += " is above the ceiling " + display(ceil) + " its dependencies allow, so it cannot be met as they are"
		facts = append(facts, ceil)
	default:
		text += " cannot be met with its dependencies as they are"
	}
	var needs []string
	for _, id := range chk.FactIDs {
		f, ok := w.ix.byID[id]
		if !ok || classify(f) != roleNeed {
			continue
		}
		facts = append(facts, f)
		if dep := dependencyOf(f); dep != "" {
			needs = append(needs, dep+" at "+display(f))
		} else {
			needs = append(needs, "its own intrinsic availability at "+display(f))
		}
	}
	if len(needs) > 0 {
		text += "; it would need " + joinOr(needs)
	}
	return claim(text+".", facts...), true
}

func (w *writer) noFeasibleClaim() (slorec.RationaleItem, bool) {
	f, ok := w.ix.first(roleNoFeasible)
	if !ok || w.avail != nil {
		return slorec.RationaleItem{}, false
	}
	return claim("No availability target is recommended: "+f.Statement+".", f), true
}

func (w *writer) latencyObservedClaim() (slorec.RationaleItem, bool) {
	var facts []slorec.Fact
	var parts []string
	for _, r := range []role{roleLatObserved, roleMonteCarlo, rolePathBound} {
		if f, ok := w.ix.first(r); ok && len(strings.Join(parts, "; "))+len(f.Statement) < MaxClaim-20 {
			facts = append(facts, f)
			parts = append(parts, f.Statement)
		}
	}
	if len(parts) == 0 {
		return slorec.RationaleItem{}, false
	}
	return claim("Measured: "+strings.Join(parts, "; ")+".", facts...), true
}

func (w *writer) floorClaim() (slorec.RationaleItem, bool) {
	f, ok := w.ix.first(roleFloor)
	if !ok {
		return slorec.RationaleItem{}, false
	}
	return claim("Latency floor: "+f.Statement+".", f), true
}

func (w *writer) latTargetClaim() (slorec.RationaleItem, bool) {
	o := w.lat
	if o == nil {
		return slorec.RationaleItem{}, false
	}
	tf, ok := w.ix.among(roleLatTarget, o.FactIDs)
	if !ok {
		return slorec.RationaleItem{}, false
	}
	facts := []slorec.Fact{tf}
	text := "The recommended " + o.Tier + " latency SLO is " + pct(o.Target) + " of requests under " + display(tf) + " over " + num(float64(o.WindowDays)) + " days"
	ths := w.ix.byRole[roleThreshold]
	for _, f := range ths {
		if strings.Contains(f.Statement, " "+o.Tier+" p") {
			text += "; " + f.Statement
			break
		}
	}
	facts = append(facts, ths...)
	if fl, ok := w.ix.first(roleFloor); ok {
		text += ", above the dependency floor " + display(fl)
		facts = append(facts, fl)
	}
	return claim(text+".", facts...), true
}

func (w *writer) currentLatClaim() (slorec.RationaleItem, bool) {
	o := w.lat
	if o == nil || o.Current == nil {
		return slorec.RationaleItem{}, false
	}
	chk := o.Current
	cur, ok := w.ix.among(roleCurrentLat, chk.FactIDs)
	if !ok {
		return slorec.RationaleItem{}, false
	}
	facts := []slorec.Fact{cur}
	text := "The current latency SLO, " + tail(cur.Statement) + ","
	fl, hasFloor := w.ix.first(roleFloor)
	switch {
	case chk.Feasible && hasFloor:
		text += " is above the dependency floor " + display(fl)
		facts = append(facts, fl)
	case chk.Feasible:
		text += " is feasible"
	case hasFloor:
		text += " is below the dependency floor " + display(fl) + ", so it cannot be met"
		facts = append(facts, fl)
	default:
		text += " cannot be met"
	}
	if att, ok := w.ix.among(roleAttainment, chk.FactIDs); ok {
		text += "; " + att.Statement
		if att.Value < chk.Target {
			text += ", so it is currently missed"
		}
		facts = append(facts, att)
	}
	return claim(text+".", facts...), true
}

// sourceClaims cites every source in at most slots claims: one claim per
// source when they fit; else as many as fit one to a claim and the rest
// in claims of up to MaxIDsPerItem.
func (w *writer) sourceClaims(sources []Source, slots int) ([]slorec.RationaleItem, error) {
	n := len(sources)
	if n == 0 {
		return nil, nil
	}
	single := -1
	for k := min(n, slots); k >= 0; k-- {
		if k+(n-k+MaxIDsPerItem-1)/MaxIDsPerItem <= slots {
			single = k
			break
		}
	}
	if single < 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "draft: %d sources are more than a draft can cite", n)
	}
	out := make([]slorec.RationaleItem, 0, slots)
	for _, s := range sources[:single] {
		out = append(out, w.sourceClaim(s))
	}
	for group := range slices.Chunk(sources[single:], MaxIDsPerItem) {
		out = append(out, w.groupClaim(group))
	}
	return out, nil
}

func kindOf(s Source) string { return strings.ToLower(strings.TrimSpace(s.Kind)) }

// titleOf quotes a source's title for prose, or names it by kind when the
// title has digits (a year, a region) that no fact backs.
func titleOf(s Source) string {
	t := strings.Join(strings.Fields(strings.ReplaceAll(s.Title, `"`, "'")), " ")
	if t == "" || strings.ContainsAny(t, "0123456789") {
		k := kindOf(s)
		if k == "" {
			k = "source"
		}
		return "the cited " + strings.ReplaceAll(k, "-", " ")
	}
	return `"` + clip(t, maxTitle) + `"`
}

// bindingFirst returns a copy of the hard dependency facts with the
// binding dependency's first.
func bindingFirst(deps []slorec.Fact, bind slorec.Fact) []slorec.Fact {
	out := slices.Clone(deps)
	if i := slices.IndexFunc(out, func(f slorec.Fact) bool { return dependencyOf(f) == dependencyOf(bind) }); i > 0 {
		b := out[i]
		copy(out[1:i+1], out[:i])
		out[0] = b
	}
	return out
}

// genericWords are parts of service names that say nothing about which
// service a document is about.
var genericWords = map[string]bool{"service": true, "services": true, "api": true, "db": true, "cache": true,
	"events": true, "queue": true, "external": true, "internal": true, "gateway": true, "server": true, "app": true}

// relatedDependency is the hard dependency a source is about: the first
// (tightest first) whose name, or a distinctive part of it ("payment" of
// payment-service), the source's id, title or text mentions.
func (w *writer) relatedDependency(s Source) (string, slorec.Fact, bool) {
	deps := w.ix.byRole[roleHardDep]
	if bind, ok := w.ix.first(roleBinding); ok {
		deps = bindingFirst(deps, bind)
	}
	hay := strings.ToLower(s.ID + " " + s.Title + " " + s.Text)
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(hay, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) {
		words[w] = true
	}
	for _, f := range deps {
		if name := dependencyOf(f); name != "" && strings.Contains(hay, strings.ToLower(name)) {
			return name, f, true
		}
	}
	for _, f := range deps {
		name := dependencyOf(f)
		for _, part := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			if len(part) >= 4 && !genericWords[part] && words[part] {
				return name, f, true
			}
		}
	}
	return "", slorec.Fact{}, false
}

// sourceClaim says what a source is cited for, by its kind and the
// dependency it is about, and cites the facts it bears on.
func (w *writer) sourceClaim(s Source) slorec.RationaleItem {
	title := titleOf(s)
	dep, depFact, hasDep := w.relatedDependency(s)
	var text string
	var facts []slorec.Fact
	if hasDep {
		facts = append(facts, depFact)
	}
	switch k := kindOf(s); {
	case k == "runbook" && hasDep:
		text = "See " + title + " for the response when " + dep + " degrades."
	case k == "runbook" && len(w.ix.byRole[roleHardDep]) > 0:
		text = "See " + title + " for the response when a dependency of " + w.svc + " degrades or " + w.svc + " misses its objectives."
	case k == "runbook":
		text = "See " + title + " for the response when " + w.svc + " misses its objectives."
	case (k == "postmortem" || k == "incident") && hasDep:
		text = "See " + title + " for a real outage that shows what happens to " + w.svc + " when a hard dependency like " + dep + " fails."
	case k == "postmortem" || k == "incident":
		text = "See " + title + " for a real outage that shows how a hard dependency's failure reaches the services that depend on it, as " + w.svc + " does."
	case strings.Contains(k, "sla") && hasDep:
		text = "See " + title + " for the availability the provider behind " + dep + " commits to, the figure " + dep + " can be held to."
	case strings.Contains(k, "sla"):
		text = "See " + title + " for the availability a provider commits to, the figure a hard dependency can be held to."
	case k == "guide":
		text = "See " + title + " for the method behind these numbers."
		if f, ok := w.boundFact(); ok {
			facts = append(facts, f)
		}
	case k == "policy":
		text = "See " + title + " for what to do when " + w.svc + " exhausts its error budget."
	case strings.Contains(k, "template"):
		text = "See " + title + " for the template these targets are compared with."
	default:
		text = "See " + title + " for background on the objectives of " + w.svc + "."
	}
	for _, r := range []role{roleAvailTarget, roleLatTarget} {
		if len(facts) == 0 {
			if f, ok := w.ix.first(r); ok {
				facts = append(facts, f)
			}
		}
	}
	c := claim(text, facts...)
	c.CitationIDs = []string{s.ID}
	return c
}

// groupClaim cites several sources in one claim.
func (w *writer) groupClaim(group []Source) slorec.RationaleItem {
	var titles []string
	var ids []string
	for _, s := range group {
		ids = append(ids, s.ID)
		if t := titleOf(s); strings.HasPrefix(t, `"`) && len(strings.Join(titles, ", "))+len(t) < MaxClaim-120 {
			titles = append(titles, t)
		}
	}
	text := "Further sources bear on the objectives of " + w.svc
	if len(titles) > 0 {
		text += ": " + strings.Join(titles, ", ")
	}
	var facts []slorec.Fact
	if f, ok := w.ix.first(roleAvailTarget); ok {
		facts = append(facts, f)
	} else if f, ok := w.ix.first(roleLatTarget); ok {
		facts = append(facts, f)
	}
	c := claim(text+".", facts...)
	c.CitationIDs = ids
	return c
}

// sanitize keeps the clauses of engine text whose numbers are allowed;
// of a clause with other numbers it keeps the label before its colon
// ("extra-nine rule: ..."). It returns "" when nothing is left.
func (w *writer) sanitize(t string) string {
	t = strings.TrimSpace(t)
	if w.nums.safe(t) {
		return t
	}
	var b strings.Builder
	labelled := false
	for c := range strings.SplitSeq(t, "; ") {
		piece := c
		isLabel := false
		if !w.nums.safe(c) {
			label, _, ok := strings.Cut(c, ": ")
			if !ok || !w.nums.safe(label) || labelled {
				continue
			}
			piece, isLabel = label, true
		}
		switch {
		case b.Len() == 0:
		case labelled:
			b.WriteString(": ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(piece)
		labelled = isLabel
	}
	s := b.String()
	if labelled { // a label with nothing after it
		if i := strings.LastIndex(s, "; "); i >= 0 {
			return s[:i]
		}
		return ""
	}
	return s
}

// flagRisks phrases the engine's flags; flags that other text already
// covers, or that say nothing to a reader, are left out.
func (w *writer) flagRisk(flag string) string {
	switch flag {
	case "current-slo-infeasible", "committed-above-ceiling":
		return "A current SLO of " + w.svc + " cannot be met with its dependencies as they are; see the mitigations."
	case "current-slo-breached":
		return "The current latency SLO of " + w.svc + " is being missed."
	case "target-at-ceiling":
		return "No measured tier fits under the dependency bound, so the availability target sits at the bound with little margin."
	case "below-ladder":
		return "The dependency bound is below the lowest rung of the target ladder; the availability target is the bound itself."
	case "no-feasible-availability":
		return "No availability SLO is feasible for " + w.svc + ": its dependencies and its own history allow almost no successful requests."
	case "no-metrics", "no-observed":
		return w.svc + " has no measured availability; its targets rest on the dependency graph and priors."
	case "no-latency-data":
		return "There is no latency data for " + w.svc + ", so no latency SLO is recommended."
	case "low-confidence":
		return "Confidence is low, so the conservative tier was chosen."
	case "cycle":
		return w.svc + " is on a dependency cycle; ceilings inside it rest on observed availabilities."
	case "missing-dependency", "missing":
		return "A dependency of " + w.svc + " is declared in no catalog; its figures are priors by kind."
	case "prior-used":
		return "Some availability figures are priors by service kind, not measurements."
	case "published-sla-used":
		return "Some availability figures are published SLAs, not measurements."
	case "intrinsic-capped":
		return w.svc + " is observed more available than its hard dependencies allow: an edge may not be hard, or its call ratio is overstated."
	case "missing-latency":
		return "A service on the critical path has no latency data and counts as zero, so the latency bound is optimistic."
	}
	return "Engine flag: " + flag + "."
}

func (w *writer) risks(requested, chosen string) []string {
	out := []string{}
	add := func(s string) {
		s = clip(strings.TrimSpace(s), MaxRisk)
		if s != "" && w.nums.safe(s) && !slices.Contains(out, s) && len(out) < MaxRisks {
			out = append(out, s)
		}
	}
	if w.rec.NeedsReview {
		add("This recommendation needs human review before it is adopted.")
	}
	if requested != "" && requested != chosen {
		add("The " + requested + " tier was requested; the recommendation uses the " + chosen + " tier, because low confidence forces conservative or the requested tier does not fit under the dependency bound.")
	}
	for _, f := range w.rec.Flags {
		add(w.flagRisk(f))
	}
	for _, o := range w.rec.Objectives {
		for _, m := range o.Mitigations {
			if s := strings.TrimPrefix(w.sanitize(m), "or "); s != "" {
				add("Mitigation: " + fit(s, MaxRisk-len("Mitigation: ")))
			}
		}
	}
	return out
}

func (w *writer) confidenceNote() string {
	s := "Confidence " + num(w.rec.Confidence)
	if f, ok := w.ix.first(roleConfidence); ok {
		s = "Confidence " + tail(f.Statement)
	}
	var kept []string
	dropped := false
	for _, r := range w.rec.ConfidenceReasons {
		if r = w.sanitize(r); r != "" && len(s)+len(strings.Join(kept, "; "))+len(r) < MaxConfidenceNote-120 {
			kept = append(kept, r)
		} else {
			dropped = true
		}
	}
	if len(kept) > 0 {
		s += ": " + strings.Join(kept, "; ")
	}
	s += "."
	if dropped {
		s += " Further reasons are listed with the recommendation."
	}
	if w.rec.NeedsReview {
		s += " It needs human review."
	}
	return s
}

// check is the drafter's own guard: every number in the prose is allowed
// and every cited fact exists. A failure is a bug in this file.
func (w *writer) check(d slorec.Draft) error {
	texts := []string{d.Summary, d.ConfidenceNote}
	texts = append(texts, d.Risks...)
	for _, r := range d.Rationale {
		texts = append(texts, r.Claim)
		for _, id := range r.FactIDs {
			if _, ok := w.ix.byID[id]; !ok {
				return slorec.Errorf(slorec.EINTERNAL, "draft: claim cites unknown fact %s", id)
			}
		}
	}
	for _, t := range texts {
		if bad := w.nums.unknown(t); len(bad) > 0 {
			return slorec.Errorf(slorec.EINTERNAL, "draft: numbers %s in %q come from no fact", strings.Join(bad, ", "), t)
		}
	}
	return nil
}

// parenthetical is a " (...)" aside without nested parentheses.
var parenthetical = regexp.MustCompile(` \([^()]*\)`)

// fit shortens engine text to n bytes by what matters least: asides in
// parentheses from the last, then trailing "; " clauses, then a clip.
func fit(s string, n int) string {
	for len(s) > n {
		locs := parenthetical.FindAllStringIndex(s, -1)
		if len(locs) == 0 {
			break
		}
		last := locs[len(locs)-1]
		s = s[:last[0]] + s[last[1]:]
	}
	for len(s) > n {
		i := strings.LastIndex(s, "; ")
		if i < 0 {
			break
		}
		s = s[:i]
	}
	return clip(s, n)
}

// clip shortens s to at most n bytes at a word boundary, marking the cut
// with "...". Cutting at a space never splits a number or a UTF-8
// sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n-3]
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "..."
}

func joinAnd(l []string) string { return joinList(l, " and ") }
func joinOr(l []string) string  { return joinList(l, " or ") }

func joinList(l []string, last string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	return strings.Join(l[:len(l)-1], ", ") + last + l[len(l)-1]
}
