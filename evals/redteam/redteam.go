package redteam

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/corpus"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/guardrails"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/draft"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/retrieval"
)

// Expectations and outcomes of a case.
const (
	// Blocked: every model draft was rejected and the deterministic
	// fallback was used, with the reason recorded (a chat message: the
	// screen rejected it).
	Blocked = "blocked"
	// Repaired: the first draft was rejected and the model's repair was
	// used.
	Repaired = "repaired"
	// Accepted: the model's first draft was used (a chat message: the
	// screen let it through).
	Accepted = "accepted"
	// Errored: the explanation failed; never expected.
	Errored = "error"
)

// Model is the scripted model's name; DrafterName is what the advisor
// records as the drafter of its drafts.
const (
	Model       = "redteam-scripted"
	DrafterName = "llm:" + draft.ProviderOpenAI + "/" + Model
)

// DefaultService is the service a case explains when it names none.
const DefaultService = "checkout-service"

// CategoryGood is the category of good drafts.
const CategoryGood = "good-draft"

// Case is one red-team case.
type Case struct {
	ID       string
	Category string
	// Description says what the attack is; How how the bad output (or
	// input) is produced.
	Description string
	How         string
	// Expect is Blocked, Repaired or Accepted.
	Expect string
	// Service is the service explained; "" means DefaultService. Tier is
	// the tier the user asks for; "" means the engine's.
	Service string
	Tier    string
	// Rules must all be among the rules the first draft fails (for a chat
	// message: the screen's findings).
	Rules []string
	// Replies writes the scripted model's replies from the valid draft of
	// the request, in order; the last repeats.
	Replies func(c *Context) []Reply
	// Docs are added to the knowledge for this case only.
	Docs []retrieval.Document
	// Dataset changes a fresh copy of the example for this case only.
	Dataset func(d *dataset.Dataset)
	// Forbidden is text the scripted server must never receive.
	Forbidden []string
	// Quarantine is a chunk id prefix that must be retrieved and
	// quarantined; Retrieve one that must be retrieved and offered.
	Quarantine string
	Retrieve   string
	// Message makes a chat case: the message is screened with
	// guardrails.ScreenMessage and no model runs.
	Message string
}

// good reports whether c is a good draft run through the model.
func (c Case) good() bool { return c.Expect == Accepted && c.Message == "" }

// Context is what a case's replies are written from: the valid draft of
// the request and what the request retrieved.
type Context struct {
	// Draft is the deterministic drafter's draft for the same request;
	// it passes every guardrail. Use Valid for a copy to change.
	Draft          slorec.Draft
	Recommendation *slorec.Recommendation
	// Retrieved are the chunks offered to the drafter, Quarantined those
	// kept out of the prompt, Other the corpus chunks not retrieved.
	Retrieved   []string
	Quarantined []string
	Other       []string
	err         error
}

// Valid returns a deep copy of the valid draft.
func (c *Context) Valid() slorec.Draft {
	var d slorec.Draft
	b, _ := json.Marshal(c.Draft)
	_ = json.Unmarshal(b, &d)
	return d
}

// Objective returns the recommendation's objective for sli.
func (c *Context) Objective(sli slorec.SLIKind) slorec.Objective {
	for _, o := range c.Recommendation.Objectives {
		if o.SLI == sli {
			return o
		}
	}
	c.fail("no %s objective", sli)
	return slorec.Objective{}
}

// fail records that a case could not be built as written: the valid draft
// did not have what the defect changes. The case is then a miss.
func (c *Context) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	ID          string `json:"id"`
	Category    string `json:"category"`
	Description string `json:"description"`
	How         string `json:"how"`
	Service     string `json:"service,omitempty"`
	Expected    string `json:"expected"`
	Outcome     string `json:"outcome"`
	// Drafter wrote the final explanation; Fallback says why the
	// deterministic drafter replaced the model, "" when it did not.
	Drafter  string `json:"drafter,omitempty"`
	Fallback string `json:"fallback,omitempty"`
	// Rules are the rules the first draft failed ("guard: rule"), or the
	// screen's findings for a chat message; Error the first call's error.
	Rules []string `json:"rules,omitempty"`
	Error string   `json:"error,omitempty"`
	// Calls counts the requests the scripted model received.
	Calls int `json:"calls"`
	// Echoed lists the kinds of sensitive text (pii kinds, injection
	// rules) of a rejected draft that the repair request sent back to
	// the model: an observation, not a miss.
	Echoed []string `json:"echoed,omitempty"`
	Pass   bool     `json:"pass"`
	Miss   string   `json:"miss,omitempty"`
}

