// Package advisor strings the engine, retrieval, drafting and the
// guardrails into one guarded explanation of a recommendation: it builds a
// retrieval query from the recommendation's facts (the binding
// dependency and its kind, the SLIs at risk, the tier), retrieves,
// quarantines injection-shaped chunks, drafts with the configured drafter,
// checks the draft with every guardrail, gives a failing draft one repair
// attempt and then falls back to the deterministic drafter, and records
// every model call and fallback in the audit log.
//
// Retrieval and the audit log are reached through the small interfaces
// declared here; the guardrails are pure functions and are called
// directly.
package advisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
	"github.com/slorec/slorec/reasoning/draft"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/retrieval"
)

// Passage is one retrieved chunk.
type Passage struct {
	// ID is the citation id, kind/doc-id#section.
	ID      string
	Title   string
	Section string
	Kind    string
	Text    string
	// Flags are the indexer's marks ("injection:<rule>", "redacted:<kind>").
	Flags []string
}

// SearchFunc retrieves up to k passages for a query, best first. It
// returns an error only when the knowledge base is unreachable; the
// advisor then explains without citations and says so.
type SearchFunc func(ctx context.Context, query string, k int) ([]Passage, error)

// Auditor appends to the append-only audit log (store.Audit fits).
type Auditor interface {
	AppendAudit(ctx context.Context, rec slorec.AuditRecord) (slorec.AuditRecord, error)
}

// Actor is the audit actor of the advisor's records.
const Actor = "slorec/advisor"

// Audit actions.
const (
	ActionLLMCall  = "llm.call"
	ActionFallback = "explain.fallback"
)

// Advisor explains recommendations. The zero value explains with the
// deterministic drafter and no knowledge.
type Advisor struct {
	// Search finds knowledge; nil means no citations.
	Search SearchFunc
	// Drafter writes the first draft; nil means the deterministic one.
	Drafter draft.Drafter
	// DrafterName names Drafter for the record when its results do not
	// (an error before any call); "" is read from the results.
	DrafterName string
	// Audit receives every model call and every fallback; nil means none.
	Audit Auditor
	// K is how many chunks an explanation may cite; zero means 6.
	K int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Advise runs the engine for service over in and explains the result.
func (a *Advisor) Advise(ctx context.Context, in recommend.Input, service string, opt recommend.Options) (*slorec.Explanation, error) {
	now := a.clock()
	start := now()
	res, err := recommend.RecommendService(ctx, in, service, opt)
	if err != nil {
		return nil, err
	}
	engine := now().Sub(start)
	exp, err := a.Explain(ctx, res, service, string(opt.Tier))
	if err != nil {
		return nil, err
	}
	exp.Timing.EngineMs = ms(engine)
	exp.Timing.TotalMs += ms(engine)
	return exp, nil
}

// Explain explains the recommendation for service in res, which must hold
// it (Recommend or RecommendService made res). tier is the tier the user
// asked for, "" for the engine's choice. The error is ENOTFOUND for a
// service res does not recommend, EINTERNAL when even the deterministic
// draft fails the guardrails (a defect, never shown as an explanation).
func (a *Advisor) Explain(ctx context.Context, res *recommend.Result, service, tier string) (*slorec.Explanation, error) {
	now := a.clock()
	start := now()
	rec := findRecommendation(res, service)
	if rec == nil {
		return nil, slorec.Errorf(slorec.ENOTFOUND, "service %q has no recommendation", service)
	}
	exp := &slorec.Explanation{
		Service: rec.Service, InputHash: rec.InputHash, Objectives: rec.Objectives, Facts: rec.Facts,
		Confidence: rec.Confidence, ConfidenceReasons: rec.ConfidenceReasons, NeedsReview: rec.NeedsReview,
		Retrieved: []string{},
	}

	t := now()
	exp.Queries = Queries(res, service)
	sources, cites := a.retrieve(ctx, exp)
	exp.Timing.RetrieveMs = ms(now().Sub(t))

	rec = redactRecommendation(rec)
	req := draft.Request{Recommendation: rec, Sources: sources, Tier: tier}
	ev := guardrails.Evidence{Recommendation: rec, Retrieved: cites}
	if p, err := draft.RenderPrompt(req); err == nil {
		ev.Prompt = p.System
	}
	c := &call{exp: exp}
	d, err := a.draftGuarded(ctx, c, req, ev)
	if err != nil {
		return nil, err
	}
	if c.auditErr != nil {
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "explain %s: the audit log is unavailable, so no model call may go unrecorded: %v", service, c.auditErr)
	}
	d, _ = guardrails.RedactDraft(d)
	exp.Draft = d
	exp.Citations = cited(d, cites)
	exp.Timing.TotalMs = ms(now().Sub(start))
	return exp, nil
}

