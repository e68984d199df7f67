package chat

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/slorec/slorec/reasoning/recommend"
)

// Intent is what a question asks for.
type Intent string

// Intents.
const (
	// IntentExplain: why a service's recommendation is what it is.
	IntentExplain Intent = "explain"
	// IntentWhatIf: what an availability change of a service does to its
	// dependents.
	IntentWhatIf Intent = "what-if"
	// IntentCompare: two or more services side by side.
	IntentCompare Intent = "compare"
	// IntentAtRisk: which services' SLOs are at risk (fleet health).
	IntentAtRisk Intent = "at-risk"
	// IntentKnowledge: what the knowledge base (policies, runbooks,
	// guides) says.
	IntentKnowledge Intent = "knowledge"
	// IntentRefuse: anything else, and messages that try to instruct the
	// assistant.
	IntentRefuse Intent = "refuse"
)

// Intents returns every intent, in the order the router tries them after
// the refusals no model may overrule (write requests, off-topic asks).
func Intents() []Intent {
	return []Intent{IntentWhatIf, IntentCompare, IntentKnowledge, IntentAtRisk, IntentExplain, IntentRefuse}
}

// Valid reports whether i is a known intent.
func (i Intent) Valid() bool { return slices.Contains(Intents(), i) }

// Route is the router's reading of one question. Services and targets
// are only what the text says; the engine fills in the conversation's
// context for a question that names no service ("what if it drops to
// 99%?").
type Route struct {
	// Intent is empty when no rule matched: the engine then repeats the
	// conversation's last intent for a follow-up that names a service,
	// or refuses.
	Intent Intent `json:"intent,omitempty"`
	// Rule names the rule that decided the intent, for the record.
	Rule string `json:"rule,omitempty"`
	// Services are the fleet's service ids the text mentions, in order.
	Services []string `json:"services,omitempty"`
	// Unknown are service-like names the text mentions that are not in
	// the fleet, as written.
	Unknown []string `json:"unknown,omitempty"`
	// Targets are the availability figures the text names, as ratios
	// (0.99 for "99%"), in order.
	Targets []float64 `json:"targets,omitempty"`
	// ThresholdsMs are the latency figures it names, in ms.
	ThresholdsMs []float64 `json:"thresholds_ms,omitempty"`
	// Changes are the what-if changes read from the text: each target
	// with the service mentioned nearest before it (after it when none
	// is before). Service is empty when the text names none ("it").
	Changes []recommend.Change `json:"changes,omitempty"`
	// Budget reports a question about the error budget.
	Budget bool `json:"budget,omitempty"`
	// FollowUp reports a question that continues the conversation
	// ("what about payment-service?", "and inventory?").
	FollowUp bool `json:"follow_up,omitempty"`
	// Strong reports a refusal no model may overrule: off-topic requests
	// and requests to change something.
	Strong bool `json:"strong,omitempty"`
	// ReadOnly reports a request to change something, refused because
	// the assistant only reads.
	ReadOnly bool `json:"read_only,omitempty"`
}

// Router reads questions with fixed rules: keyword and pattern rules for
// the intent, and service-name matching against the fleet's ids. It
// matches ids case-insensitively, with possessives ("checkout-service's"),
// with spaces for hyphens ("payment service") and without a "-service"
// suffix when that is unambiguous ("checkout"). A Router is immutable and
// safe for concurrent use.
type Router struct {
	ids   []string
	forms []form // longest first
}

// form is one way a service id may be written.
type form struct {
	text string
	id   string
}