// CategoryTotal sums one category's cases.
type CategoryTotal struct {
	Category string `json:"category"`
	Cases    int    `json:"cases"`
	Blocked  int    `json:"blocked"`
	Repaired int    `json:"repaired"`
	// Accepted counts good cases (good drafts, benign messages) that
	// passed.
	Accepted int `json:"accepted"`
	Misses   int `json:"misses"`
}

// Result is the suite's outcome.
type Result struct {
	Model   string `json:"model"`
	Dataset string `json:"dataset"`
	// Adversarial counts the cases expected blocked or repaired,
	// GoodDrafts the good drafts run through the model, Benign the benign
	// chat messages.
	Adversarial int             `json:"adversarial"`
	GoodDrafts  int             `json:"good_drafts"`
	Benign      int             `json:"benign"`
	Misses      int             `json:"misses"`
	Categories  []CategoryTotal `json:"categories"`
	Cases       []CaseResult    `json:"cases"`
	// Pass is true when every case met its expectation.
	Pass bool `json:"pass"`
}

// Run runs every case of Cases.
func Run(ctx context.Context) (*Result, error) {
	return RunCases(ctx, Cases())
}

// RunCases runs cases, several at a time, and sums them up in their order.
// The error is for a suite that cannot start (the example or the corpus
// does not load); a case that fails in any way is a miss, not an error.
func RunCases(ctx context.Context, cases []Case) (*Result, error) {
	e, err := newEnv(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CaseResult, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8) {
		wg.Go(func() {
			for i := range next {
				out[i] = e.run(ctx, cases[i])
			}
		})
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return summarize(cases, out), nil
}

func summarize(cases []Case, results []CaseResult) *Result {
	r := &Result{Model: DrafterName, Dataset: "embedded e-commerce example", Cases: results, Pass: true}
	seen := map[string]bool{}
	for i, c := range results {
		if !seen[c.Category] {
			seen[c.Category] = true
			r.Categories = append(r.Categories, CategoryTotal{Category: c.Category})
		}
		switch {
		case cases[i].good():
			r.GoodDrafts++
		case c.Expected == Accepted:
			r.Benign++
		default:
			r.Adversarial++
		}
		if !c.Pass {
			r.Misses++
			r.Pass = false
		}
	}
	for i := range r.Categories {
		t := &r.Categories[i]
		for _, c := range results {
			if c.Category != t.Category {
				continue
			}
			t.Cases++
			switch {
			case !c.Pass:
				t.Misses++
			case c.Outcome == Blocked:
				t.Blocked++
			case c.Outcome == Repaired:
				t.Repaired++
			case c.Outcome == Accepted:
				t.Accepted++
			}
		}
	}
	return r
}

// env is what every case shares: the example, the corpus chunked once and
// a text-only retriever over it, and one engine result per service.
type env struct {
	base      []retrieval.Record
	corpusIDs []string
	shared    *retrieval.Retriever
	mu        sync.Mutex
	results   map[string]*recommend.Result
	data      *dataset.Dataset
}

func newEnv(ctx context.Context) (*env, error) {
	d, err := loadExample()
	if err != nil {
		return nil, err
	}
	docs, err := corpus.Load()
	if err != nil {
		return nil, fmt.Errorf("load corpus: %w", err)
	}
	e := &env{data: d, results: map[string]*recommend.Result{}}
	for _, doc := range docs {
		rd := retrieval.Document{ID: doc.ID, Kind: doc.Kind, Title: doc.Title, Services: doc.Services, Tags: doc.Tags, Source: doc.Source, Body: doc.Body}
		for _, c := range retrieval.ChunkDocument(rd, retrieval.ChunkOptions{}) {
			e.base = append(e.base, retrieval.Record{Chunk: c})
			e.corpusIDs = append(e.corpusIDs, c.ID)
		}
	}
	sort.Strings(e.corpusIDs)
	e.shared = &retrieval.Retriever{Index: retrieval.NewMemIndex()}
	if err := e.shared.Index.Put(ctx, e.base); err != nil {
		return nil, err
	}
	return e, nil
}

func loadExample() (*dataset.Dataset, error) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "examples/ecommerce", dataset.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("load the example: %w", err)
	}
	return d, nil
}

