package openslo

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
)

// Annotation keys slorec writes on the objects it exports, and reads back
// on import. They follow the OpenSLO annotation key rule (a DNS prefix, a
// slash, a name). Values are strings; ratios are decimal ("0.999").
const (
	// AnnotationServiceID is the slorec service id behind a Service or an
	// SLO (metadata names are DNS labels; ids need not be).
	AnnotationServiceID = "slorec.io/service-id"
	// AnnotationSLI is the slorec SLI kind of an SLO: availability or
	// latency. A latency SLO is a ratio metric too, so without it an
	// importer has to recognize the histogram bucket in the good query.
	AnnotationSLI = "slorec.io/sli"
	// AnnotationThresholdMs and AnnotationPercentile are a latency SLO's
	// threshold in milliseconds and the percentile it was set on.
	AnnotationThresholdMs = "slorec.io/threshold-ms"
	AnnotationPercentile  = "slorec.io/percentile"
	// Provenance of a committed SLO: slorec.SLO's ID, Version,
	// RecommendationID, Forced, Justification, Author and CreatedAt
	// (RFC 3339).
	AnnotationSLOID            = "slorec.io/slo-id"
	AnnotationVersion          = "slorec.io/version"
	AnnotationRecommendationID = "slorec.io/recommendation-id"
	AnnotationForced           = "slorec.io/forced"
	AnnotationJustification    = "slorec.io/justification"
	AnnotationAuthor           = "slorec.io/author"
	AnnotationCreatedAt        = "slorec.io/created-at"
	// Provenance from the recommendation an SLO came from (see
	// Options.Recommendations): the objective's tier (conservative,
	// balanced, aspirational) and target, the recommendation's version,
	// confidence and review flag, and the engine version. Informational:
	// Import does not read them.
	AnnotationRecommendedTier       = "slorec.io/recommended-tier"
	AnnotationRecommendedTarget     = "slorec.io/recommended-target"
	AnnotationRecommendationVersion = "slorec.io/recommendation-version"
	AnnotationConfidence            = "slorec.io/confidence"
	AnnotationNeedsReview           = "slorec.io/needs-review"
	AnnotationEngineVersion         = "slorec.io/engine-version"
	// Catalog facts on a Service: kind, tier, owner, published SLA
	// (ratio) and catalog version.
	AnnotationKind           = "slorec.io/kind"
	AnnotationTier           = "slorec.io/tier"
	AnnotationOwner          = "slorec.io/owner"
	AnnotationPublishedSLA   = "slorec.io/published-sla"
	AnnotationCatalogVersion = "slorec.io/catalog-version"
)

// Labels slorec writes, for selecting objects in OpenSLO tools. Label
// keys cannot carry a prefix, so they are plain words; a value that breaks
// the label rule (an owner such as "group:ops/sre") is left to the
// annotations.
const (
	LabelManagedBy = "managed-by" // always "slorec"
	LabelTier      = "tier"       // the service's tier
	LabelKind      = "kind"       // the service's kind
	LabelOwner     = "owner"      // the service's owner
	LabelSLI       = "sli"        // availability or latency
)

// Burn-rate alerts. slorec pages when the error budget burns 14.4 times
// faster than sustainable over an hour and opens a ticket when it burns
// at least as fast as sustainable over three days: the first and last rows
// of the SRE Workbook's multiwindow, multi-burn-rate table (ch. 5,
// "Alerting on SLOs"). Over a 30-day window the page fires after 2% of the
// budget is spent (14.4 × 1 h / 720 h), the ticket after 10% (1 × 72 h /
// 720 h). An OpenSLO condition has one lookback window; the workbook's
// short confirmation window (a twelfth of the long one: 5 min, 6 h)
// becomes alertAfter, the time the condition must hold before it alerts.
const (
	PageBurnRate     = 14.4
	PageLookback     = "1h"
	PageAlertAfter   = "5m"
	TicketBurnRate   = 1.0
	TicketLookback   = "3d"
	TicketAlertAfter = "6h"
	// ticketLookbackDays is TicketLookback in days: an SLO window shorter
	// than it gets no ticket alert.
	ticketLookbackDays = 3
)