// NewRouter returns a router over the fleet's service ids.
func NewRouter(ids []string) *Router {
	r := &Router{ids: slices.Clone(ids)}
	slices.Sort(r.ids)
	r.ids = slices.Compact(r.ids)
	lower := map[string]string{}
	for _, id := range r.ids {
		lower[strings.ToLower(id)] = id
	}
	seen := map[string]string{} // form text -> id; "" when ambiguous
	add := func(text, id string) {
		if text == "" {
			return
		}
		if prev, ok := seen[text]; ok && prev != id {
			seen[text] = ""
			return
		}
		seen[text] = id
	}
	for l, id := range lower {
		add(l, id)
		add(spaced(l), id)
	}
	for l, id := range lower {
		alias, ok := strings.CutSuffix(l, "-service")
		if !ok {
			alias, ok = strings.CutSuffix(l, "_service")
		}
		if !ok || alias == "" {
			continue
		}
		if _, isID := lower[alias]; isID {
			continue
		}
		add(alias, id)
		add(spaced(alias), id)
	}
	for text, id := range seen {
		if id != "" {
			r.forms = append(r.forms, form{text, id})
		}
	}
	slices.SortFunc(r.forms, func(a, b form) int {
		return cmp.Or(cmp.Compare(len(b.text), len(a.text)), cmp.Compare(a.text, b.text))
	})
	return r
}

func spaced(s string) string { return strings.NewReplacer("-", " ", "_", " ").Replace(s) }

// IDs returns the fleet's service ids, sorted.
func (r *Router) IDs() []string { return slices.Clone(r.ids) }

// Resolve returns the fleet id name stands for (an id in any case, or one
// of its forms), or "" when it stands for none.
func (r *Router) Resolve(name string) string {
	n := strings.TrimSpace(strings.ToLower(normalize(name)))
	for _, f := range r.forms {
		if f.text == n {
			return f.id
		}
	}
	return ""
}

// rule is one intent rule: a pattern over the normalized text.
type rule struct {
	name   string
	intent Intent
	re     *regexp.Regexp
}

