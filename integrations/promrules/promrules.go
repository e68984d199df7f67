package promrules

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
)

// Names of the recorded series and labels. Recording-rule names follow
// the Prometheus convention level:metric:operations; every series carries
// LabelService, LabelSLI and LabelSLO.
const (
	// ErrorRatioPrefix is followed by the window: slorec:sli_error:ratio_rate5m.
	ErrorRatioPrefix = "slorec:sli_error:ratio_rate"

	ObjectiveRecord       = "slorec:objective:ratio"
	ErrorBudgetRecord     = "slorec:error_budget:ratio"
	PeriodDaysRecord      = "slorec:time_period:days"
	CurrentBurnRateRecord = "slorec:current_burn_rate:ratio"
	PeriodBurnRateRecord  = "slorec:period_burn_rate:ratio"
	BudgetRemainingRecord = "slorec:period_error_budget_remaining:ratio"
	// ThresholdRecord is recorded for latency SLOs: the boundary measured,
	// in seconds (the Prometheus base unit).
	ThresholdRecord = "slorec:latency_threshold:seconds"

	LabelService = "slorec_service"
	LabelSLI     = "slorec_sli"
	LabelSLO     = "slorec_slo"

	// AlertName is the name of every alerting rule; the severity label
	// tells page from ticket.
	AlertName = "SlorecErrorBudgetBurn"
)

// Options configure Generate. The zero value is the default.
type Options struct {
	// Policy is the alerting policy; nil means DefaultPolicy.
	Policy []Alert
	// RunbookURL is the runbook_url annotation, in which {service} and
	// {sli} stand for the path-escaped service id and SLI kind. Empty
	// gives a placeholder to replace.
	RunbookURL string
	// Interval is the evaluation interval of every group; zero leaves it
	// to Prometheus' global setting.
	Interval time.Duration
	// Strict turns skips into errors: an SLO the mapping cannot measure
	// fails Generate with EINVALID instead of being listed in
	// Result.Skipped.
	Strict bool
}

// RuleFile is a Prometheus rule file.
type RuleFile struct {
	Groups []Group `yaml:"groups" json:"groups"`
}

// Group is a rule group.
type Group struct {
	Name     string `yaml:"name" json:"name"`
	Interval string `yaml:"interval,omitempty" json:"interval,omitempty"`
	Rules    []Rule `yaml:"rules" json:"rules"`
}

