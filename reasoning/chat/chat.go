package chat

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tmc/langchaingo/llms"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// Limits and defaults.
const (
	// MaxQuestionBytes bounds a question; a longer one is EINVALID.
	MaxQuestionBytes = 2000
	// MaxConversationIDBytes bounds a caller's conversation id.
	MaxConversationIDBytes = 128
	// DefaultMaxConversations is how many conversations the engine
	// remembers; the least recently used is forgotten first.
	DefaultMaxConversations = 1000
	// DefaultMaxTurns is how many turns of one conversation it keeps.
	DefaultMaxTurns = 20
	// DefaultModelTimeout bounds each model call.
	DefaultModelTimeout = 20 * time.Second
	// DefaultModelName names the model when Config.ModelName is empty.
	DefaultModelName = "llm:chat"
)

// Question is one chat message.
type Question struct {
	Text string `json:"text"`
	// Service is the service the question is about when the text names
	// none (the page the user is on); optional.
	Service string `json:"service,omitempty"`
	// ConversationID continues a conversation; empty starts one.
	ConversationID string `json:"conversation_id,omitempty"`
}

// Answer is the reply to a question. Every number in Text is one the
// engine stated (Facts, the recommendations and reports behind them,
// Citations, or the question itself), checked by the guardrails whose
// verdicts are in Verdicts.
type Answer struct {
	ConversationID string `json:"conversation_id"`
	// Question is the question as the engine used it: PII redacted.
	Question string `json:"question"`
	Intent   Intent `json:"intent"`
	// Text is the answer's prose.
	Text     string   `json:"text"`
	Services []string `json:"services"`
	// Facts are the engine facts the answer uses. Facts of a
	// recommendation keep their ids ("F14") in an answer about one
	// service and are prefixed with it ("checkout-service:F14") in an
	// answer about several; facts read from an impact report ("W1") or
	// a scorecard ("S1") are stated by the chat engine from those
	// reports' numbers.
	Facts     []slorec.Fact     `json:"facts"`
	Citations []slorec.Citation `json:"citations"`
	// InputVerdicts are the guardrails' verdicts on the question (the
	// injection screen); Verdicts those on Text: numeric, injection, pii,
	// language (guardrails.CheckAnswer), then citation (GuardCitation).
	InputVerdicts []slorec.GuardVerdict `json:"input_verdicts"`
	Verdicts      []slorec.GuardVerdict `json:"verdicts"`
	// Drafter wrote Text: slorec.DrafterDeterministic or the model's name.
	Drafter string `json:"drafter"`
	// Fallback says why a model's phrasing was not used; empty when it
	// was, or when no model is configured.
	Fallback string `json:"fallback,omitempty"`
	// Refusal reports an answer that declines: off-topic, a request to
	// change something, or instructions to the assistant.
	Refusal bool `json:"refusal"`
	// Suggestions are questions the engine can answer, for a refusal or
	// an unclear question.
	Suggestions []string `json:"suggestions,omitempty"`
	// Explanation is the guarded explanation an explain answer is built
	// from; Impact the report of a what-if.
	Explanation *slorec.Explanation     `json:"explanation,omitempty"`
	Impact      *recommend.ImpactReport `json:"impact,omitempty"`
	Routing     Routing                 `json:"routing"`
	// Redactions are the kinds of PII removed from the question.
	Redactions []string `json:"redactions,omitempty"`
	// Attempts are the model calls made for the answer (purpose "route"
	// or "phrase"), with their verdicts.
	Attempts []slorec.DraftAttempt `json:"attempts,omitempty"`
}

// Routing says how the intent was chosen.
type Routing struct {
	// By is "rules" or the model's name.
	By   string `json:"by"`
	Rule string `json:"rule,omitempty"`
	// Fallback says why the model's choice was not used.
	Fallback string `json:"fallback,omitempty"`
	// FromContext reports services taken from the conversation or from
	// Question.Service rather than from the text.
	FromContext bool `json:"from_context,omitempty"`
}

