package chat

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
	"github.com/slorec/slorec/reasoning/advisor"
)

// Knowledge answers quote at most knowledgeQuotes passages, at most
// perDocument of one document, searching knowledgeK.
const (
	knowledgeK      = 8
	knowledgeQuotes = 3
	perDocument     = 2
	// quoteBytes bounds a quote; a passage's best two sentences usually fit.
	quoteBytes = 360
)

// kindWords maps words of a question to the corpus kind it asks for, so
// "what does our policy say" quotes policies first.
var kindWords = map[string]string{
	"policy": "policy", "policies": "policy", "runbook": "runbook", "runbooks": "runbook", "playbook": "runbook",
	"postmortem": "postmortem", "postmortems": "postmortem", "post-mortem": "postmortem", "incident": "incident",
	"template": "slo-template", "templates": "slo-template", "guide": "guide", "guides": "guide",
	"sla": "provider-sla", "slas": "provider-sla",
}

// knowledge searches the knowledge base with the question, drops the
// passages that hold instruction-shaped text (guardrails.ScreenSources),
// and quotes the best sentences of the best passages with their citation
// ids.
func (e *Engine) knowledge(ctx context.Context, question string, services []string) (reply, error) {
	if e.cfg.Search == nil {
		return reply{intent: IntentKnowledge, services: services, suggestions: e.suggestions(),
			text: "No knowledge base is configured, so I cannot quote policies or runbooks; I can still answer questions about the fleet's SLOs."}, nil
	}
	ps, err := e.cfg.Search(ctx, question, knowledgeK)
	if err != nil {
		return reply{intent: IntentKnowledge, services: services, suggestions: e.suggestions(),
			text: "The knowledge base is unavailable right now, so I cannot quote it; questions about the fleet's SLOs still work."}, nil
	}
	in := make([]guardrails.Source, len(ps))
	for i, p := range ps {
		in[i] = guardrails.Source{Citation: slorec.Citation{ID: p.ID, Title: p.Title, Snippet: p.Text}, Text: p.Text, Flags: p.Flags}
	}
	kept, dropped := guardrails.ScreenSources(in)
	byID := map[string]advisor.Passage{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	var passages []advisor.Passage
	for _, s := range kept {
		passages = append(passages, byID[s.Citation.ID])
	}
	// The kinds the question names first, keeping the search's order.
	var want []string
	for _, w := range strings.Fields(normalize(question)) {
		if k, ok := kindWords[strings.Trim(w, "?.,!;:\"'()")]; ok {
			want = append(want, k)
		}
	}
	if howTo.MatchString(normalize(question)) {
		want = append(want, "runbook", "policy")
	}
	if len(want) > 0 {
		slices.SortStableFunc(passages, func(x, y advisor.Passage) int {
			return boolRank(slices.Contains(want, y.Kind)) - boolRank(slices.Contains(want, x.Kind))
		})
	}
	terms := queryTerms(question)
	var cites []slorec.Citation
	var b strings.Builder
	perDoc := map[string]int{}
	for _, p := range passages {
		if len(cites) == knowledgeQuotes {
			break
		}
		doc, _, _ := strings.Cut(p.ID, "#")
		if perDoc[doc] == perDocument {
			continue
		}
		q := quote(p.Text, terms)
		if q == "" {
			continue
		}
		perDoc[doc]++
		title, _ := guardrails.Redact(p.Title)
		if p.Section != "" && p.Section != p.Title && !strings.EqualFold(p.Section, "overview") {
			title += " / " + p.Section
		}
		q, _ = guardrails.Redact(q)
		if len(cites) == 0 {
			b.WriteString("Here is what the knowledge base says:")
		}
		fmt.Fprintf(&b, "\n- %s [%s]: \"%s\"", title, p.ID, q)
		cites = append(cites, slorec.Citation{ID: p.ID, Title: title, Snippet: q})
	}
	if len(cites) == 0 {
		b.WriteString("I found nothing in the knowledge base about that.")
	}
	if n := len(dropped); n > 0 {
		fmt.Fprintf(&b, "\n(%s left out because %s instruction-shaped text.)", plural(n, "one passage was", "some passages were"), plural(n, "it holds", "they hold"))
	}
	rp := reply{intent: IntentKnowledge, text: b.String(), services: services, citations: cites}
	if len(cites) == 0 {
		rp.suggestions = e.suggestions()
	}
	return rp, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// queryTerms are the question's content words.
func queryTerms(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(normalize(q), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '-') }) {
		if len(w) >= 4 && !questionWords[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

var questionWords = map[string]bool{
	"what": true, "does": true, "when": true, "where": true, "which": true, "should": true, "would": true,
	"could": true, "have": true, "with": true, "that": true, "this": true, "there": true, "their": true,
	"about": true, "from": true, "into": true, "your": true, "tell": true, "says": true, "handle": true,
}

// howTo asks how to act: runbooks and policies answer it first.
var howTo = regexp.MustCompile(`\bhow (?:do|should|can|would|must) (?:we|i|you|teams?)\b`)

var (
	linkText    = regexp.MustCompile(`(?i)\[([^\]]*)\]\([^)]*\)|\b(?:https?|ftp)://\S+|\bwww\.\S+`)
	markup      = strings.NewReplacer("**", "", "__", "", "`", "", "\t", " ")
	sentenceEnd = regexp.MustCompile(`[.!?](?:\s|$)`)
)

// quote is the passage's best two sentences (the first that shares the
// most words with the question, and the next), as plain text without
// links, at most quoteBytes.
func quote(text string, terms []string) string {
	text = linkText.ReplaceAllStringFunc(text, func(m string) string {
		if sub := linkText.FindStringSubmatch(m); sub[1] != "" {
			return sub[1]
		}
		return ""
	})
	var lines []string
	for _, l := range strings.Split(markup.Replace(text), "\n") {
		l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "#->*|"))
		if l != "" && !strings.HasPrefix(l, "---") {
			lines = append(lines, l)
		}
	}
	flat := strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
	var sentences []string
	for flat != "" {
		loc := sentenceEnd.FindStringIndex(flat)
		if loc == nil {
			sentences = append(sentences, flat)
			break
		}
		sentences = append(sentences, strings.TrimSpace(flat[:loc[0]+1]))
		flat = strings.TrimSpace(flat[loc[1]:])
	}
	if len(sentences) == 0 {
		return ""
	}
	best, bestScore := 0, 0
	for i, s := range sentences {
		ls := strings.ToLower(s)
		score := 0
		for _, t := range terms {
			if strings.Contains(ls, t) {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	q := sentences[best]
	if best+1 < len(sentences) && len(q)+1+len(sentences[best+1]) <= quoteBytes {
		q += " " + sentences[best+1]
	}
	if len(q) > quoteBytes {
		cut := strings.LastIndexByte(q[:quoteBytes], ' ')
		if cut <= 0 {
			cut = quoteBytes
		}
		q = q[:cut] + " …"
	}
	return q
}