var (
	// Refusals no model may overrule: off-topic asks and write requests.
	offTopicRules = []rule{
		{"off-topic", IntentRefuse, regexp.MustCompile(`\b(?:weather|forecast|jokes?|poems?|recipes?|songs?|lyrics|horoscope|stock prices?|bitcoin|football|soccer|movies?|translate|sudoku|chess)\b`)},
		{"off-topic-writing", IntentRefuse, regexp.MustCompile(`\bwrite (?:me )?(?:a |an |some |the )?(?:code|script|program|function|class|poem|essay|story|e-?mail|letter|sql|query|regex|bash|python|golang|java|javascript|unit tests?)\b`)},
		{"off-topic-trivia", IntentRefuse, regexp.MustCompile(`\b(?:who (?:is|was|won) (?:the )?(?:president|king|queen|world cup)|capital of|meaning of life)\b`)},
	}
	readOnlyRule = regexp.MustCompile(`^(?:please\s+|pls\s+|(?:can|could|would|will) you\s+(?:please\s+)?|now\s+|go ahead and\s+|i want you to\s+)?(?:set|change|update|modify|edit|delete|remove|apply|accept|reject|approve|deploy|commit|lower|raise|increase|decrease|disable|enable|create|restart|rollback|roll back|page|silence)\b`)

	whatIfRule  = regexp.MustCompile(`\bwhat[- ]if\b|\bwhat (?:would |will )?happens?\b.*\bif\b|\bwhat would happen\b|\bsuppose\b|\bimagine\b|\bhypothetical(?:ly)?\b|\bsimulate\b|\bimpact of\b|\bif\b.*\b(?:drops?|dropped|falls?|fell|degrades?|degraded|delivers?|delivered|commits?|committed|went|goes|moves?|moved|lowered|raised|were|was|only (?:gets|has|had|reaches))\b`)
	compareRule = regexp.MustCompile(`\bcompar(?:e|es|ed|ing|ison)\b|\bversus\b|\bvs\.?(?:\s|$)|\bdifference between\b|\bside[- ]by[- ]side\b|\bdiffers? from\b|\b(?:better|worse|stricter|looser) than\b`)
	// Knowledge questions named by the document kind or the asking
	// shape ("what does our ... say", "how do we handle ...").
	knowledgeStrongRule = regexp.MustCompile(`\b(?:polic(?:y|ies)|runbooks?|playbooks?|post-?mortems?|incident reports?|guidelines?|guides?|best practices?|templates?|documentation|docs|knowledge base|corpus|provider slas?)\b|\bwhat (?:does|do|did) (?:our|the|my|your) .{0,60}\b(?:say|said|recommend|require|state|suggest|mean)s?\b|\bhow (?:do|should|can|would|could|must) (?:we|i|you|teams?|one) (?:handle|respond|react|deal|mitigate|recover|prepare|page|escalate|run|manage|write|set up|define|choose|pick|measure|alert|treat|avoid|reduce|protect|test|roll out|approach)\b|\b(?:good|typical|reasonable|standard|common) (?:slos?|slis?|targets?)\b`)
	atRiskRule          = regexp.MustCompile(`\bat[- ]risk\b|\brisk(?:s|y|iest)?\b|\bin danger\b|\binfeasible\b|\bneeds? (?:a )?(?:human )?review\b|\bunhealthy\b|\bhealth(?:y)?\b|\bwhat should (?:i|we) worry about\b|\bworr(?:y|ied|ying)\b|\bbreach(?:ed|es|ing)?\b|\bscorecard\b|\bin trouble\b|\b(?:least|low|little|no|enough) headroom\b|\b(?:dependency )?cycles?\b|\bcircular\b|\b(?:failing|struggling|problematic|unrealistic|unachievable|not (?:feasible|achievable|met))\b`)
	explainRule         = regexp.MustCompile(`\bwhy\b|\bexplain(?:s|ed)?\b|\bexplanation\b|\brecommend(?:s|ed|ation|ations)?\b|\btargets?\b|\bslos?\b|\bobjectives?\b|\bceiling\b|\bbound\b|\bjustif(?:y|ied|ication)\b|\breason(?:s|ing)?\b|\brationale\b|\bhow (?:is|was|are|were|do(?:es)?|did) .{0,60}\b(?:computed|calculated|derived|chosen|picked|set|determined|compute|calculate|derive|choose|get|got|arrive)\b|\btell me about\b|\bavailability\b|\blatency\b|\bconfidence\b|\bnumbers?\b|\b(?:error )?budgets?\b`)
	knowledgeWeakRule   = regexp.MustCompile(`\berror budgets?\b|\bburn[- ]rates?\b|\bon[- ]?call\b|\bescalat\w*|\bincidents?\b|\boutages?\b|\bfreeze\b|\bslas?\b|\bmitigat\w*|\bretr(?:y|ies)\b|\bcircuit[- ]breakers?\b|\bfallbacks?\b|\bgraceful degradation\b|\bextra nine\b|\bwhat (?:is|are) (?:an? )?(?:slos?|slis?|slas?|error budgets?|burn rates?)\b|\bdefin(?:e|ition)\b|\balert(?:s|ing)?\b|\bpag(?:e|es|ing)\b|\bdegrad\w*|\bproviders?\b|\bfailover\b|\bqueues?\b|\bbacklog\b|\bregression\b`)
	budgetRule          = regexp.MustCompile(`\b(?:error )?budgets?\b`)
	whyRule             = regexp.MustCompile(`\bwhy\b|\bexplain`)
	followUpRule        = regexp.MustCompile(`^(?:and|also|what about|how about|same for|and for|and what about|now|then|ok|okay)\b`)
	pronounRule         = regexp.MustCompile(`\b(?:it|its|that one|this one|that service|this service|the same service|them|both)\b`)
)