// Turn is one remembered exchange of a conversation.
type Turn struct {
	At       time.Time          `json:"at"`
	Question string             `json:"question"`
	Intent   Intent             `json:"intent"`
	Services []string           `json:"services,omitempty"`
	Changes  []recommend.Change `json:"changes,omitempty"`
	Refusal  bool               `json:"refusal,omitempty"`
	// Answer is the text the user was given (guarded and redacted, as
	// the answer's); Citations the ids of the sources it cites. Turns
	// remembered before they were kept have neither.
	Answer    string   `json:"answer,omitempty"`
	Citations []string `json:"citations,omitempty"`
}

// Config configures an Engine. Input and Result are required.
type Config struct {
	// Input is the fleet's engine input, for what-if analyses.
	Input recommend.Input
	// Result is the fleet run (recommend.Recommend) over Input that every
	// answer reads.
	Result *recommend.Result
	// Advisor explains recommendations; nil means the deterministic
	// drafter without knowledge.
	Advisor *advisor.Advisor
	// Search answers knowledge questions; nil means Advisor.Search, and
	// no knowledge when that is nil too.
	Search advisor.SearchFunc
	// Scorecard is the platform scorecard, when the dataset has platform
	// data; it adds the unhealthy services to at-risk answers.
	Scorecard *scorecard.Report
	// Model, when set, chooses the intent and rephrases answers; every
	// output is validated and guarded, and the deterministic router and
	// text are used when it fails.
	Model llms.Model
	// ModelName names Model in answers and the audit log; "" means
	// DefaultModelName.
	ModelName string
	// ModelTimeout bounds each model call; zero means
	// DefaultModelTimeout.
	ModelTimeout time.Duration
	// Audit records every model call; nil records none. A failing audit
	// log discards the call's output, so no unrecorded model text
	// reaches a user.
	Audit advisor.Auditor
	// Memory keeps the conversations; nil means an in-process LRU of
	// MaxConversations (NewLRU), which forgets them with the engine. The
	// API gives it the tenant's store (app), so a conversation continues
	// on any replica and after the data changes.
	Memory Memory
	// MaxConversations bounds the default memory; MaxTurns is how many
	// turns of a conversation are kept, in any memory. Zero means the
	// defaults.
	MaxConversations int
	MaxTurns         int
	// Now is the clock; nil means time.Now. NewID makes conversation
	// ids; nil means 96 random bits in hex.
	Now   func() time.Time
	NewID func() string
}

// Engine answers questions about one fleet run. It is safe for
// concurrent use.
type Engine struct {
	cfg    Config
	router *Router
	recs   map[string]*slorec.Recommendation
	// declared are the fleet's declared services, sorted.
	declared []string

	breaker breaker
}

// Memory keeps conversations' turns, oldest first. Implementations are
// safe for concurrent use.
type Memory interface {
	// Turns returns conversation id's remembered turns; none (nil, nil)
	// for a conversation it does not know.
	Turns(ctx context.Context, id string) ([]Turn, error)
	// Append records t as id's newest turn, keeping the last keep.
	Append(ctx context.Context, id string, t Turn, keep int) error
}

// LRU is the in-process Memory: at most max conversations, the least
// recently used forgotten first.
type LRU struct {
	max   int
	mu    sync.Mutex
	convs map[string]*list.Element // of *conversation
	lru   *list.List               // front: most recently used
}

type conversation struct {
	id    string
	turns []Turn
}

// NewLRU returns an empty LRU memory of at most max conversations
// (DefaultMaxConversations when max is not positive).
func NewLRU(max int) *LRU {
	if max <= 0 {
		max = DefaultMaxConversations
	}
	return &LRU{max: max, convs: map[string]*list.Element{}, lru: list.New()}
}

// Turns implements Memory, marking the conversation used.
func (m *LRU) Turns(_ context.Context, id string) ([]Turn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.convs[id]; ok {
		m.lru.MoveToFront(el)
		return slices.Clone(el.Value.(*conversation).turns), nil
	}
	return nil, nil
}

