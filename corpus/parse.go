package corpus

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxIDLen bounds ids so citation ids ("kind/id#section") stay readable.
const maxIDLen = 100

// authorsSource is the source of documents written entirely by the project.
const authorsSource = "slorec authors"

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	headingPattern = regexp.MustCompile(`^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$`)
)

// Parse parses one Markdown document with optional YAML front matter. It
// is lenient, for user documents: without an id the id is derived from the
// file name in path ("NodeDiskFull.md" becomes "node-disk-full"), without a
// kind the kind is "guide", without a title the title is the first Markdown
// heading, and unknown front matter fields are ignored. The result is
// validated; the error, if any, is a *ValidationError listing every problem.
func Parse(path string, data []byte) (Document, error) {
	d, probs := parse(path, data, false)
	if len(probs) > 0 {
		return Document{}, &ValidationError{Problems: probs}
	}
	return d, nil
}

// frontMatter is the YAML header of a document.
type frontMatter struct {
	ID          string     `yaml:"id"`
	Kind        string     `yaml:"kind"`
	Title       string     `yaml:"title"`
	Services    stringList `yaml:"services"`
	Tags        stringList `yaml:"tags"`
	Source      stringList `yaml:"source"`
	License     string     `yaml:"license"`
	LicenseNote string     `yaml:"license_note"`
	Date        string     `yaml:"date"`
	SLAs        []SLA      `yaml:"slas"`
}

// stringList accepts a YAML string or a list of strings.
type stringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*l = nil
			return nil
		}
		*l = stringList{n.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = s
		return nil
	}
	return fmt.Errorf("line %d: want a string or a list of strings", n.Line)
}

// parse parses and validates one document. Strict parsing is for shipped
// documents: front matter is required, every required field must be given
// explicitly, and unknown fields are errors.
func parse(path string, data []byte, strict bool) (Document, []Problem) {
	problem := func(field, format string, args ...any) []Problem {
		return []Problem{{Path: path, Field: field, Message: fmt.Sprintf(format, args...)}}
	}
	if !utf8.Valid(data) {
		return Document{}, problem("body", "not valid UTF-8")
	}
	text := normalize(string(data))
	fmText, body, hasFM, err := splitFrontMatter(text)
	if err != nil {
		return Document{}, problem("front matter", "%v", err)
	}
	var fm frontMatter
	switch {
	case hasFM:
		if err := decodeFrontMatter(fmText, &fm, strict); err != nil {
			return Document{}, problem("front matter", "%v", err)
		}
	case strict:
		return Document{}, problem("front matter", "missing: shipped documents start with a --- block giving id, kind, title, source and license")
	}

	d := Document{
		ID:          strings.TrimSpace(fm.ID),
		Kind:        strings.TrimSpace(fm.Kind),
		Title:       strings.TrimSpace(fm.Title),
		Services:    trimAll(fm.Services),
		Tags:        trimAll(fm.Tags),
		Sources:     trimAll(fm.Source),
		License:     strings.TrimSpace(fm.License),
		LicenseNote: strings.TrimSpace(fm.LicenseNote),
		Date:        strings.TrimSpace(fm.Date),
		SLAs:        fm.SLAs,
		Body:        strings.TrimSpace(body),
		Path:        path,
	}
	d.Source = strings.Join(d.Sources, ", ")
	if !strict {
		if d.ID == "" {
			d.ID = idFromPath(path)
		}
		if d.Kind == "" {
			d.Kind = KindGuide
		}
		if d.Title == "" {
			d.Title = firstHeading(d.Body)
		}
	}
	if probs := d.problems(strict); len(probs) > 0 {
		return Document{}, probs
	}
	return d, nil
}

