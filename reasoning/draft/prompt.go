package draft

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"regexp"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/tmc/langchaingo/llms"

	"github.com/slorec/slorec"
)

// PromptVersion identifies the prompt templates and the schema they
// carry. Bump it with every change to prompts/, so audit records and eval
// reports say which prompt wrote a draft.
const PromptVersion = "explain/1"

// MaxSourceBytes bounds the text of one source in a prompt; longer text is
// cut at a rune boundary and marked.
const MaxSourceBytes = 4000

//go:embed prompts/system.tmpl prompts/user.tmpl prompts/schema.json
var promptFiles embed.FS

// Prompt is the rendered prompt of one request.
type Prompt struct {
	Version string
	System  string
	User    string
}

// Hash is the SHA-256 (hex) of the prompt as sent: version, system and
// user text, each followed by a NUL byte.
func (p Prompt) Hash() string {
	h := sha256.New()
	for _, s := range []string{p.Version, p.System, p.User} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Messages is the prompt as chat messages: system, then human.
func (p Prompt) Messages() []llms.MessageContent {
	return []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, p.System),
		llms.TextParts(llms.ChatMessageTypeHuman, p.User),
	}
}

// templates parses the embedded templates once per call; they are small,
// and keeping them out of package state leaves no globals to mutate.
func templates() (*template.Template, error) {
	return template.New("prompts").Funcs(template.FuncMap{"data": dataText, "attr": attrText}).
		ParseFS(promptFiles, "prompts/*.tmpl")
}

// RenderPrompt renders the system and user prompts of req. The
// recommendation's facts and objectives, the sources and, on a repair,
// the previous output and its problems are placed in delimited blocks;
// every interpolated string is neutralised (dataText, attrText) so no
// text can close or open a block.
func RenderPrompt(req Request) (Prompt, error) {
	rec := req.Recommendation
	if rec == nil {
		return Prompt{}, slorec.Errorf(slorec.EINVALID, "prompt: no recommendation")
	}
	t, err := templates()
	if err != nil {
		return Prompt{}, slorec.Errorf(slorec.EINTERNAL, "prompt: parse templates: %v", err)
	}
	schema, err := promptFiles.ReadFile("prompts/schema.json")
	if err != nil {
		return Prompt{}, slorec.Errorf(slorec.EINTERNAL, "prompt: read schema: %v", err)
	}
	var sys, user strings.Builder
	if err := t.ExecuteTemplate(&sys, "system.tmpl", systemView{Schema: strings.TrimSpace(string(schema)), Limits: limitsView{
		Summary: MaxSummary, Rationale: MaxRationale, Claim: MaxClaim, IDs: MaxIDsPerItem, Risks: MaxRisks, Risk: MaxRisk, ConfidenceNote: MaxConfidenceNote,
	}}); err != nil {
		return Prompt{}, slorec.Errorf(slorec.EINTERNAL, "prompt: render system: %v", err)
	}
	if err := t.ExecuteTemplate(&user, "user.tmpl", newUserView(req)); err != nil {
		return Prompt{}, slorec.Errorf(slorec.EINTERNAL, "prompt: render user: %v", err)
	}
	return Prompt{Version: PromptVersion, System: sys.String(), User: user.String()}, nil
}

type systemView struct {
	Schema string
	Limits limitsView
}

type limitsView struct {
	Summary, Rationale, Claim, IDs, Risks, Risk, ConfidenceNote int
}

type userView struct {
	Service     string
	Tier        string
	Facts       []factView
	Objectives  []objectiveView
	Confidence  string
	NeedsReview bool
	Flags       string
	Reasons     []string
	Sources     []Source
	Repair      *Repair
}

type factView struct {
	ID, Unit, Source, Statement string
	Value                       string
}

type objectiveView struct {
	SLI, Tier, From     string
	Latency             bool
	Target, ThresholdMs string
	Percentile, Bound   string
	WindowDays          int
	Candidates          []candidateView
	Current             *currentView
	Mitigations         []string
	Facts               string
}