// Append implements Memory.
func (m *LRU) Append(_ context.Context, id string, t Turn, keep int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.convs[id]
	if ok {
		m.lru.MoveToFront(el)
	} else {
		el = m.lru.PushFront(&conversation{id: id})
		m.convs[id] = el
		for m.lru.Len() > m.max {
			old := m.lru.Back()
			m.lru.Remove(old)
			delete(m.convs, old.Value.(*conversation).id)
		}
	}
	c := el.Value.(*conversation)
	c.turns = append(c.turns, t)
	if n := len(c.turns) - keep; n > 0 {
		c.turns = slices.Delete(c.turns, 0, n)
	}
	return nil
}

// Len returns how many conversations the memory holds.
func (m *LRU) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}

// New returns an engine over cfg. It returns an EINVALID error without a
// fleet result or without services.
func New(cfg Config) (*Engine, error) {
	if cfg.Result == nil || len(cfg.Result.Recommendations) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "chat: a fleet result with recommendations is required")
	}
	if len(cfg.Input.Services) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "chat: the fleet's input is required")
	}
	if cfg.Advisor == nil {
		cfg.Advisor = &advisor.Advisor{}
	}
	if cfg.Search == nil {
		cfg.Search = cfg.Advisor.Search
	}
	if cfg.ModelName == "" {
		cfg.ModelName = DefaultModelName
	}
	if cfg.ModelTimeout <= 0 {
		cfg.ModelTimeout = DefaultModelTimeout
	}
	if cfg.MaxConversations <= 0 {
		cfg.MaxConversations = DefaultMaxConversations
	}
	if cfg.MaxTurns <= 0 {
		cfg.MaxTurns = DefaultMaxTurns
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	if cfg.Memory == nil {
		cfg.Memory = NewLRU(cfg.MaxConversations)
	}
	e := &Engine{cfg: cfg, recs: map[string]*slorec.Recommendation{}}
	ids := make([]string, 0, len(cfg.Result.Analyses))
	for i := range cfg.Result.Recommendations {
		r := &cfg.Result.Recommendations[i]
		e.recs[r.Service] = r
		e.declared = append(e.declared, r.Service)
		ids = append(ids, r.Service)
	}
	for id := range cfg.Result.Analyses {
		ids = append(ids, id)
	}
	slices.Sort(e.declared)
	e.router = NewRouter(ids)
	return e, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// Router returns the engine's router.
func (e *Engine) Router() *Router { return e.router }

// Ask answers q. It returns an EINVALID error for an empty or oversized
// question or conversation id, and EINTERNAL when the deterministic answer
// fails its own guardrails (a defect, never shown). A refusal, an unknown
// service and an unclear question are answers, not errors.
func (e *Engine) Ask(ctx context.Context, q Question) (Answer, error) {
	text := strings.TrimSpace(q.Text)
	switch {
	case text == "":
		return Answer{}, slorec.Errorf(slorec.EINVALID, "question: empty")
	case len(text) > MaxQuestionBytes:
		return Answer{}, slorec.Errorf(slorec.EINVALID, "question: longer than %d bytes", MaxQuestionBytes)
	case !utf8.ValidString(text):
		return Answer{}, slorec.Errorf(slorec.EINVALID, "question: not UTF-8")
	case len(q.ConversationID) > MaxConversationIDBytes:
		return Answer{}, slorec.Errorf(slorec.EINVALID, "conversation_id: longer than %d bytes", MaxConversationIDBytes)
	}
	id := q.ConversationID
	if id == "" {
		id = e.cfg.NewID()
	}
	hist, err := e.cfg.Memory.Turns(ctx, id)
	if err != nil {
		return Answer{}, fmt.Errorf("chat: conversation %s: %w", id, err)
	}
	red, reds := guardrails.Redact(text)
	ans := Answer{
		ConversationID: id, Question: red, Drafter: slorec.DrafterDeterministic,
		Services: []string{}, Facts: []slorec.Fact{}, Citations: []slorec.Citation{},
		Routing: Routing{By: "rules"},
	}
	for _, r := range reds {
		if !slices.Contains(ans.Redactions, r.Kind) {
			ans.Redactions = append(ans.Redactions, r.Kind)
		}
	}
	// The raw text is screened: redaction would hide an address an
	// exfiltration request names.
	screen := guardrails.ScreenMessage(text)
	ans.InputVerdicts = []slorec.GuardVerdict{screen}

	var rp reply
	var rt Route
	if !screen.Passed {
		rt = Route{Intent: IntentRefuse, Rule: "injection"}
		ans.Routing.Rule = rt.Rule
		rp = e.refuseInjection(screen)
	} else {
		rt = e.router.Route(red)
		ans.Routing.Rule = rt.Rule
		if e.cfg.Model != nil && !rt.Strong {
			rt = e.modelRoute(ctx, &ans, red, hist, rt)
		}
		var err error
		rp, err = e.answer(ctx, &ans, rt, q.Service, hist)
		if err != nil {
			return Answer{}, err
		}
	}
	if err := e.finish(ctx, &ans, rp, red); err != nil {
		return Answer{}, err
	}
	// An answer whose turn is not remembered is not given: its follow-up
	// would silently lose the context the user sees.
	turn := Turn{At: e.cfg.Now(), Question: red, Intent: ans.Intent, Services: ans.Services, Changes: rp.changes, Refusal: ans.Refusal, Answer: ans.Text}
	for _, c := range ans.Citations {
		turn.Citations = append(turn.Citations, c.ID)
	}
	if err := e.cfg.Memory.Append(ctx, id, turn, e.cfg.MaxTurns); err != nil {
		return Answer{}, fmt.Errorf("chat: conversation %s: %w", id, err)
	}
	return ans, nil
}

// reply is a deterministic answer before its guards.
type reply struct {
	intent      Intent
	text        string
	services    []string
	facts       []slorec.Fact
	citations   []slorec.Citation
	evidence    guardrails.AnswerEvidence
	refusal     bool
	suggestions []string
	explanation *slorec.Explanation
	impact      *recommend.ImpactReport
	changes     []recommend.Change
	// drafter wrote text when it is not the deterministic chat
	// (an explanation's drafter).
	drafter string
}

// finish guards the deterministic text, offers it to the model for
// phrasing, and fills ans.
func (e *Engine) finish(ctx context.Context, ans *Answer, rp reply, question string) error {
	ev := rp.evidence
	ev.Facts = append(slices.Clone(ev.Facts), rp.facts...)
	ev.Citations = append(slices.Clone(ev.Citations), rp.citations...)
	ev.Texts = append(slices.Clone(ev.Texts), question)
	text, _ := guardrails.Redact(rp.text)
	verdicts := append(guardrails.CheckAnswer(text, ev), citationVerdict(text, knownIDs(ev)))
	if !guardrails.Passed(verdicts) {
		return slorec.Errorf(slorec.EINTERNAL, "chat: the deterministic %s answer fails the guardrails: %s", rp.intent, guardrails.RepairPrompt(verdicts))
	}
	ans.Intent = rp.intent
	ans.Text, ans.Verdicts = text, verdicts
	if rp.drafter != "" {
		ans.Drafter = rp.drafter
	}
	if rp.services != nil {
		ans.Services = rp.services
	}
	if rp.facts != nil {
		ans.Facts = rp.facts
	}
	if rp.citations != nil {
		ans.Citations = rp.citations
	}
	ans.Refusal, ans.Suggestions = rp.refusal, rp.suggestions
	ans.Explanation, ans.Impact = rp.explanation, rp.impact
	if e.cfg.Model != nil && !rp.refusal {
		// A phrasing may use the numbers of the answer it rephrases and
		// of the facts and sources the answer uses, nothing more.
		e.phrase(ctx, ans, question, guardrails.AnswerEvidence{Facts: ans.Facts, Citations: ans.Citations, Texts: []string{text}})
	}
	return nil
}

// History returns a copy of a conversation's remembered turns, oldest
// first; nil for a conversation the memory does not know.
func (e *Engine) History(ctx context.Context, id string) ([]Turn, error) {
	return e.cfg.Memory.Turns(ctx, id)
}