// Route reads text. It never fails: a question it cannot place has an
// empty Intent (or IntentRefuse for off-topic and write requests).
func (r *Router) Route(text string) Route {
	t := normalize(text)
	var rt Route
	var positions []int
	rt.Services, positions, rt.Unknown = r.mentions(t)
	rt.Targets, rt.ThresholdsMs = figures(t)
	rt.FollowUp = followUpRule.MatchString(t)
	rt.Budget = budgetRule.MatchString(t)

	set := func(i Intent, name string) { rt.Intent, rt.Rule = i, name }
	switch {
	case readOnlyRule.MatchString(t) && !whatIfRule.MatchString(t):
		set(IntentRefuse, "read-only")
		rt.Strong, rt.ReadOnly = true, true
	case matchAny(offTopicRules, t) != "":
		set(IntentRefuse, matchAny(offTopicRules, t))
		rt.Strong = true
	case whatIfRule.MatchString(t):
		set(IntentWhatIf, "what-if")
	case compareRule.MatchString(t):
		set(IntentCompare, "compare")
	case knowledgeStrongRule.MatchString(t):
		set(IntentKnowledge, "knowledge")
	case whyRule.MatchString(t) && len(rt.Services) > 0:
		set(IntentExplain, "why")
	case atRiskRule.MatchString(t):
		set(IntentAtRisk, "at-risk")
	case explainRule.MatchString(t) && (len(rt.Services) > 0 || len(rt.Unknown) > 0 || pronounRule.MatchString(t) || !knowledgeWeakRule.MatchString(t)):
		set(IntentExplain, "explain")
	case knowledgeWeakRule.MatchString(t):
		set(IntentKnowledge, "knowledge-topic")
	case len(rt.Services) > 0 && !rt.FollowUp:
		set(IntentExplain, "service-only")
	}
	if rt.Intent == IntentWhatIf || (rt.Intent == "" && len(rt.Targets) > 0) {
		rt.Changes = changes(t, rt.Services, positions, rt.Targets)
	}
	return rt
}

func matchAny(rules []rule, t string) string {
	for _, r := range rules {
		if r.re.MatchString(t) {
			return r.name
		}
	}
	return ""
}

var (
	possessive = regexp.MustCompile(`([a-z0-9])'s\b`)
	plainPoss  = regexp.MustCompile(`([a-z0-9])s'(\s|$)`)
)