// Names of the alerting objects every export with SLOs shares. Burn rates
// are relative to the SLO that references a policy, so one policy serves
// every SLO.
const (
	PagePolicy               = "slorec-page"
	TicketPolicy             = "slorec-ticket"
	PageCondition            = "slorec-page-burn-rate"
	TicketCondition          = "slorec-ticket-burn-rate"
	PageNotificationTarget   = "slorec-page-target"
	TicketNotificationTarget = "slorec-ticket-target"
)

// Options configure Build and Export. The zero value is the default.
type Options struct {
	// Recommendations add provenance: an SLO is annotated with the
	// recommendation whose ID is its RecommendationID or, when it has
	// none, with a recommendation for its service that has an objective of
	// the same SLI, target and threshold (what slorec.Recommendation.SLOs makes
	// of an unsaved recommendation).
	Recommendations []slorec.Recommendation
	// PageTarget and TicketTarget are the spec.target of the two
	// notification targets: what receives pages and tickets (OpenSLO
	// leaves the meaning to the tool, e.g. an Alertmanager receiver).
	// Empty means "pager" and "ticket".
	PageTarget   string
	TicketTarget string
	// NoAlerts leaves out alert policies, conditions and targets.
	NoAlerts bool
}

// Bundle is what an export writes: OpenSLO objects in output order.
type Bundle struct {
	// Services holds one Service per slorec service, by id.
	Services []Service
	// Targets, Conditions and Policies are the shared alerting objects
	// (none when there is no SLO or Options.NoAlerts is set).
	Targets    []AlertNotificationTarget
	Conditions []AlertCondition
	Policies   []AlertPolicy
	// SLOs holds one SLO per slorec SLO, by service id and SLI.
	SLOs []SLO
}

// Export writes services and SLOs as OpenSLO v1 YAML documents; see Build.
func Export(services []slorec.Service, slos []slorec.SLO, cfg *prommap.Config, opt Options) ([]byte, error) {
	b, err := Build(services, slos, cfg, opt)
	if err != nil {
		return nil, err
	}
	return b.Marshal()
}

// Build maps services and SLOs to OpenSLO objects: a Service per service,
// an SLO per SLO with its indicator inline, queries from the Prometheus
// mapping cfg (nil means prommap.Default()), and the burn-rate alert
// policies every SLO references. The output depends only on the input,
// not on its order. SLOs may name services not in services (they get no
// Service object). A zero WindowDays means slorec.DefaultWindowDays.
//
// It returns an *Error (EINVALID) listing every problem: an SLO that fails
// slorec.SLO.Validate, two SLOs for one service and SLI, ids whose names
// collide, and SLOs the mapping cannot measure (no errors series, no
// latency series, a threshold that is not a bucket boundary).
func Build(services []slorec.Service, slos []slorec.SLO, cfg *prommap.Config, opt Options) (*Bundle, error) {
	if cfg == nil {
		cfg = prommap.Default()
	}
	x := &exporter{cfg: cfg, opt: opt, services: map[string]*slorec.Service{}, names: map[string]string{}}
	svcs := slices.Clone(services)
	slices.SortStableFunc(svcs, func(a, b slorec.Service) int { return cmp.Compare(a.ID, b.ID) })
	list := slices.Clone(slos)
	slices.SortStableFunc(list, func(a, b slorec.SLO) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(sliRank(a.SLI), sliRank(b.SLI)), cmp.Compare(a.SLI, b.SLI))
	})
	x.nameServices(svcs, list)

	b := &Bundle{}
	for i := range svcs {
		if x.services[svcs[i].ID] != &svcs[i] {
			continue // a duplicate id, reported by nameServices
		}
		b.Services = append(b.Services, x.service(&svcs[i]))
	}
	seen := map[[2]string]bool{}
	sloNames := map[string]string{}
	for i := range list {
		s := list[i]
		if s.WindowDays == 0 {
			s.WindowDays = slorec.DefaultWindowDays
		}
		label := fmt.Sprintf("the %s SLO of %s", s.SLI, s.Service)
		if err := s.Validate(); err != nil {
			x.probs.add(Problem{Kind: KindSLO, Name: x.sloName(s), Message: slorec.ErrorMessage(err)})
			continue
		}
		key := [2]string{s.Service, string(s.SLI)}
		if seen[key] {
			x.probs.add(Problem{Kind: KindSLO, Name: x.sloName(s), Message: fmt.Sprintf("%s is given twice; OpenSLO documents hold one SLO per service and SLI", label)})
			continue
		}
		seen[key] = true
		doc, ok := x.slo(s)
		if !ok {
			continue
		}
		if other, dup := sloNames[doc.Metadata.Name]; dup {
			x.probs.add(Problem{Kind: KindSLO, Name: doc.Metadata.Name, Message: fmt.Sprintf("%s and %s map to the same name", other, label)})
			continue
		}
		sloNames[doc.Metadata.Name] = label
		b.SLOs = append(b.SLOs, doc)
	}
	if err := x.probs.err("export"); err != nil {
		return nil, err
	}
	if len(b.SLOs) > 0 && !opt.NoAlerts {
		b.Targets, b.Conditions, b.Policies = alerting(opt)
	}
	return b, nil
}

