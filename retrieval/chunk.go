package retrieval

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/guardrails"
)

// Document is a knowledge document to index: a shipped corpus document, a
// user document or an incident summary.
type Document struct {
	ID       string
	Kind     string
	Title    string
	Services []string
	Tags     []string
	Source   string
	Body     string // Markdown
}

// Chunk is a retrievable piece of a document: one section, or part of a
// long one. Its ID is the citation id explanations use.
type Chunk struct {
	// ID is "kind/doc-id#section", with "-2", "-3", ... for the further
	// parts of a long section or a repeated heading. It depends only on
	// the document's kind, id and headings, so citations survive edits
	// to the prose.
	ID      string `json:"id"`
	DocID   string `json:"doc_id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Section string `json:"section"`
	// Text is the section's text, redacted (guardrails.Redact).
	Text     string   `json:"text"`
	Services []string `json:"services,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Source   string   `json:"source,omitempty"`
	// Flags mark what the chunker found: "injection:<rule>" for
	// injection-shaped text (kept as data, left out of prompts) and
	// "redacted:<kind>" for each kind of PII removed.
	Flags []string `json:"flags,omitempty"`
	// Ord is the chunk's position in its document.
	Ord int `json:"ord"`
}

// EmbedText is what gets embedded for c: title, section and text, so a
// chunk's vector carries its context.
func (c Chunk) EmbedText() string {
	return c.Title + ". " + c.Section + ".\n" + c.Text
}

// Flagged reports whether c carries an injection flag.
func (c Chunk) Flagged() bool {
	for _, f := range c.Flags {
		if strings.HasPrefix(f, "injection:") {
			return true
		}
	}
	return false
}

// ChunkOptions bound chunk sizes. The zero value is the default.
type ChunkOptions struct {
	// MaxChars bounds a chunk's text; zero means 1200. A single paragraph
	// longer than that is cut at sentence, then word, boundaries.
	MaxChars int
	// Overlap is how much of the end of a part starts the next one, at a
	// sentence boundary; zero means 200.
	Overlap int
}

func (o ChunkOptions) withDefaults() ChunkOptions {
	if o.MaxChars <= 0 {
		o.MaxChars = 1200
	}
	if o.Overlap <= 0 {
		o.Overlap = 200
	}
	o.Overlap = min(o.Overlap, o.MaxChars/2)
	return o
}

// section is the text under one heading.
type section struct {
	heading string
	body    []string // lines
}

// ChunkDocument cuts d into chunks at its Markdown headings (outside code
// fences): text before the first heading is the "overview" section, a
// single top-level heading that repeats the title is not a section, and
// sections longer than MaxChars are split at paragraph boundaries with
// Overlap characters carried over. Everything is redacted before it is
// returned, and screened for injection.
func ChunkDocument(d Document, opt ChunkOptions) []Chunk {
	opt = opt.withDefaults()
	var out []Chunk
	used := map[string]int{}
	title, titleReds := guardrails.Redact(d.Title)
	for _, sec := range sections(d) {
		text := strings.TrimSpace(strings.Join(sec.body, "\n"))
		if text == "" {
			continue
		}
		section, secReds := guardrails.Redact(sec.heading)
		slug := slugify(section)
		for _, part := range split(text, opt) {
			used[slug]++
			id := d.Kind + "/" + d.ID + "#" + slug
			if n := used[slug]; n > 1 {
				id += "-" + strconv.Itoa(n)
			}
			red, reds := guardrails.Redact(part)
			c := Chunk{ID: id, DocID: d.ID, Kind: d.Kind, Title: title, Section: section, Text: red,
				Services: d.Services, Tags: d.Tags, Source: d.Source, Ord: len(out)}
			seen := map[string]bool{}
			for _, r := range append(append(reds, titleReds...), secReds...) {
				if !seen[r.Kind] {
					seen[r.Kind] = true
					c.Flags = append(c.Flags, "redacted:"+r.Kind)
				}
			}
			for _, f := range guardrails.ScreenInjection(red) {
				c.Flags = append(c.Flags, "injection:"+f.Rule)
			}
			out = append(out, c)
		}
	}
	return out
}

func sections(d Document) []section {
	cur := section{heading: "overview"}
	var out []section
	fence := false
	headings := 0
	for _, line := range strings.Split(strings.ReplaceAll(d.Body, "\r\n", "\n"), "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			fence = !fence
		}
		if !fence {
			if level, text := heading(trim); level > 0 {
				headings++
				// A first-level heading repeating the title names the
				// document, not a section.
				if level == 1 && headings == 1 && len(out) == 0 && strings.TrimSpace(strings.Join(cur.body, "")) == "" {
					continue
				}
				out = append(out, cur)
				cur = section{heading: text}
				continue
			}
		}
		cur.body = append(cur.body, line)
	}
	return append(out, cur)
}