// normalize lowercases s, straightens quotes and drops possessives, so
// "Checkout-Service's" reads "checkout-service".
func normalize(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`, "\u00a0", " ").Replace(s)
	s = possessive.ReplaceAllString(s, "$1")
	s = plainPoss.ReplaceAllString(s, "${1}s$2")
	return s
}

// isWordByte reports bytes that continue a service id.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// idShape is a hyphenated name; serviceSuffix says it names a service.
var (
	idShape       = regexp.MustCompile(`[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+`)
	serviceSuffix = regexp.MustCompile(`[-_](?:service|svc|api|db|database|gateway|cache|queue|events|worker|store|server|backend|frontend)$`)
	wordService   = regexp.MustCompile(`\b([a-z][a-z0-9]+) service\b`)
)

// notNames are words before "service" that do not name one.
var notNames = map[string]bool{
	"the": true, "a": true, "an": true, "this": true, "that": true, "which": true, "each": true, "every": true,
	"any": true, "my": true, "our": true, "your": true, "their": true, "its": true, "another": true, "other": true,
	"one": true, "some": true, "same": true, "what": true, "whose": true, "per": true, "external": true,
	"internal": true, "web": true, "critical": true, "high": true, "standard": true, "low": true,
	"tier": true, "stateless": true, "downstream": true, "upstream": true, "dependent": true, "given": true,
	"single": true, "whole": true, "customer": true, "managed": true, "cloud": true, "third": true, "party": true,
}

// mentions finds the fleet's services in t, in order of first mention
// with their positions, and the service-like names that are not the
// fleet's.
func (r *Router) mentions(t string) (ids []string, at []int, unknown []string) {
	taken := make([]bool, len(t))
	type hit struct {
		pos int
		id  string
	}
	var hits []hit
	for _, f := range r.forms {
		for from := 0; from < len(t); {
			i := strings.Index(t[from:], f.text)
			if i < 0 {
				break
			}
			a, b := from+i, from+i+len(f.text)
			from = a + 1
			if a > 0 && isWordByte(t[a-1]) || b < len(t) && isWordByte(t[b]) {
				continue
			}
			if slices.Contains(taken[a:b], true) {
				continue
			}
			for k := a; k < b; k++ {
				taken[k] = true
			}
			hits = append(hits, hit{a, f.id})
		}
	}
	slices.SortFunc(hits, func(x, y hit) int { return cmp.Compare(x.pos, y.pos) })
	for _, h := range hits {
		if !slices.Contains(ids, h.id) {
			ids = append(ids, h.id)
			at = append(at, h.pos)
		}
	}
	free := func(a, b int) bool { return !slices.Contains(taken[a:b], true) }
	for _, loc := range idShape.FindAllStringIndex(t, -1) {
		a, b := loc[0], loc[1]
		if (a > 0 && isWordByte(t[a-1])) || !free(a, b) {
			continue
		}
		if name := t[a:b]; serviceSuffix.MatchString(name) && !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	for _, m := range wordService.FindAllStringSubmatchIndex(t, -1) {
		a, b := m[2], m[3]
		if name := t[a:b]; !notNames[name] && free(a, m[1]) && !slices.Contains(unknown, name+" service") {
			unknown = append(unknown, name+" service")
		}
	}
	return ids, at, unknown
}

var (
	percentFig = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)`)
	ratioFig   = regexp.MustCompile(`(?:^|[^\d.])(0\.\d+)\b`)
	ninesFig   = regexp.MustCompile(`\b(two|three|four|five|2|3|4|5)[ -]nines?\b`)
	bareFig    = regexp.MustCompile(`\b(?:to|at|of|delivers?|only|reaches|gets|hits)\s+(\d{2}(?:\.\d+)?)(?:\s|$|[?.!,;])`)
	msFig      = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*(ms|msec|milliseconds?|s|sec|secs|seconds?)\b`)
)

// figures reads the availability targets (as ratios) and latency
// thresholds (in ms) t names, in order of appearance.
func figures(t string) (targets, thresholds []float64) {
	type fig struct {
		pos int
		v   float64
	}
	var figs []fig
	used := make([]bool, len(t))
	mark := func(a, b int) {
		for k := a; k < b; k++ {
			used[k] = true
		}
	}
	for _, m := range percentFig.FindAllStringSubmatchIndex(t, -1) {
		if v, err := strconv.ParseFloat(t[m[2]:m[3]], 64); err == nil && v > 0 && v < 100 {
			figs = append(figs, fig{m[0], v / 100})
		}
		mark(m[0], m[1])
	}
	for _, m := range ninesFig.FindAllStringSubmatchIndex(t, -1) {
		n := map[string]int{"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}[t[m[2]:m[3]]]
		figs = append(figs, fig{m[0], 1 - math.Pow10(-n)})
		mark(m[0], m[1])
	}
	for _, m := range ratioFig.FindAllStringSubmatchIndex(t, -1) {
		if used[m[2]] {
			continue
		}
		if v, err := strconv.ParseFloat(t[m[2]:m[3]], 64); err == nil && v > 0 && v < 1 {
			figs = append(figs, fig{m[2], v})
			mark(m[2], m[3])
		}
	}
	for _, m := range msFig.FindAllStringSubmatchIndex(t, -1) {
		if used[m[2]] || (m[2] > 0 && (t[m[2]-1] == '.' || t[m[2]-1] >= 'a' && t[m[2]-1] <= 'z')) {
			continue
		}
		v, err := strconv.ParseFloat(t[m[2]:m[3]], 64)
		if err != nil || v <= 0 {
			continue
		}
		if u := t[m[4]:m[5]]; !strings.HasPrefix(u, "m") {
			v *= 1000
		}
		thresholds = append(thresholds, v)
		mark(m[0], m[1])
	}
	for _, m := range bareFig.FindAllStringSubmatchIndex(t, -1) {
		if used[m[2]] {
			continue
		}
		if v, err := strconv.ParseFloat(t[m[2]:m[3]], 64); err == nil && v >= 90 && v < 100 {
			figs = append(figs, fig{m[2], v / 100})
		}
	}
	slices.SortStableFunc(figs, func(a, b fig) int { return cmp.Compare(a.pos, b.pos) })
	for _, f := range figs {
		targets = append(targets, math.Round(f.v*1e9)/1e9)
	}
	return targets, thresholds
}

// changes pairs each target with the service mentioned nearest before it,
// or after it when none is; a service is changed once.
func changes(t string, ids []string, at []int, targets []float64) []recommend.Change {
	var out []recommend.Change
	pos := targetPositions(t)
	for i, v := range targets {
		p := len(t)
		if i < len(pos) {
			p = pos[i]
		}
		best := -1
		for j := range ids {
			if at[j] < p && (best < 0 || at[j] > at[best]) {
				best = j
			}
		}
		if best < 0 {
			for j := range ids {
				if at[j] > p && (best < 0 || at[j] < at[best]) {
					best = j
				}
			}
		}
		svc := ""
		if best >= 0 {
			svc = ids[best]
		}
		if slices.ContainsFunc(out, func(c recommend.Change) bool { return c.Service == svc }) {
			continue
		}
		out = append(out, recommend.Change{Service: svc, Target: v})
	}
	return out
}

// targetPositions are the positions of the figures figures reads as
// targets, in the same order.
func targetPositions(t string) []int {
	var pos []int
	used := map[int]bool{}
	for _, re := range []*regexp.Regexp{percentFig, ninesFig} {
		for _, m := range re.FindAllStringSubmatchIndex(t, -1) {
			pos = append(pos, m[0])
			used[m[2]] = true
		}
	}
	for _, re := range []*regexp.Regexp{ratioFig, bareFig} {
		for _, m := range re.FindAllStringSubmatchIndex(t, -1) {
			if !used[m[2]] {
				pos = append(pos, m[2])
			}
		}
	}
	slices.Sort(pos)
	return pos
}

// Suggest returns up to n fleet ids close to name (edit distance, or one
// containing the other), closest first.
func (r *Router) Suggest(name string, n int) []string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.ReplaceAll(name, " ", "-")
	best := map[string]int{}
	for _, f := range r.forms {
		ft := strings.ReplaceAll(f.text, " ", "-")
		d := distance(name, ft)
		if strings.Contains(ft, name) || strings.Contains(name, ft) {
			d = min(d, 1)
		}
		if limit := max(2, len(name)/3); d <= limit {
			if old, ok := best[f.id]; !ok || d < old {
				best[f.id] = d
			}
		}
	}
	var out []string
	for id := range best {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(best[a], best[b]), cmp.Compare(a, b)) })
	return out[:min(n, len(out))]
}

// closeWord finds a word of t within a small edit distance of a service
// form, for a question that names no service but misspells one
// ("chekout"). It returns the word and its suggestions.
func (r *Router) closeWord(t string) (string, []string) {
	for _, w := range strings.FieldsFunc(normalize(t), func(c rune) bool { return !(c < 128 && isWordByte(byte(c))) }) {
		if len(w) < 5 || stopWords[w] {
			continue
		}
		var near []string
		for _, f := range r.forms {
			if d := distance(w, strings.ReplaceAll(f.text, " ", "-")); d > 0 && d <= max(1, len(w)/4) && !slices.Contains(near, f.id) {
				near = append(near, f.id)
			}
		}
		if len(near) > 0 {
			slices.Sort(near)
			return w, near
		}
	}
	return "", nil
}

// stopWords are words closeWord never reads as a misspelt service.
var stopWords = map[string]bool{
	"explain": true, "target": true, "targets": true, "service": true, "services": true, "recommendation": true,
	"availability": true, "latency": true, "compare": true, "about": true, "which": true, "where": true,
	"there": true, "their": true, "these": true, "those": true, "should": true, "would": true, "could": true,
	"ceiling": true, "budget": true, "policy": true, "happens": true, "drops": true, "commit": true,
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