// Marshal writes the bundle as a stream of YAML documents separated by
// "---", in field order.
func (b *Bundle) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# OpenSLO v1 objects exported by slorec; slorec.io/ annotations carry its provenance.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	var docs []any
	for i := range b.Services {
		docs = append(docs, &b.Services[i])
	}
	for i := range b.Targets {
		docs = append(docs, &b.Targets[i])
	}
	for i := range b.Conditions {
		docs = append(docs, &b.Conditions[i])
	}
	for i := range b.Policies {
		docs = append(docs, &b.Policies[i])
	}
	for i := range b.SLOs {
		docs = append(docs, &b.SLOs[i])
	}
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("encode openslo: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode openslo: %w", err)
	}
	return buf.Bytes(), nil
}

type exporter struct {
	cfg      *prommap.Config
	opt      Options
	services map[string]*slorec.Service // by id, the first of each id
	names    map[string]string          // service id -> OpenSLO name
	probs    problems
}

// nameServices names every service and every service an SLO names, and
// reports duplicate ids and ids that share a name.
func (x *exporter) nameServices(svcs []slorec.Service, slos []slorec.SLO) {
	for i := range svcs {
		id := svcs[i].ID
		if id == "" {
			x.probs.add(Problem{Kind: KindService, Message: fmt.Sprintf("services[%d]: empty id", i)})
			continue
		}
		if _, dup := x.services[id]; dup {
			x.probs.add(Problem{Kind: KindService, Name: Name(id), Message: fmt.Sprintf("service id %q given twice", id)})
			continue
		}
		x.services[id] = &svcs[i]
		x.names[id] = Name(id)
	}
	for _, s := range slos {
		if s.Service != "" && x.names[s.Service] == "" {
			x.names[s.Service] = Name(s.Service)
		}
	}
	byName := map[string][]string{}
	for id, n := range x.names {
		byName[n] = append(byName[n], id)
	}
	var clashes []string
	for n, ids := range byName {
		if len(ids) > 1 {
			clashes = append(clashes, n)
		}
	}
	slices.Sort(clashes)
	for _, n := range clashes {
		ids := byName[n]
		slices.Sort(ids)
		x.probs.add(Problem{Kind: KindService, Name: n, Message: fmt.Sprintf("service ids %s all map to this name; rename all but one",
			quoteList(ids))})
	}
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}

// service maps a slorec service.
func (x *exporter) service(s *slorec.Service) Service {
	md := Metadata{Name: x.names[s.ID], DisplayName: cmp.Or(s.Name, s.ID),
		Labels:      Labels{LabelManagedBy: {"slorec"}},
		Annotations: map[string]string{AnnotationServiceID: s.ID}}
	if s.Kind != "" {
		md.Annotations[AnnotationKind] = string(s.Kind)
		if labelSafe(string(s.Kind)) {
			md.Labels[LabelKind] = LabelValues{string(s.Kind)}
		}
	}
	if s.Tier != "" {
		md.Annotations[AnnotationTier] = string(s.Tier)
		if labelSafe(string(s.Tier)) {
			md.Labels[LabelTier] = LabelValues{string(s.Tier)}
		}
	}
	if s.Owner != "" {
		md.Annotations[AnnotationOwner] = s.Owner
		if labelSafe(s.Owner) {
			md.Labels[LabelOwner] = LabelValues{s.Owner}
		}
	}
	if s.PublishedSLA > 0 {
		md.Annotations[AnnotationPublishedSLA] = ratio(s.PublishedSLA)
	}
	if s.Version > 0 {
		md.Annotations[AnnotationCatalogVersion] = strconv.Itoa(s.Version)
	}
	desc := s.ID + " is a slorec " + cmp.Or(string(s.Kind), "service")
	if s.Tier != "" {
		desc += " of tier " + string(s.Tier)
	}
	if s.Owner != "" {
		desc += ", owned by " + s.Owner
	}
	return Service{APIVersion: APIVersion, Kind: KindService, Metadata: md,
		Spec: ServiceSpec{Description: clip(desc + ". Exported by slorec.")}}
}

