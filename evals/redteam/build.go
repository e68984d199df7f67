package redteam

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval"
)

// This file has the helpers the case table is written with: replies built
// from the valid draft, and small edits of it.

// js encodes d as a model would answer.
func js(d slorec.Draft) string {
	b, _ := json.Marshal(d)
	return string(b)
}

// edited is the valid draft with change applied.
func edited(change func(c *Context, d *slorec.Draft)) func(*Context) string {
	return func(c *Context) string {
		d := c.Valid()
		change(c, &d)
		return js(d)
	}
}

// valid is the valid draft unchanged.
func valid(c *Context) string { return js(c.Draft) }

// adversarial is a case whose first reply is bad. A blocked case answers
// the repair request with the same bad reply; a repaired case answers it
// with the valid draft.
func adversarial(category, id, expect, desc, how string, rules []string, bad func(*Context) string) Case {
	replies := func(c *Context) []Reply { return []Reply{{Content: bad(c)}} }
	if expect == Repaired {
		replies = func(c *Context) []Reply { return []Reply{{Content: bad(c)}, {Content: valid(c)}} }
	}
	return Case{ID: id, Category: category, Description: desc, How: how, Expect: expect, Rules: rules, Replies: replies}
}

// good is a good draft the guardrails must accept from the model.
func good(id, desc, how string, reply func(*Context) string) Case {
	return Case{ID: id, Category: CategoryGood, Description: desc, How: how, Expect: Accepted,
		Replies: func(c *Context) []Reply { return []Reply{{Content: reply(c)}} }}
}

// on sets the service a case explains.
func (c Case) on(service string) Case { c.Service = service; return c }

// with adds knowledge documents to a case.
func (c Case) with(docs ...retrieval.Document) Case { c.Docs = append(c.Docs, docs...); return c }

// never lists text the model must never receive.
func (c Case) never(text ...string) Case { c.Forbidden = append(c.Forbidden, text...); return c }

// replace replaces old with repl in *s, or records that the valid draft
// lacks old.
func (c *Context) replace(s *string, old, repl string) {
	if !strings.Contains(*s, old) {
		c.fail("%q is not in %q", old, clipText(*s))
		return
	}
	*s = strings.Replace(*s, old, repl, 1)
}

func clipText(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// target returns d's target for sli, or records that it has none.
func (c *Context) target(d *slorec.Draft, sli slorec.SLIKind) *slorec.DraftTarget {
	for i := range d.Targets {
		if d.Targets[i].SLI == sli {
			return &d.Targets[i]
		}
	}
	c.fail("the draft has no %s target", sli)
	return &slorec.DraftTarget{}
}

// claim returns the first claim of d citing a chunk (sourced) or none
// (not sourced), or records that there is none.
func (c *Context) claim(d *slorec.Draft, sourced bool) *slorec.RationaleItem {
	for i := range d.Rationale {
		if (len(d.Rationale[i].CitationIDs) > 0) == sourced {
			return &d.Rationale[i]
		}
	}
	c.fail("the draft has no claim with sourced=%v", sourced)
	return &slorec.RationaleItem{}
}

// candidate is the target of the objective's candidate of tier.
func (c *Context) candidate(sli slorec.SLIKind, tier string) slorec.Candidate {
	for _, cand := range c.Objective(sli).Candidates {
		if cand.Tier == tier {
			return cand
		}
	}
	c.fail("no %s %s candidate", sli, tier)
	return slorec.Candidate{}
}

// percentText matches a percent written with decimals in prose.
var percentText = regexp.MustCompile(`\b(\d{1,3})\.(\d{2,})%`)

// rewritePercents rewrites every percent with two or more decimals in
// d's prose that a ratio fact states: with one decimal fewer, rounded
// from the fact's value (round) or cut from the digits written (truncate).
// A rounding that would read 100% is left as written.
func (c *Context) rewritePercents(d *slorec.Draft, round bool) {
	changed := 0
	rewrite := func(s string) string {
		return percentText.ReplaceAllStringFunc(s, func(m string) string {
			p, err := strconv.ParseFloat(strings.TrimSuffix(m, "%"), 64)
			if err != nil {
				return m
			}
			_, frac, _ := strings.Cut(strings.TrimSuffix(m, "%"), ".")
			dec := len(frac)
			if !round {
				changed++
				return strings.TrimSuffix(m, "%")[:len(m)-2] + "%"
			}
			for _, f := range c.Recommendation.Facts {
				if f.Unit != "ratio" && f.Unit != "probability" {
					continue
				}
				if math.Abs(100*f.Value-p) <= 0.5*math.Pow10(-dec)+1e-9 {
					r := strconv.FormatFloat(100*f.Value, 'f', dec-1, 64)
					if strings.HasPrefix(r, "100") {
						return m
					}
					changed++
					return r + "%"
				}
			}
			return m
		})
	}
	d.Summary = rewrite(d.Summary)
	for i := range d.Rationale {
		d.Rationale[i].Claim = rewrite(d.Rationale[i].Claim)
	}
	for i := range d.Risks {
		d.Risks[i] = rewrite(d.Risks[i])
	}
	d.ConfidenceNote = rewrite(d.ConfidenceNote)
	if changed == 0 {
		c.fail("no percent with two or more decimals to rewrite")
	}
}

// percent writes a ratio as a percent with at most dec decimals, cut
// rather than rounded (so 0.9999 never reads as 100%), without trailing
// zeros.
func percent(v float64, dec int) string {
	p := math.Floor(100*v*math.Pow10(dec)+1e-6) / math.Pow10(dec)
	s := strconv.FormatFloat(p, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}

// msText writes milliseconds as the facts do.
func msText(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64) + " ms"
}

// factIDs of the objective for sli, or records that there are none.
func (c *Context) factIDs(sli slorec.SLIKind) []string {
	ids := c.Objective(sli).FactIDs
	if len(ids) == 0 {
		c.fail("the %s objective cites no fact", sli)
	}
	return append([]string(nil), ids...)
}

// thousands writes integers of five or more digits in claim with
// thousands separators: 3918082 as 3,918,082.
func thousands(s string) string {
	return regexp.MustCompile(`\b\d{5,}\b`).ReplaceAllStringFunc(s, func(m string) string {
		var b strings.Builder
		for i, r := range m {
			if i > 0 && (len(m)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		return b.String()
	})
}

// pad returns n bytes of text made of repeated s.
func pad(s string, n int) string {
	return strings.Repeat(s, n/len(s)+1)[:n]
}

func itoa(n int) string { return fmt.Sprint(n) }

// trimFloat writes v without trailing zeros: 0.99.
func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// jsonIndent encodes d indented, as some models answer.
func jsonIndent(d slorec.Draft) (string, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	return string(b), err
}