// Rule is a recording rule (Record set) or an alerting rule (Alert set).
type Rule struct {
	Record      string            `yaml:"record,omitempty" json:"record,omitempty"`
	Alert       string            `yaml:"alert,omitempty" json:"alert,omitempty"`
	Expr        string            `yaml:"expr" json:"expr"`
	For         string            `yaml:"for,omitempty" json:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
}

// Result is a generated rule file and what a person needs to trust it.
type Result struct {
	File RuleFile `json:"file"`
	// SLOs describes each SLO exported, sorted by service and SLI.
	SLOs []Exported `json:"slos"`
	// Warnings are SLOs exported with a caveat: a latency threshold
	// measured at another boundary, a condition that can never fire.
	Warnings []Note `json:"warnings,omitempty"`
	// Skipped are SLOs the mapping cannot measure, with the reason.
	Skipped []Note `json:"skipped,omitempty"`
}

// Exported describes one exported SLO.
type Exported struct {
	// Name is the slorec_slo label value, "<service>-<sli>".
	Name        string         `json:"name"`
	Service     string         `json:"service"`
	SLI         slorec.SLIKind `json:"sli"`
	Target      float64        `json:"target"`
	ErrorBudget float64        `json:"error_budget"`
	WindowDays  int            `json:"window_days"`
	// ThresholdMs is the committed latency threshold; MeasuredMs is the
	// histogram boundary the rules measure at (see Options and the
	// warnings); Le is its le label value.
	ThresholdMs float64 `json:"threshold_ms,omitempty"`
	MeasuredMs  float64 `json:"measured_ms,omitempty"`
	Le          string  `json:"le,omitempty"`
	// Alerts are the burn-rate conditions, per severity.
	Alerts []ExportedAlert `json:"alerts"`
}

// ExportedAlert is one severity's conditions for one SLO.
type ExportedAlert struct {
	Severity   string      `json:"severity"`
	For        string      `json:"for"`
	Conditions []Condition `json:"conditions"`
}

// Condition is one window pair with its burn-rate threshold.
type Condition struct {
	Long     string  `json:"long"`
	Short    string  `json:"short"`
	BurnRate float64 `json:"burn_rate"`
	// ErrorRatio is the error ratio above which it holds, BurnRate times
	// the error budget; above 1 the condition can never hold.
	ErrorRatio float64 `json:"error_ratio"`
}

// Note is a warning or a skip about one SLO.
type Note struct {
	Service string         `json:"service"`
	SLI     slorec.SLIKind `json:"sli"`
	Message string         `json:"message"`
}

// String formats the note as "service sli: message", the service quoted
// when it holds anything but letters, digits and -_.:/.
func (n Note) String() string { return displayID(n.Service) + " " + string(n.SLI) + ": " + n.Message }

// Generate returns the recording and alerting rules for slos, each
// measured with the series cfg maps its service to (nil means
// prommap.Default()). Per SLO, sorted by service and SLI kind, it writes
// three groups: the error ratio over every window the policy uses and the
// SLO window; metadata (objective, budget, burn rates, budget remaining);
// and one alert per policy severity. See the package documentation.
//
// An invalid SLO (slorec.SLO.Validate), two SLOs for one service and SLI,
// an invalid policy and an SLO window shorter than the policy's longest
// alert window are EINVALID errors. An SLO the mapping cannot measure (a
// latency SLO without a histogram, a threshold above every bucket, a
// service without an errors series) is listed in Result.Skipped, or with
// Options.Strict is an EINVALID error.
func Generate(slos []slorec.SLO, cfg *prommap.Config, opt Options) (*Result, error) {
	if cfg == nil {
		cfg = prommap.Default()
	}
	policy := opt.Policy
	if policy == nil {
		policy = DefaultPolicy()
	}
	if err := validatePolicy(policy); err != nil {
		return nil, err
	}
	interval := ""
	if opt.Interval != 0 {
		s, err := promDuration(opt.Interval)
		if err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "interval: %v", err)
		}
		interval = s
	}
	sorted := make([]slorec.SLO, len(slos))
	copy(sorted, slos)
	for i := range sorted {
		s := &sorted[i]
		if err := s.Validate(); err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d]: %s", i, slorec.ErrorMessage(err))
		}
		if !utf8.ValidString(s.Service) {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d].service: not valid UTF-8, so not a label value", i)
		}
		if s.WindowDays == 0 {
			s.WindowDays = slorec.DefaultWindowDays
		}
		if long := longestWindow(policy); time.Duration(s.WindowDays)*24*time.Hour < long {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d].window_days: %d days is shorter than the policy's %s alert window", i, s.WindowDays, mustDuration(long))
		}
	}
	slices.SortStableFunc(sorted, func(a, b slorec.SLO) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.SLI, b.SLI))
	})
	for i := 1; i < len(sorted); i++ {
		if a, b := sorted[i-1], sorted[i]; a.Service == b.Service && a.SLI == b.SLI {
			return nil, slorec.Errorf(slorec.EINVALID, "slos: two %s SLOs for service %s", a.SLI, displayID(a.Service))
		}
	}

	res := &Result{File: RuleFile{Groups: []Group{}}, SLOs: []Exported{}}
	for _, s := range sorted {
		m, why := measureSLO(cfg, s)
		if why != "" {
			if opt.Strict {
				return nil, slorec.Errorf(slorec.EINVALID, "%s %s SLO: %s", displayID(s.Service), s.SLI, why)
			}
			res.Skipped = append(res.Skipped, Note{Service: s.Service, SLI: s.SLI, Message: string(why)})
			continue
		}
		if m.warning != "" {
			res.Warnings = append(res.Warnings, Note{Service: s.Service, SLI: s.SLI, Message: m.warning})
		}
		g := generator{slo: s, m: m, policy: policy, opt: opt, interval: interval}
		res.File.Groups = append(res.File.Groups, g.sliGroup(), g.metaGroup(), g.alertGroup())
		ex, warns := g.exported()
		res.SLOs = append(res.SLOs, ex)
		res.Warnings = append(res.Warnings, warns...)
	}
	return res, nil
}

// measureSLO resolves the SLO's service and builds its error ratio.
func measureSLO(cfg *prommap.Config, s slorec.SLO) (measure, unmeasurable) {
	sli, err := cfg.Resolve(s.Service)
	if err != nil {
		return measure{}, unmeasurable("prometheus mapping: " + slorec.ErrorMessage(err))
	}
	if s.SLI == slorec.Latency {
		return latencyMeasure(sli, s.ThresholdMs)
	}
	return availabilityMeasure(sli)
}

// generator writes the groups of one SLO.
type generator struct {
	slo      slorec.SLO
	m        measure
	policy   []Alert
	opt      Options
	interval string
}

func (g generator) window() time.Duration { return time.Duration(g.slo.WindowDays) * 24 * time.Hour }
func (g generator) budget() float64       { return round10(1 - g.slo.Target) }

func (g generator) labels() map[string]string {
	return map[string]string{LabelService: g.slo.Service, LabelSLI: string(g.slo.SLI), LabelSLO: sloName(g.slo)}
}

// selector selects the SLO's series of a recorded metric.
func (g generator) selector(record string) string {
	return record + "{" + LabelService + "=" + quote(g.slo.Service) + "," + LabelSLI + "=" + quote(string(g.slo.SLI)) + "}"
}

func (g generator) groupName(kind string) string {
	return "slorec-" + kind + "-" + sloName(g.slo)
}

// sliGroup records the error ratio over every window, shortest first.
func (g generator) sliGroup() Group {
	grp := Group{Name: g.groupName("sli-recordings"), Interval: g.interval}
	for _, w := range ruleWindows(g.policy, g.window()) {
		d := mustDuration(w)
		grp.Rules = append(grp.Rules, Rule{Record: ErrorRatioPrefix + d, Expr: g.m.ratio(d), Labels: g.labels()})
	}
	return grp
}

// metaGroup records what dashboards need next to the ratios: the
// objective, the budget, the window, the burn rate now (over the shortest
// window) and over the SLO window, and the budget left in the window.
func (g generator) metaGroup() Group {
	b := num(g.budget())
	current := ErrorRatioPrefix + mustDuration(ruleWindows(g.policy, g.window())[0])
	period := ErrorRatioPrefix + mustDuration(g.window())
	rules := []Rule{
		{Record: ObjectiveRecord, Expr: "vector(" + num(g.slo.Target) + ")"},
		{Record: ErrorBudgetRecord, Expr: "vector(" + b + ")"},
		{Record: PeriodDaysRecord, Expr: fmt.Sprintf("vector(%d)", g.slo.WindowDays)},
		{Record: CurrentBurnRateRecord, Expr: g.selector(current) + " / " + b},
		{Record: PeriodBurnRateRecord, Expr: g.selector(period) + " / " + b},
		{Record: BudgetRemainingRecord, Expr: "1 - " + g.selector(period) + " / " + b},
	}
	if g.slo.SLI == slorec.Latency {
		rules = append(rules, Rule{Record: ThresholdRecord, Expr: "vector(" + num(g.m.leMs/1000) + ")"})
	}
	for i := range rules {
		rules[i].Labels = g.labels()
	}
	return Group{Name: g.groupName("meta-recordings"), Interval: g.interval, Rules: rules}
}

// alertGroup writes one alert per severity: any of its conditions, each
// the long and the short window's error ratio above the threshold. The
// series already carry the slorec labels; slorec_slo is repeated as a
// static label because promtool's duplicate-rules lint compares alert
// names and static labels only, and every SLO's alerts share the name.
// Alert labels are templates, hence the escaping.
func (g generator) alertGroup() Group {
	b := num(g.budget())
	grp := Group{Name: g.groupName("alerts"), Interval: g.interval}
	for _, a := range g.policy {
		var ors []string
		for _, w := range a.Windows {
			th := "(" + num(w.BurnRate(g.window())) + " * " + b + ")"
			ors = append(ors, "(\n  "+g.selector(ErrorRatioPrefix+mustDuration(w.Long))+" > "+th+
				"\nand\n  "+g.selector(ErrorRatioPrefix+mustDuration(w.Short))+" > "+th+"\n)")
		}
		r := Rule{
			Alert:       AlertName,
			Expr:        strings.Join(ors, "\nor\n"),
			Labels:      map[string]string{"severity": a.Severity, LabelSLO: templateText(sloName(g.slo))},
			Annotations: g.annotations(a),
		}
		if a.For > 0 {
			r.For = mustDuration(a.For)
		}
		grp.Rules = append(grp.Rules, r)
	}
	return grp
}

// annotations are Go templates in Prometheus, so nothing that comes from
// outside goes into them as text: the service id is read from the alert's
// labels at evaluation time, and the runbook URL is escaped.
func (g generator) annotations(a Alert) map[string]string {
	const svc = "{{ $labels." + LabelService + " }}"
	what := "availability"
	objective := pct(g.slo.Target) + " of requests succeed"
	measured := ""
	if g.slo.SLI == slorec.Latency {
		what = "latency"
		objective = pct(g.slo.Target) + " of requests faster than " + num(g.slo.ThresholdMs) + " ms"
		if math.Abs(g.m.leMs-g.slo.ThresholdMs) > 1e-9*g.slo.ThresholdMs {
			measured = "; measured at the " + num(g.m.leMs) + " ms bucket"
		}
	}
	var conds []string
	for _, w := range a.Windows {
		conds = append(conds, fmt.Sprintf("%s of the budget goes in %s (burn rate %sx over %s and %s)",
			pct(w.BudgetSpent), mustDuration(w.Long), num(w.BurnRate(g.window())), mustDuration(w.Long), mustDuration(w.Short)))
	}
	runbook := "TODO: link the runbook for the " + what + " SLO of " + svc
	if g.opt.RunbookURL != "" {
		r := strings.NewReplacer("{service}", url.PathEscape(g.slo.Service), "{sli}", url.PathEscape(string(g.slo.SLI)))
		runbook = templateText(r.Replace(g.opt.RunbookURL))
	}
	return map[string]string{
		"summary": svc + ": " + what + " error budget burning too fast (" + a.Severity + ")",
		"description": fmt.Sprintf("The %s SLO of %s (%s over %dd, error budget %s%s) is spending its budget too fast: the error ratio over the long window is {{ $value | humanizePercentage }}. It fires when %s.",
			what, svc, objective, g.slo.WindowDays, pct(g.budget()), measured, strings.Join(conds, ", or ")),
		"runbook_url":  runbook,
		"objective":    num(g.slo.Target),
		"error_budget": num(g.budget()),
		"window":       mustDuration(g.window()),
	}
}

// exported describes the SLO's rules and warns about conditions that can
// never hold: a burn-rate threshold times the budget above 1 asks for an
// error ratio above 100%.
func (g generator) exported() (Exported, []Note) {
	ex := Exported{
		Name: sloName(g.slo), Service: g.slo.Service, SLI: g.slo.SLI,
		Target: g.slo.Target, ErrorBudget: g.budget(), WindowDays: g.slo.WindowDays,
	}
	if g.slo.SLI == slorec.Latency {
		ex.ThresholdMs, ex.MeasuredMs, ex.Le = g.slo.ThresholdMs, g.m.leMs, g.m.leLabel
	}
	var notes []Note
	for _, a := range g.policy {
		ea := ExportedAlert{Severity: a.Severity, For: "0s"}
		if a.For > 0 {
			ea.For = mustDuration(a.For)
		}
		var never, ratios []string
		for _, w := range a.Windows {
			c := Condition{Long: mustDuration(w.Long), Short: mustDuration(w.Short), BurnRate: w.BurnRate(g.window())}
			c.ErrorRatio = round10(c.BurnRate * g.budget())
			if c.ErrorRatio >= 1 {
				never = append(never, c.Long+"/"+c.Short)
				ratios = append(ratios, pct(c.ErrorRatio))
			}
			ea.Conditions = append(ea.Conditions, c)
		}
		if len(never) > 0 {
			msg := fmt.Sprintf("the %s alert's %s condition needs an error ratio above %s", a.Severity, never[0], ratios[0])
			if len(never) > 1 {
				msg = fmt.Sprintf("the %s alert's %s conditions need error ratios above %s", a.Severity, strings.Join(never, " and "), strings.Join(ratios, " and "))
			}
			msg += fmt.Sprintf(", which cannot happen at a %s error budget; ", pct(g.budget()))
			if len(never) == len(a.Windows) {
				msg += "the " + a.Severity + " alert can never fire"
			} else {
				msg += "it fires on its other conditions only"
			}
			notes = append(notes, Note{Service: g.slo.Service, SLI: g.slo.SLI, Message: msg})
		}
		ex.Alerts = append(ex.Alerts, ea)
	}
	return ex, notes
}

// templateText escapes text for a Prometheus template (Go text/template):
// an action delimiter becomes an action printing it.
func templateText(s string) string {
	return strings.ReplaceAll(s, "{{", `{{ "{{" }}`)
}

// displayID quotes a service id for messages unless it is plain.
func displayID(id string) string {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/", r)) {
			return fmt.Sprintf("%q", id)
		}
	}
	if id == "" {
		return `""`
	}
	return id
}

// Header is the first line of every generated file.
const Header = "# Prometheus rules generated by slorec (integrations/promrules). Check with: promtool check rules FILE"

// YAML renders the rule file: a comment header listing the exported SLOs,
// the warnings and the skips, then the groups. Equal input gives
// byte-identical output.
func (r *Result) YAML() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(Header + "\n")
	comment := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		line = strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return ' '
			}
			return r
		}, line)
		buf.WriteString("# " + line + "\n")
	}
	comment("%d SLOs exported, %d skipped.", len(r.SLOs), len(r.Skipped))
	for _, n := range r.Warnings {
		comment("warning: %s", n)
	}
	for _, n := range r.Skipped {
		comment("skipped: %s", n)
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(r.File.node()); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	return buf.Bytes(), nil
}