// sloName is the name of an SLO's object: "<service name>-<sli>".
func (x *exporter) sloName(s slorec.SLO) string {
	svc := x.names[s.Service]
	if svc == "" {
		svc = Name(s.Service)
	}
	return Name(svc + "-" + string(s.SLI))
}

// slo maps one valid SLO, reporting what the mapping cannot measure.
func (x *exporter) slo(s slorec.SLO) (SLO, bool) {
	svcName := x.names[s.Service]
	name := x.sloName(s)
	fail := func(format string, args ...any) (SLO, bool) {
		x.probs.add(Problem{Kind: KindSLO, Name: name, Message: fmt.Sprintf(format, args...)})
		return SLO{}, false
	}
	m, err := x.cfg.Resolve(s.Service)
	if err != nil {
		return fail("%s", slorec.ErrorMessage(err))
	}
	display := s.Service
	if svc := x.services[s.Service]; svc != nil && svc.Name != "" {
		display = svc.Name
	}
	window := fmt.Sprintf("a rolling %d-day window", s.WindowDays)
	ind := Indicator{Metadata: Metadata{Name: Name(svcName + "-" + string(s.SLI) + "-sli")}}
	obj := Objective{Target: ptr(s.Target)}
	ann := map[string]string{AnnotationServiceID: s.Service, AnnotationSLI: string(s.SLI)}
	var desc string
	switch s.SLI {
	case slorec.Availability:
		if m.Errors == "" {
			return fail("the Prometheus mapping names no errors series for %s", s.Service)
		}
		ind.Metadata.DisplayName = "Requests to " + display + " that do not fail"
		ind.Spec.RatioMetric = &RatioMetric{Counter: true, Bad: promMetric(m.Errors), Total: promMetric(m.Requests)}
		obj.DisplayName = pct(s.Target) + " of requests succeed"
		desc = fmt.Sprintf("%s of requests to %s succeed over %s.", pct(s.Target), display, window)
	case slorec.Latency:
		ann[AnnotationThresholdMs] = num(s.ThresholdMs)
		if s.Percentile > 0 {
			ann[AnnotationPercentile] = num(s.Percentile)
		}
		ind.Metadata.DisplayName = fmt.Sprintf("Requests to %s faster than %s", display, ms(s.ThresholdMs))
		obj.DisplayName = fmt.Sprintf("%s of requests within %s", pct(s.Target), ms(s.ThresholdMs))
		desc = fmt.Sprintf("%s of requests to %s complete within %s over %s.", pct(s.Target), display, ms(s.ThresholdMs), window)
		switch {
		case m.Histogram != "":
			b, err := m.LatencyBucket(s.ThresholdMs)
			switch {
			case err != nil:
				return fail("%s: %v", m.Histogram, err)
			case b.Snapped:
				// Measuring at the next boundary up would export a looser
				// SLO than the one committed.
				return fail("latency threshold %s is not a bucket boundary of %s (the next one is %s); the histogram cannot count requests faster than it",
					ms(s.ThresholdMs), m.Histogram, ms(b.LeMs))
			}
			ind.Spec.RatioMetric = &RatioMetric{Counter: true, Good: promMetric(b.Good), Total: promMetric(m.CountSelector())}
		case m.Summary != "":
			// A summary has no counts below a threshold, only quantiles:
			// the indicator becomes the quantile's value, compared with
			// the threshold in the series' unit.
			q := s.Target
			if s.Percentile > 0 {
				q = s.Percentile / 100
			}
			query, _ := m.Quantile(q, "") // a summary needs no window
			ind.Spec.ThresholdMetric = &Metric{MetricSource: MetricSource{Type: MetricSourcePrometheus, Spec: map[string]any{"query": query}}}
			obj.Op = OpLTE
			obj.Value = ptr(round6(s.ThresholdMs / m.LatencyScale()))
			desc += fmt.Sprintf(" Measured on the summary's %s quantile, so it holds the quantile below the threshold, not a share of requests.", num(q))
		default:
			return fail("the Prometheus mapping names no latency histogram or summary for %s", s.Service)
		}
	}
	md := Metadata{Name: name, DisplayName: fmt.Sprintf("%s %s", display, s.SLI),
		Labels:      Labels{LabelManagedBy: {"slorec"}, LabelSLI: {string(s.SLI)}},
		Annotations: ann}
	if svc := x.services[s.Service]; svc != nil && labelSafe(string(svc.Tier)) {
		md.Labels[LabelTier] = LabelValues{string(svc.Tier)}
	}
	x.provenance(s, ann)
	spec := SLOSpec{
		Description:     clip(desc),
		Service:         svcName,
		Indicator:       &ind,
		TimeWindow:      []TimeWindow{{Duration: strconv.Itoa(s.WindowDays) + "d", IsRolling: true}},
		BudgetingMethod: Occurrences,
		Objectives:      []Objective{obj},
	}
	if !x.opt.NoAlerts {
		spec.AlertPolicies = []AlertPolicyItem{{Ref: PagePolicy}}
		if s.WindowDays >= ticketLookbackDays {
			spec.AlertPolicies = append(spec.AlertPolicies, AlertPolicyItem{Ref: TicketPolicy})
		}
	}
	return SLO{APIVersion: APIVersion, Kind: KindSLO, Metadata: md, Spec: spec}, true
}