type candidateView struct {
	Tier, Target, ThresholdMs, Breach, Reason string
	Feasible                                  bool
}

type currentView struct {
	Target, ThresholdMs, Reason, Facts string
	Feasible                           bool
}

// ratioText writes a ratio with its percentage: "0.995 (99.5%)".
func ratioText(v float64) string { return num(v) + " (" + pct(v) + ")" }

func newUserView(req Request) userView {
	rec := req.Recommendation
	v := userView{
		Service: rec.Service, Tier: req.Tier, Confidence: num(rec.Confidence), NeedsReview: rec.NeedsReview,
		Flags: strings.Join(rec.Flags, ", "), Reasons: rec.ConfidenceReasons, Repair: req.Repair,
	}
	for _, f := range rec.Facts {
		v.Facts = append(v.Facts, factView{ID: f.ID, Unit: f.Unit, Source: f.Source, Statement: f.Statement, Value: num(f.Value)})
	}
	for _, o := range rec.Objectives {
		ov := objectiveView{SLI: string(o.SLI), Tier: o.Tier, From: o.Source, Latency: o.SLI == slorec.Latency,
			Target: ratioText(o.Target), WindowDays: o.WindowDays, Mitigations: o.Mitigations, Facts: strings.Join(o.FactIDs, " ")}
		if ov.Latency {
			ov.ThresholdMs, ov.Percentile = num(o.ThresholdMs), num(o.Percentile)
		}
		if o.Bound > 0 {
			ov.Bound = num(o.Bound)
			if !ov.Latency {
				ov.Bound = ratioText(o.Bound)
			}
		}
		for _, c := range o.Candidates {
			cv := candidateView{Tier: c.Tier, Target: ratioText(c.Target), Breach: num(c.BreachProbability), Feasible: c.Feasible, Reason: c.Reason}
			if ov.Latency {
				cv.ThresholdMs = num(c.ThresholdMs)
			}
			ov.Candidates = append(ov.Candidates, cv)
		}
		if c := o.Current; c != nil {
			cv := &currentView{Target: ratioText(c.Target), Feasible: c.Feasible, Reason: c.Reason, Facts: strings.Join(c.FactIDs, " ")}
			if ov.Latency {
				cv.ThresholdMs = num(c.ThresholdMs)
			}
			ov.Current = cv
		}
		v.Objectives = append(v.Objectives, ov)
	}
	for _, s := range req.Sources {
		s.Text = cutText(s.Text, MaxSourceBytes)
		v.Sources = append(v.Sources, s)
	}
	return v
}

// cutText cuts s to at most n bytes at a rune boundary, marking the cut.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n]
	for len(cut) > 0 && !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + " [...]"
}

// delimiter matches what could open or close a block of the prompt: a
// "<" or a look-alike (fullwidth, small, angle quotation, mathematical
// angle brackets), optional "/" or a look-alike, and a tag name the
// prompt uses; and chat-template markers ("<|im_start|>").
var delimiter = regexp.MustCompile(`(?i)[<\x{FF1C}\x{FE64}\x{2039}\x{3008}\x{27E8}\x{276E}\x{2329}]` +
	`(\s*[/\x{FF0F}\x{2215}\x{2044}\\]?\s*(?:sources?|facts|objectives|confidence|previous_output|problems|system|user|assistant|instructions?)\b|\|)`)

// dataText neutralises text placed inside a block: a delimiter look-alike
// loses its "<" (written "&lt;"), control characters other than newline
// and tab are dropped, and line endings are normalised. Everything else is
// kept, so the model reads the document as written.
func dataText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || r == '\r' || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			return ' '
		case r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	return delimiter.ReplaceAllString(s, "&lt;$1")
}

// attrText makes s safe inside a double-quoted attribute of a block's
// opening tag: one line, no quotes or angle brackets.
func attrText(s string) string {
	s = strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;", "\n", " ", "\t", " ").Replace(s)
	return dataText(s) // after the ASCII escapes: only look-alikes are left to neutralise
}
