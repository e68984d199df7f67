package chat

import (
	"math"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
)

// pct writes a ratio as a percentage with up to three decimals, the way
// the engine's facts do ("99.506%").
func pct(v float64) string { return pctDigits(v, 3) }

func pctDigits(v float64, d int) string {
	p := math.Pow10(d)
	s := strconv.FormatFloat(math.Round(v*100*p)/p, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}

// pctPair writes two ratios as percentages with the fewest decimals (from
// three up to six) that tell them apart.
func pctPair(a, b float64) (string, string) {
	for d := 3; d < 6; d++ {
		if x, y := pctDigits(a, d), pctDigits(b, d); x != y {
			return x, y
		}
	}
	return pctDigits(a, 6), pctDigits(b, 6)
}

// pp writes a ratio difference in percentage points with four decimals
// and a sign ("+0.0055 pp", "-0.0733 pp").
func pp(v float64) string {
	s := strconv.FormatFloat(math.Round(v*1e6)/1e4, 'f', 4, 64)
	if v >= 0 {
		s = "+" + s
	}
	return s + " pp"
}

// ms writes milliseconds with at most one decimal.
func ms(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " ms"
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func objective(r *slorec.Recommendation, sli slorec.SLIKind) *slorec.Objective {
	for i := range r.Objectives {
		if r.Objectives[i].SLI == sli {
			return &r.Objectives[i]
		}
	}
	return nil
}

// Fact kinds the answers look up by the engine's wording (see
// reasoning/recommend/build.go).
type factKind int

const (
	factRecommendedAvailability factKind = iota
	factCurrentAvailability
	factCeiling // as the dependencies are
	factPromise // with every hard dependency held to its recommendation
	factRecommendedLatency
	factCurrentLatency
	factConfidence
)

func (k factKind) match(f slorec.Fact) bool {
	s := f.Statement
	switch k {
	case factRecommendedAvailability:
		return strings.HasPrefix(s, "recommended ") && strings.Contains(s, " availability SLO for ")
	case factCurrentAvailability:
		return strings.HasPrefix(s, "current availability SLO of ")
	case factCeiling:
		return strings.Contains(s, " availability ceiling from its dependencies")
	case factPromise:
		return strings.Contains(s, " ceiling with every hard dependency held to its recommended SLO")
	case factRecommendedLatency:
		return strings.HasPrefix(s, "recommended ") && strings.Contains(s, " latency SLO for ")
	case factCurrentLatency:
		return strings.HasPrefix(s, "current latency SLO of ")
	case factConfidence:
		return strings.HasPrefix(s, "confidence in the ")
	}
	return false
}

// fact returns the first fact of rec of kind k, or nil.
func fact(rec *slorec.Recommendation, k factKind) *slorec.Fact {
	for i := range rec.Facts {
		if k.match(rec.Facts[i]) {
			return &rec.Facts[i]
		}
	}
	return nil
}

// boundFact is the fact stating the availability bound: the promise when
// it is below the ceiling, else the ceiling.
func boundFact(rec *slorec.Recommendation) *slorec.Fact {
	if p := fact(rec, factPromise); p != nil {
		return p
	}
	return fact(rec, factCeiling)
}

// factSet collects the facts an answer uses, once each, with ids
// prefixed by their service when the answer is about several.
type factSet struct {
	prefix bool
	list   []slorec.Fact
	seen   map[string]bool
}

func newFactSet(prefix bool) *factSet { return &factSet{prefix: prefix, seen: map[string]bool{}} }

// use adds f of service svc and returns the id the answer cites it by; ""
// for a nil fact.
func (s *factSet) use(svc string, f *slorec.Fact) string {
	if f == nil {
		return ""
	}
	c := *f
	if s.prefix {
		c.ID = svc + ":" + f.ID
	}
	if !s.seen[c.ID] {
		s.seen[c.ID] = true
		s.list = append(s.list, c)
	}
	return c.ID
}

// useIDs adds the facts of rec with the given ids.
func (s *factSet) useIDs(rec *slorec.Recommendation, ids []string) []string {
	var out []string
	for _, id := range ids {
		for i := range rec.Facts {
			if rec.Facts[i].ID == id {
				out = append(out, s.use(rec.Service, &rec.Facts[i]))
			}
		}
	}
	return out
}

// stated adds a fact the chat engine states from a report's number, with
// an id of prefix and the next number ("W3").
func (s *factSet) stated(prefix string, value float64, unit, source, statement string) string {
	id := prefix + strconv.Itoa(len(s.list)+1)
	s.seen[id] = true
	s.list = append(s.list, slorec.Fact{ID: id, Statement: statement, Value: value, Unit: unit, Source: source})
	return id
}

// refs writes fact and citation ids as "[F1, F2]"; "" for none.
func refs(ids ...string) string {
	var keep []string
	for _, id := range ids {
		if id != "" {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return " [" + strings.Join(keep, ", ") + "]"
}