// provenance writes the SLO's own provenance and that of its
// recommendation into ann.
func (x *exporter) provenance(s slorec.SLO, ann map[string]string) {
	if s.ID != "" {
		ann[AnnotationSLOID] = s.ID
	}
	if s.Version > 0 {
		ann[AnnotationVersion] = strconv.Itoa(s.Version)
	}
	if s.RecommendationID != "" {
		ann[AnnotationRecommendationID] = s.RecommendationID
	}
	if s.Forced {
		ann[AnnotationForced] = "true"
	}
	if s.Justification != "" {
		ann[AnnotationJustification] = s.Justification
	}
	if s.Author != "" {
		ann[AnnotationAuthor] = s.Author
	}
	if !s.CreatedAt.IsZero() {
		ann[AnnotationCreatedAt] = s.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	rec, obj := x.recommendation(s)
	if rec == nil {
		return
	}
	if obj.Tier != "" {
		ann[AnnotationRecommendedTier] = obj.Tier
	}
	ann[AnnotationRecommendedTarget] = ratio(obj.Target)
	if rec.Version > 0 {
		ann[AnnotationRecommendationVersion] = strconv.Itoa(rec.Version)
	}
	ann[AnnotationConfidence] = strconv.FormatFloat(rec.Confidence, 'f', 2, 64)
	ann[AnnotationNeedsReview] = strconv.FormatBool(rec.NeedsReview)
	if rec.EngineVersion != "" {
		ann[AnnotationEngineVersion] = rec.EngineVersion
	}
}

// recommendation finds the recommendation and objective an SLO came from;
// see Options.Recommendations.
func (x *exporter) recommendation(s slorec.SLO) (*slorec.Recommendation, *slorec.Objective) {
	for i := range x.opt.Recommendations {
		r := &x.opt.Recommendations[i]
		if r.Service != s.Service || s.RecommendationID != "" && r.ID != s.RecommendationID {
			continue
		}
		for j := range r.Objectives {
			o := &r.Objectives[j]
			if o.SLI != s.SLI {
				continue
			}
			same := math.Abs(o.Target-s.Target) < 1e-12 && math.Abs(o.ThresholdMs-s.ThresholdMs) < 1e-9
			if s.RecommendationID != "" || same {
				return r, o
			}
		}
	}
	return nil, nil
}

// alerting returns the shared notification targets, conditions and
// policies.
func alerting(opt Options) ([]AlertNotificationTarget, []AlertCondition, []AlertPolicy) {
	md := func(name, display string) Metadata {
		return Metadata{Name: name, DisplayName: display, Labels: Labels{LabelManagedBy: {"slorec"}}}
	}
	targets := []AlertNotificationTarget{
		{APIVersion: APIVersion, Kind: KindAlertNotificationTarget, Metadata: md(PageNotificationTarget, "slorec page"),
			Spec: AlertNotificationTargetSpec{Target: cmp.Or(opt.PageTarget, "pager"),
				Description: "Pages the on-call engineer of the SLO's service: its error budget is burning fast."}},
		{APIVersion: APIVersion, Kind: KindAlertNotificationTarget, Metadata: md(TicketNotificationTarget, "slorec ticket"),
			Spec: AlertNotificationTargetSpec{Target: cmp.Or(opt.TicketTarget, "ticket"),
				Description: "Opens a ticket for the team owning the SLO's service: its error budget is burning steadily, or its SLI has no data."}},
	}
	conditions := []AlertCondition{
		{APIVersion: APIVersion, Kind: KindAlertCondition, Metadata: md(PageCondition, "Fast burn (14.4x over 1h)"),
			Spec: AlertConditionSpec{Severity: "page",
				Description: "The error budget burns at least 14.4 times faster than sustainable over the last hour, for 5 minutes: 2% of a 30-day budget spent in an hour (SRE Workbook, ch. 5).",
				Condition:   Condition{Kind: ConditionBurnRate, Op: OpGTE, Threshold: PageBurnRate, LookbackWindow: PageLookback, AlertAfter: PageAlertAfter}}},
		{APIVersion: APIVersion, Kind: KindAlertCondition, Metadata: md(TicketCondition, "Slow burn (1x over 3d)"),
			Spec: AlertConditionSpec{Severity: "ticket",
				Description: "The error budget burns at least as fast as sustainable over the last three days, for 6 hours: 10% of a 30-day budget spent (SRE Workbook, ch. 5).",
				Condition:   Condition{Kind: ConditionBurnRate, Op: OpGTE, Threshold: TicketBurnRate, LookbackWindow: TicketLookback, AlertAfter: TicketAlertAfter}}},
	}
	policies := []AlertPolicy{
		{APIVersion: APIVersion, Kind: KindAlertPolicy, Metadata: md(PagePolicy, "slorec page"),
			Spec: AlertPolicySpec{Description: "Page on a fast error-budget burn; say when it is over.",
				AlertWhenBreaching: true, AlertWhenResolved: true, AlertWhenNoData: false,
				Conditions:          []ConditionItem{{ConditionRef: PageCondition}},
				NotificationTargets: []TargetItem{{TargetRef: PageNotificationTarget}}}},
		{APIVersion: APIVersion, Kind: KindAlertPolicy, Metadata: md(TicketPolicy, "slorec ticket"),
			Spec: AlertPolicySpec{Description: "Open a ticket on a slow error-budget burn, or when the SLI has no data (broken metrics are a ticket, not a page).",
				AlertWhenBreaching: true, AlertWhenResolved: false, AlertWhenNoData: true,
				Conditions:          []ConditionItem{{ConditionRef: TicketCondition}},
				NotificationTargets: []TargetItem{{TargetRef: TicketNotificationTarget}}}},
	}
	return targets, conditions, policies
}

// promMetric is a counter query on a selector. With counter: true the
// consumer takes rates or increases over the windows it needs, so the
// query returns the counter itself, summed over the service's series as in
// the specification's examples.
func promMetric(sel string) *Metric {
	return &Metric{MetricSource: MetricSource{Type: MetricSourcePrometheus, Spec: map[string]any{"query": "sum(" + sel + ")"}}}
}

func sliRank(k slorec.SLIKind) int {
	switch k {
	case slorec.Availability:
		return 0
	case slorec.Latency:
		return 1
	}
	return 2
}

// maxDescription is the schema's limit on descriptions.
const maxDescription = 1050

func clip(s string) string {
	if len(s) <= maxDescription {
		return s
	}
	s = s[:maxDescription-3]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1] // do not cut a UTF-8 sequence
	}
	return s + "..."
}

func ptr(v float64) *float64 { return &v }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// ratio and num format numbers exactly, shortest first.
func ratio(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
func num(v float64) string   { return strconv.FormatFloat(v, 'f', -1, 64) }

// pct formats a ratio as a percentage for prose: 0.999 is "99.9%".
func pct(r float64) string {
	s := strconv.FormatFloat(r*100, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

func ms(v float64) string { return num(round6(v)) + " ms" }