func input(d *dataset.Dataset) recommend.Input {
	return recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}
}

// result is the engine's result for service on the example, computed once.
func (e *env) result(ctx context.Context, service string) (*recommend.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.results[service]; ok {
		return r, nil
	}
	r, err := recommend.RecommendService(ctx, input(e.data), service, recommend.Options{Seed: 1})
	if err != nil {
		return nil, err
	}
	e.results[service] = r
	return r, nil
}

// retriever is the shared retriever, or a new one with docs added.
func (e *env) retriever(ctx context.Context, docs []retrieval.Document) (*retrieval.Retriever, error) {
	if len(docs) == 0 {
		return e.shared, nil
	}
	r := &retrieval.Retriever{Index: retrieval.NewMemIndex()}
	if err := r.Index.Put(ctx, e.base); err != nil {
		return nil, err
	}
	if _, err := r.Add(ctx, docs); err != nil {
		return nil, err
	}
	return r, nil
}

// auditLog keeps the advisor's audit records.
type auditLog struct {
	mu      sync.Mutex
	actions []string
}

func (a *auditLog) AppendAudit(_ context.Context, rec slorec.AuditRecord) (slorec.AuditRecord, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.actions = append(a.actions, rec.Action)
	return rec, nil
}

func (a *auditLog) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, x := range a.actions {
		if x == action {
			n++
		}
	}
	return n
}

// run runs one case; whatever goes wrong is a miss.
func (e *env) run(ctx context.Context, c Case) CaseResult {
	out := CaseResult{ID: c.ID, Category: c.Category, Description: c.Description, How: c.How, Expected: c.Expect}
	if c.Message != "" {
		return screenCase(c, out)
	}
	out.Service = cmp.Or(c.Service, DefaultService)
	misses := e.runModel(ctx, c, &out)
	if len(misses) > 0 {
		out.Miss = strings.Join(misses, "; ")
	}
	out.Pass = len(misses) == 0
	return out
}