// heading returns the level and text of a Markdown ATX heading line.
func heading(line string) (int, string) {
	level := 0
	for level < len(line) && line[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level == len(line) || line[level] != ' ' {
		return 0, ""
	}
	text := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(line[level:]), "#"))
	if text == "" {
		return 0, ""
	}
	return level, text
}

// slugify turns a heading into a citation-safe section name: lowercase
// letters and digits joined by hyphens.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) && r < unicode.MaxASCII || unicode.IsDigit(r) && r < unicode.MaxASCII {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "section"
	}
	return b.String()
}

// split packs the paragraphs of text into parts of at most MaxChars, each
// after the first starting with the last sentences (up to Overlap
// characters) of the one before.
func split(text string, opt ChunkOptions) []string {
	if len(text) <= opt.MaxChars {
		return []string{text}
	}
	var pieces []string // paragraphs, long ones cut into sentences
	for _, p := range strings.Split(text, "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if len(p) <= opt.MaxChars-opt.Overlap {
			pieces = append(pieces, p)
			continue
		}
		pieces = append(pieces, cut(p, opt.MaxChars-opt.Overlap)...)
	}
	var parts []string
	var cur strings.Builder
	for _, p := range pieces {
		if cur.Len() > 0 && cur.Len()+2+len(p) > opt.MaxChars {
			parts = append(parts, cur.String())
			tail := overlap(cur.String(), opt.Overlap)
			cur.Reset()
			if tail != "" && len(tail)+2+len(p) <= opt.MaxChars {
				cur.WriteString(tail)
			}
		}
		if cur.Len() > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(p)
	}
	if cur.Len() > 0 {
		parts = append(parts, cur.String())
	}
	return parts
}

// cut splits a long paragraph at sentence ends, or at spaces when a
// sentence alone is too long, into pieces of at most n bytes.
func cut(p string, n int) []string {
	var out []string
	for len(p) > n {
		at := -1
		for i := n; i > n/2; i-- {
			if (p[i-1] == '.' || p[i-1] == '!' || p[i-1] == '?') && p[i] == ' ' {
				at = i
				break
			}
		}
		if at < 0 {
			at = strings.LastIndexByte(p[:n], ' ')
		}
		if at <= 0 {
			at = n // one enormous word
		}
		out = append(out, strings.TrimSpace(p[:at]))
		p = strings.TrimSpace(p[at:])
	}
	if p != "" {
		out = append(out, p)
	}
	return out
}

// overlap returns the last whole sentences of s that fit in n bytes.
func overlap(s string, n int) string {
	if len(s) <= n {
		return s
	}
	tail := s[len(s)-n:]
	for i := 0; i < len(tail)-1; i++ {
		if (tail[i] == '.' || tail[i] == '!' || tail[i] == '?' || tail[i] == '\n') && (tail[i+1] == ' ' || tail[i+1] == '\n') {
			return strings.TrimSpace(tail[i+1:])
		}
	}
	return "" // no sentence boundary: no overlap rather than half a sentence
}

// IncidentDocument turns an incident of a dataset (or the store) into a
// postmortem document, so incident history is retrieved and cited like
// the shipped postmortems: id "incident-<id>", the affected service and
// the root cause as its services.
func IncidentDocument(in slorec.Incident) Document {
	services := []string{in.Service}
	if in.RootCause != "" && in.RootCause != in.Service {
		services = append(services, in.RootCause)
	}
	var b strings.Builder
	b.WriteString("## Summary\n\n")
	if in.Summary != "" {
		b.WriteString(in.Summary)
	} else {
		b.WriteString(in.Title)
	}
	b.WriteString("\n\n## Timeline\n\n")
	b.WriteString("Started " + in.Start.UTC().Format("2006-01-02 15:04 UTC"))
	if !in.End.IsZero() {
		b.WriteString(", ended " + in.End.UTC().Format("2006-01-02 15:04 UTC") + " (" + in.End.Sub(in.Start).String() + ")")
	}
	b.WriteString(".")
	if in.Severity != "" {
		b.WriteString(" Severity " + in.Severity + ".")
	}
	b.WriteString(" Affected service: " + in.Service + ".")
	if in.RootCause != "" {
		b.WriteString(" Root cause in " + in.RootCause + ".")
	}
	return Document{ID: "incident-" + slugify(in.ID), Kind: "postmortem", Title: in.Title, Services: services, Tags: []string{"incident"}, Source: "incident history", Body: b.String()}
}

// Snippet is the start of text with its whitespace collapsed, cut at a
// word boundary within n bytes (or at n when the last word boundary is in
// the first half) and marked with an ellipsis when cut.
func Snippet(text string, n int) string {
	s := strings.Join(strings.Fields(text), " ")
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut-- // never split a character
		}
	}
	return s[:cut] + " …"
}