func (a *Advisor) clock() func() time.Time {
	if a.Now != nil {
		return a.Now
	}
	return time.Now
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func findRecommendation(res *recommend.Result, id string) *slorec.Recommendation {
	if res == nil {
		return nil
	}
	for i := range res.Recommendations {
		if res.Recommendations[i].Service == id {
			return &res.Recommendations[i]
		}
	}
	return nil
}

// retrieve searches, quarantines injection-shaped chunks, redacts the rest
// and returns them as drafter sources and as the citations a draft may
// use. A failing search leaves the explanation without citations and adds
// the reason to its confidence reasons, so the reader knows why.
func (a *Advisor) retrieve(ctx context.Context, exp *slorec.Explanation) ([]draft.Source, []slorec.Citation) {
	if a.Search == nil || len(exp.Queries) == 0 {
		return nil, nil
	}
	k := cmp.Or(a.K, 6)
	// Each query's hits, interleaved best first and deduplicated; twice k
	// of them, so that quarantined chunks are replaced by the next.
	lists := make([][]Passage, len(exp.Queries))
	for i, q := range exp.Queries {
		ps, err := a.Search(ctx, q, k)
		if err != nil {
			exp.ConfidenceReasons = append(slices.Clone(exp.ConfidenceReasons), "knowledge search unavailable: the explanation cites no sources")
			return nil, nil
		}
		lists[i] = ps
	}
	passages := interleave(lists, 2*k)
	in := make([]guardrails.Source, len(passages))
	for i, p := range passages {
		in[i] = guardrails.Source{Citation: citation(p), Text: p.Text, Flags: p.Flags}
	}
	kept, dropped := guardrails.ScreenSources(in)
	for _, q := range dropped {
		var rules []string
		for _, f := range q.Findings {
			rules = append(rules, f.Rule)
		}
		exp.Quarantined = append(exp.Quarantined, slorec.Quarantined{ID: q.Source.Citation.ID, Rules: rules})
	}
	kept = kept[:min(len(kept), k)]
	// Actionable knowledge first: drafters cite in order, and a runbook
	// or policy says what to do where an incident only shows what happened.
	slices.SortStableFunc(kept, func(x, y guardrails.Source) int {
		return cmp.Compare(kindRank(kindOf(x.Citation.ID)), kindRank(kindOf(y.Citation.ID)))
	})
	byID := map[string]Passage{}
	for _, p := range passages {
		byID[p.ID] = p
	}
	var sources []draft.Source
	var cites []slorec.Citation
	for _, s := range kept {
		p := byID[s.Citation.ID]
		text, _ := guardrails.Redact(p.Text)
		title, _ := guardrails.Redact(p.Title)
		sources = append(sources, draft.Source{ID: p.ID, Title: title, Kind: p.Kind, Text: text})
		c := s.Citation
		c.Title = title
		c.Snippet, _ = guardrails.Redact(c.Snippet)
		cites = append(cites, c)
		exp.Retrieved = append(exp.Retrieved, p.ID)
	}
	return sources, cites
}

// interleave takes the first of each list, then the second, and so on,
// up to n passages, skipping documents already taken: one section per
// document leaves room for more documents.
func interleave(lists [][]Passage, n int) []Passage {
	var out []Passage
	seen := map[string]bool{}
	for i := 0; len(out) < n; i++ {
		more := false
		for _, l := range lists {
			if i >= len(l) {
				continue
			}
			more = true
			doc, _, _ := strings.Cut(l[i].ID, "#")
			if p := l[i]; !seen[doc] && len(out) < n {
				seen[doc] = true
				out = append(out, p)
			}
		}
		if !more {
			break
		}
	}
	return out
}

// kindOf is the kind part of a citation id, kind/doc-id#section.
func kindOf(id string) string {
	kind, _, _ := strings.Cut(id, "/")
	return kind
}

// kindRank orders knowledge kinds by how directly they tell an engineer
// what to do.
func kindRank(kind string) int {
	switch kind {
	case "runbook":
		return 0
	case "policy":
		return 1
	case "provider-sla":
		return 2
	case "slo-template":
		return 3
	case "guide":
		return 4
	}
	return 5 // postmortems, incidents, user documents
}

func citation(p Passage) slorec.Citation {
	title := p.Title
	if p.Section != "" && p.Section != p.Title {
		title += " / " + p.Section
	}
	return slorec.Citation{ID: p.ID, Title: title, Snippet: retrieval.Snippet(p.Text, 240)}
}

// cited are the citations d refers to, in the order of cites.
func cited(d slorec.Draft, cites []slorec.Citation) []slorec.Citation {
	used := map[string]bool{}
	for _, r := range d.Rationale {
		for _, id := range r.CitationIDs {
			used[id] = true
		}
	}
	out := []slorec.Citation{}
	for _, c := range cites {
		if used[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

// draftGuarded runs the configured drafter, one repair attempt when the
// guardrails reject its draft, and the deterministic fallback when the
// drafter fails or the repair is rejected too.
func (a *Advisor) draftGuarded(ctx context.Context, c *call, req draft.Request, ev guardrails.Evidence) (slorec.Draft, error) {
	exp := c.exp
	primary := a.Drafter
	if primary == nil {
		primary = draft.Deterministic{}
	}
	_, deterministic := primary.(draft.Deterministic)
	if !deterministic {
		d, ok, reason := a.tryLLM(ctx, c, primary, req, ev)
		if ok {
			return d, nil
		}
		exp.Fallback = reason
		a.audit(ctx, c, ActionFallback, map[string]any{"reason": reason, "drafter": a.name(exp)})
	}
	purpose := "draft"
	if !deterministic {
		purpose = "fallback"
	}
	res, err := draft.Deterministic{}.Draft(ctx, req)
	att, d := a.check(exp, purpose, res, err, ev)
	if err != nil {
		return slorec.Draft{}, err
	}
	if !att.Passed {
		return slorec.Draft{}, slorec.Errorf(slorec.EINTERNAL, "the deterministic explanation of %s fails the guardrails: %s", exp.Service, guardrails.RepairPrompt(att.Verdicts))
	}
	exp.Drafter = slorec.DrafterDeterministic
	exp.Verdicts = att.Verdicts
	return d, nil
}

// tryLLM is the model's draft and its one repair; ok is false with the
// reason to fall back.
func (a *Advisor) tryLLM(ctx context.Context, c *call, m draft.Drafter, req draft.Request, ev guardrails.Evidence) (slorec.Draft, bool, string) {
	exp := c.exp
	res, err := m.Draft(ctx, req)
	att, d := a.check(exp, "draft", res, err, ev)
	a.auditCall(ctx, c, res, att)
	if err != nil {
		return slorec.Draft{}, false, "the model call failed: " + errText(err)
	}
	if att.Passed {
		exp.Drafter, exp.Verdicts = att.Drafter, att.Verdicts
		return d, true, ""
	}
	prev, _ := guardrails.Redact(string(res.Raw))
	if failed(att.Verdicts, guardrails.GuardInjection) {
		// The rejected draft itself carries instructions or links: the
		// problems list describes them, the text is not sent back.
		prev = "(withheld: the previous draft contained text the injection guard rejects; write a new draft from the facts and sources)"
	}
	req.Repair = &draft.Repair{Previous: prev, Problems: guardrails.RepairPrompt(att.Verdicts)}
	res, err = m.Draft(ctx, req)
	att, d = a.check(exp, "repair", res, err, ev)
	a.auditCall(ctx, c, res, att)
	if err != nil {
		return slorec.Draft{}, false, "the draft failed the guardrails (" + rules(exp.Attempts[0].Verdicts) + ") and the repair call failed: " + errText(err)
	}
	if att.Passed {
		exp.Drafter, exp.Verdicts = att.Drafter, att.Verdicts
		return d, true, ""
	}
	return slorec.Draft{}, false, "the draft and its repair failed the guardrails (" + rules(att.Verdicts) + ")"
}

// failed reports whether the named guard failed.
func failed(vs []slorec.GuardVerdict, guard string) bool {
	for _, v := range vs {
		if v.Guard == guard && !v.Passed {
			return true
		}
	}
	return false
}

// check guards one drafter result and appends the attempt.
func (a *Advisor) check(exp *slorec.Explanation, purpose string, res draft.Result, err error, ev guardrails.Evidence) (slorec.DraftAttempt, slorec.Draft) {
	now := a.clock()
	att := slorec.DraftAttempt{
		Drafter: cmp.Or(res.Drafter, a.DrafterName, "unknown"), Purpose: purpose, PromptHash: res.PromptHash,
		LatencyMs: ms(res.Latency), Calls: res.Attempts,
	}
	exp.Timing.DraftMs += ms(res.Latency)
	var d slorec.Draft
	if err != nil {
		att.Error = errText(err)
	} else {
		t := now()
		d, att.Verdicts = guardrails.CheckDraft(res.Raw, ev)
		exp.Timing.GuardMs += ms(now().Sub(t))
		att.Passed = guardrails.Passed(att.Verdicts)
	}
	exp.Attempts = append(exp.Attempts, att)
	return att, d
}

func (a *Advisor) name(exp *slorec.Explanation) string {
	for _, at := range exp.Attempts {
		if at.Purpose != "fallback" {
			return at.Drafter
		}
	}
	return cmp.Or(a.DrafterName, "unknown")
}

// errText is an error's user-safe message.
func errText(err error) string {
	var e *slorec.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// rules lists the failed guards and their rules, e.g.
// "numeric: unbacked-number; citation: not-retrieved".
func rules(vs []slorec.GuardVerdict) string {
	var parts []string
	for _, v := range vs {
		if v.Passed {
			continue
		}
		var rs []string
		for _, x := range v.Violations {
			if !slices.Contains(rs, x.Rule) {
				rs = append(rs, x.Rule)
			}
		}
		parts = append(parts, v.Guard+": "+strings.Join(rs, ", "))
	}
	return strings.Join(parts, "; ")
}

func (a *Advisor) auditCall(ctx context.Context, c *call, res draft.Result, att slorec.DraftAttempt) {
	detail := map[string]any{
		"drafter": att.Drafter, "purpose": att.Purpose, "prompt_hash": res.PromptHash,
		"latency_ms": att.LatencyMs, "calls": res.Attempts, "passed": att.Passed,
	}
	if res.InputTokens > 0 || res.OutputTokens > 0 {
		detail["input_tokens"], detail["output_tokens"] = res.InputTokens, res.OutputTokens
	}
	if att.Error != "" {
		detail["error"] = att.Error
	}
	var verdicts []string
	for _, v := range att.Verdicts {
		s := v.Guard + ":pass"
		if !v.Passed {
			s = fmt.Sprintf("%s:fail(%d)", v.Guard, len(v.Violations))
		}
		verdicts = append(verdicts, s)
	}
	if verdicts != nil {
		detail["verdicts"] = verdicts
	}
	a.audit(ctx, c, ActionLLMCall, detail)
}

// audit appends a record. The audit log is the record of every model
// call, so a failing log fails the explanation rather than leaving a call
// unrecorded; the first failure is kept and returned by Explain.
func (a *Advisor) audit(ctx context.Context, c *call, action string, detail map[string]any) {
	if a.Audit == nil || c.auditErr != nil {
		return
	}
	if _, err := a.Audit.AppendAudit(ctx, slorec.AuditRecord{Actor: Actor, Action: action, Subject: c.exp.Service, Detail: detail}); err != nil {
		c.auditErr = fmt.Errorf("audit %s: %w", action, err)
	}
}

// call is the state of one Explain.
type call struct {
	exp      *slorec.Explanation
	auditErr error
}

// redactRecommendation is a copy of rec with every text the engine wrote
// from names and labels redacted, so that personal data in a service id
// or label reaches neither a model nor a draft.
func redactRecommendation(rec *slorec.Recommendation) *slorec.Recommendation {
	red := func(s string) string { out, _ := guardrails.Redact(s); return out }
	r := *rec
	r.Service = red(r.Service)
	r.Facts = slices.Clone(rec.Facts)
	for i := range r.Facts {
		r.Facts[i].Statement, r.Facts[i].Source = red(r.Facts[i].Statement), red(r.Facts[i].Source)
	}
	r.ConfidenceReasons = slices.Clone(rec.ConfidenceReasons)
	for i := range r.ConfidenceReasons {
		r.ConfidenceReasons[i] = red(r.ConfidenceReasons[i])
	}
	r.Objectives = slices.Clone(rec.Objectives)
	for i := range r.Objectives {
		o := &r.Objectives[i]
		o.Source = red(o.Source)
		o.Mitigations = slices.Clone(o.Mitigations)
		for j := range o.Mitigations {
			o.Mitigations[j] = red(o.Mitigations[j])
		}
		o.Candidates = slices.Clone(o.Candidates)
		for j := range o.Candidates {
			o.Candidates[j].Reason = red(o.Candidates[j].Reason)
		}
		if o.Current != nil {
			c := *o.Current
			c.Reason = red(c.Reason)
			o.Current = &c
		}
	}
	return &r
}