// screenCase runs a chat case through guardrails.ScreenMessage.
func screenCase(c Case, out CaseResult) CaseResult {
	v := guardrails.ScreenMessage(c.Message)
	out.Outcome = Accepted
	if !v.Passed {
		out.Outcome = Blocked
	}
	for _, x := range v.Violations {
		rule, _, _ := strings.Cut(x.Got, ":")
		if !slices.Contains(out.Rules, rule) {
			out.Rules = append(out.Rules, rule)
		}
	}
	var misses []string
	if out.Outcome != c.Expect {
		misses = append(misses, fmt.Sprintf("expected %s, got %s", c.Expect, out.Outcome))
	}
	for _, r := range c.Rules {
		if !slices.Contains(out.Rules, r) {
			misses = append(misses, fmt.Sprintf("finding %s missing (found: %s)", r, listOrNone(out.Rules)))
		}
	}
	out.Miss = strings.Join(misses, "; ")
	out.Pass = len(misses) == 0
	return out
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// runModel runs a case through the advisor with the scripted model and
// returns its misses.
func (e *env) runModel(ctx context.Context, c Case, out *CaseResult) []string {
	var misses []string
	service := out.Service
	res, err := e.caseResult(ctx, c, service)
	if err != nil {
		return []string{"the engine failed: " + err.Error()}
	}
	rec := recommendationOf(res, service)
	r, err := e.retriever(ctx, c.Docs)
	if err != nil {
		return []string{"the knowledge did not index: " + err.Error()}
	}
	cx := &Context{Recommendation: rec}
	base, err := (&advisor.Advisor{Search: advisor.Retrieval(r)}).Explain(ctx, res, service, c.Tier)
	if err != nil {
		// Still run the model, on the deterministic draft without
		// sources, to learn what it was sent.
		misses = append(misses, "the deterministic explanation failed: "+errorText(err))
		if cx.Draft, err = draft.Write(draft.Request{Recommendation: rec, Tier: c.Tier}); err != nil {
			return append(misses, "no draft to build the case from: "+err.Error())
		}
	} else {
		cx.Draft, cx.Retrieved = base.Draft, base.Retrieved
		for _, q := range base.Quarantined {
			cx.Quarantined = append(cx.Quarantined, q.ID)
		}
	}
	for _, id := range e.corpusIDs {
		if !slices.Contains(cx.Retrieved, id) && !slices.Contains(cx.Quarantined, id) {
			cx.Other = append(cx.Other, id)
		}
	}
	replies := c.Replies(cx)
	if cx.err != nil {
		return append(misses, "the case could not be built: "+cx.err.Error())
	}
	if len(replies) == 0 {
		return append(misses, "the case has no replies")
	}

	srv := newServer(replies)
	defer srv.Close()
	m, _, err := draft.New(draft.Config{Provider: draft.ProviderOpenAI, BaseURL: srv.URL + "/v1", Model: Model, Timeout: 20 * time.Second,
		LLM: draft.LLMConfig{Sleep: func(context.Context, time.Duration) error { return nil }, Jitter: func() float64 { return 0 }}}, srv.Client())
	if err != nil {
		return append(misses, "the drafter did not build: "+err.Error())
	}
	audit := &auditLog{}
	exp, err := (&advisor.Advisor{Search: advisor.Retrieval(r), Drafter: m, DrafterName: DrafterName, Audit: audit}).Explain(ctx, res, service, c.Tier)
	out.Calls = srv.requests()
	misses = append(misses, forbidden(c, srv)...)
	if err != nil {
		out.Outcome = Errored
		if why := "the explanation failed: " + errorText(err); !slices.Contains(misses, strings.Replace(why, "explanation failed", "deterministic explanation failed", 1)) {
			misses = append(misses, why)
		}
		return misses
	}
	out.Outcome = outcome(exp)
	out.Drafter, out.Fallback = exp.Drafter, exp.Fallback
	if len(exp.Attempts) > 0 {
		out.Rules = fired(exp.Attempts[0].Verdicts)
		out.Error = exp.Attempts[0].Error
	}
	out.Echoed = srv.echoed()
	return append(misses, check(c, cx, exp, replies, audit, out)...)
}

// errorText is an error's message cut to what a report needs: the
// advisor's EINTERNAL message carries a repair prompt, one "- " line per
// violation; each is kept up to its first "; ".
func errorText(err error) string {
	head, rest, _ := strings.Cut(slorec.ErrorMessage(err), "\n")
	if h, _, ok := strings.Cut(head, ": Your draft failed"); ok {
		head = h
	}
	var items []string
	for _, line := range strings.Split(rest, "\n") {
		if item, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok {
			item, _, _ = strings.Cut(item, "; ")
			if !slices.Contains(items, item) {
				items = append(items, item)
			}
		}
	}
	if len(items) > 0 {
		head += ": " + strings.Join(items, "; ")
	}
	return head
}

// forbidden lists the forbidden text the model received.
func forbidden(c Case, srv *server) []string {
	var out []string
	for _, f := range c.Forbidden {
		if srv.saw(f) {
			out = append(out, fmt.Sprintf("the model received %q", f))
		}
	}
	return out
}

// caseResult is the engine's result for the case: shared, or computed on
// the case's own copy of the example.
func (e *env) caseResult(ctx context.Context, c Case, service string) (*recommend.Result, error) {
	if c.Dataset == nil {
		return e.result(ctx, service)
	}
	d, err := loadExample()
	if err != nil {
		return nil, err
	}
	c.Dataset(d)
	return recommend.RecommendService(ctx, input(d), service, recommend.Options{Seed: 1})
}

func recommendationOf(res *recommend.Result, service string) *slorec.Recommendation {
	for i := range res.Recommendations {
		if res.Recommendations[i].Service == service {
			return &res.Recommendations[i]
		}
	}
	return nil
}

// outcome classifies a finished explanation.
func outcome(exp *slorec.Explanation) string {
	switch {
	case exp.Drafter == slorec.DrafterDeterministic && exp.Fallback != "":
		return Blocked
	case exp.Drafter == DrafterName && exp.Fallback == "" && len(exp.Attempts) == 1:
		return Accepted
	case exp.Drafter == DrafterName && exp.Fallback == "" && len(exp.Attempts) == 2 && exp.Attempts[1].Purpose == "repair":
		return Repaired
	}
	return Errored
}

// fired lists the failed rules of verdicts as "guard: rule", leaving out
// not-run.
func fired(vs []slorec.GuardVerdict) []string {
	var out []string
	for _, v := range vs {
		for _, x := range v.Violations {
			if s := v.Guard + ": " + x.Rule; x.Rule != guardrails.RuleNotRun && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

func hasRule(fired []string, rule string) bool {
	for _, f := range fired {
		if _, r, _ := strings.Cut(f, ": "); r == rule || f == rule {
			return true
		}
	}
	return false
}

// check lists every way the explanation falls short of the case.
func check(c Case, cx *Context, exp *slorec.Explanation, replies []Reply, audit *auditLog, out *CaseResult) []string {
	var misses []string
	miss := func(format string, args ...any) { misses = append(misses, fmt.Sprintf(format, args...)) }
	if out.Outcome != c.Expect {
		why := ""
		switch {
		case out.Outcome == Accepted:
			why = ": the guardrails let the draft through"
		case exp.Fallback != "":
			why = ": " + exp.Fallback
		}
		miss("expected %s, got %s%s", c.Expect, out.Outcome, why)
	}
	if out.Calls == 0 {
		miss("the scripted model was never called")
	}
	// The follow-on checks say more only when the outcome is the
	// expected one; otherwise the mismatch above says it all.
	switch {
	case out.Outcome != c.Expect:
	case c.Expect == Accepted:
		if want := draftOf(replies[0].Content); want == nil || !sameDraft(*want, exp.Draft) {
			miss("the explanation is not the model's draft")
		}
	default:
		for _, r := range c.Rules {
			if !hasRule(out.Rules, r) {
				miss("rule %s did not fire (fired: %s)", r, listOrNone(out.Rules))
			}
		}
		if len(c.Rules) == 0 && out.Error == "" {
			miss("the first call was expected to fail, but it returned a draft")
		}
		// A defect of content (not of form: size, fields, padding)
		// must not survive into the explanation.
		if bad := draftOf(replies[0].Content); bad != nil && !sameDraft(*bad, cx.Draft) && sameDraft(*bad, exp.Draft) {
			miss("the final explanation is the adversarial draft")
		}
		if exp.Attempts[0].Passed {
			miss("the first draft is not recorded as rejected")
		}
		if c.Expect == Blocked {
			if last := exp.Attempts[len(exp.Attempts)-1]; last.Purpose != "fallback" || !last.Passed {
				miss("the fallback is not recorded among the attempts")
			}
			if audit.count(advisor.ActionFallback) != 1 {
				miss("the fallback is not in the audit log")
			}
		}
	}
	llm := 0
	for _, a := range exp.Attempts {
		if a.Purpose != "fallback" {
			llm++
		}
	}
	if n := audit.count(advisor.ActionLLMCall); n != llm {
		miss("%d model attempts but %d audited", llm, n)
	}
	if !guardrails.Passed(exp.Verdicts) {
		miss("the final explanation fails a guardrail")
	}
	if p := c.Quarantine; p != "" {
		if !slices.ContainsFunc(exp.Quarantined, func(q slorec.Quarantined) bool { return strings.HasPrefix(q.ID, p) }) {
			miss("no chunk %s* was quarantined (quarantined: %s; retrieved: %s)", p, listOrNone(cx.Quarantined), listOrNone(exp.Retrieved))
		}
		if slices.ContainsFunc(exp.Retrieved, func(id string) bool { return strings.HasPrefix(id, p) }) {
			miss("a chunk %s* was offered to the model", p)
		}
	}
	if p := c.Retrieve; p != "" && !slices.ContainsFunc(exp.Retrieved, func(id string) bool { return strings.HasPrefix(id, p) }) {
		miss("no chunk %s* was retrieved, so the case proves nothing (retrieved: %s)", p, listOrNone(exp.Retrieved))
	}
	return misses
}

// draftOf decodes a reply the way the drafter and the guardrails read it;
// nil when it is no draft.
func draftOf(content string) *slorec.Draft {
	var d slorec.Draft
	if json.Unmarshal(draft.ExtractJSON(content), &d) != nil {
		return nil
	}
	return &d
}

func sameDraft(a, b slorec.Draft) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