// problems validates d. Strict adds the rules for shipped documents:
// source and license are required, sources are https URLs or "slorec
// authors", and services and tags are kebab-case.
func (d *Document) problems(strict bool) []Problem {
	var out []Problem
	add := func(field, format string, args ...any) {
		out = append(out, Problem{Path: d.Path, Field: field, Message: fmt.Sprintf(format, args...)})
	}

	switch {
	case d.ID == "":
		add("id", "missing")
	case len(d.ID) > maxIDLen:
		add("id", "%d characters, longer than %d", len(d.ID), maxIDLen)
	case !idPattern.MatchString(d.ID):
		add("id", "bad id %q: use lowercase letters, digits and single hyphens (kebab-case)", d.ID)
	}
	switch {
	case d.Kind == "":
		add("kind", "missing (want one of %s)", strings.Join(Kinds(), ", "))
	case !ValidKind(d.Kind):
		add("kind", "unknown kind %q (want one of %s)", d.Kind, strings.Join(Kinds(), ", "))
	}
	if d.Title == "" {
		if strict {
			add("title", "missing")
		} else {
			add("title", "missing: no title in front matter and no Markdown heading in the body")
		}
	} else if strings.ContainsAny(d.Title, "\n\r") {
		add("title", "must be a single line")
	}
	if d.Body == "" {
		add("body", "empty")
	}

	for i, s := range d.Services {
		if msg := listEntryProblem(s, strict); msg != "" {
			add("services", "entry %d: %s", i, msg)
		}
	}
	for i, t := range d.Tags {
		if msg := listEntryProblem(t, strict); msg != "" {
			add("tags", "entry %d: %s", i, msg)
		}
	}

	if strict && len(d.Sources) == 0 {
		add("source", "missing (URLs the facts come from, or %q)", authorsSource)
	}
	for i, s := range d.Sources {
		switch {
		case s == "":
			add("source", "entry %d is empty", i)
		case strict && s != authorsSource && !isHTTPSURL(s):
			add("source", "entry %d: %q is neither an https URL nor %q", i, s, authorsSource)
		}
	}
	if strict && d.License == "" {
		add("license", "missing (the project's own text is CC-BY-4.0)")
	}

	if d.Date != "" {
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			add("date", "%q is not a date in the form YYYY-MM-DD", d.Date)
		}
	}
	if len(d.SLAs) > 0 && d.Kind != KindProviderSLA {
		add("slas", "only %s documents list SLAs, this one is %q", KindProviderSLA, d.Kind)
	}
	for i, s := range d.SLAs {
		if strings.TrimSpace(s.Offering) == "" {
			add("slas", "entry %d: offering is missing", i)
		}
		if !(s.Availability > 0 && s.Availability <= 1) {
			add("slas", "entry %d: availability %v is not a ratio in (0,1] (write 0.9995, not 99.95)", i, s.Availability)
		}
	}
	return out
}

func listEntryProblem(s string, strict bool) string {
	switch {
	case s == "":
		return "empty"
	case strict && !idPattern.MatchString(s):
		return fmt.Sprintf("%q is not kebab-case", s)
	}
	return ""
}

func isHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// normalize strips a byte-order mark and converts line endings to LF.
func normalize(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// splitFrontMatter separates a leading "---" block from the body. A block
// ends at a line holding only "---" or "...".
func splitFrontMatter(text string) (fm, body string, ok bool, err error) {
	first, rest, _ := strings.Cut(text, "\n")
	if strings.TrimRight(first, " \t") != "---" {
		return "", text, false, nil
	}
	offset := 0
	for offset <= len(rest) {
		line, after, found := strings.Cut(rest[offset:], "\n")
		if t := strings.TrimRight(line, " \t"); t == "---" || t == "..." {
			return rest[:offset], after, true, nil
		}
		if !found {
			break
		}
		offset += len(line) + 1
	}
	return "", "", false, errors.New(`opening "---" has no closing "---" line`)
}

// decodeFrontMatter decodes the YAML block. A leading newline stands in for
// the opening "---" so that YAML line numbers are file line numbers.
func decodeFrontMatter(text string, fm *frontMatter, strict bool) error {
	dec := yaml.NewDecoder(strings.NewReader("\n" + text))
	dec.KnownFields(strict)
	if err := dec.Decode(fm); err != nil && !errors.Is(err, io.EOF) {
		return errors.New(yamlMessage(err))
	}
	return nil
}

// yamlMessage makes a yaml.v3 error read well on one line.
func yamlMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.ReplaceAll(msg, " not found in type corpus.frontMatter", " is not a known front matter field")
	msg = strings.ReplaceAll(msg, " into corpus.frontMatter", " into front matter (want key: value fields)")
	msg = strings.ReplaceAll(msg, "corpus.", "")
	lines := strings.Split(msg, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

func trimAll(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// firstHeading returns the text of the first ATX heading outside fenced
// code, or "".
func firstHeading(body string) string {
	fence := ""
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		if m := headingPattern.FindStringSubmatch(line); m != nil {
			return strings.TrimSpace(m[1])
		}
	}
	return ""
}

// idFromPath derives a kebab-case id from a file name: the extension is
// dropped, CamelCase and runs of other characters become hyphens.
func idFromPath(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	return slugify(base)
}

func slugify(s string) string {
	rs := []rune(s)
	var b strings.Builder
	sep := false
	for i, r := range rs {
		if r >= utf8.RuneSelf || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			sep = true
			continue
		}
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				sep = true
			}
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
