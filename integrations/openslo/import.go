package openslo

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/yamlerr"
)

// Import reads OpenSLO v1 YAML (several documents separated by "---"; a
// document may also be a list of objects, or a kind: List) and returns its
// SLOs as slorec SLOs, in input order, each passing slorec.SLO.Validate.
// An SLO's indicator is inline or an SLI of the input named by
// indicatorRef. Service, AlertPolicy, AlertCondition,
// AlertNotificationTarget and DataSource objects are checked for their
// envelope only; a Service's slorec.io/service-id annotation maps its name
// back to a slorec id.
//
// What slorec cannot represent exactly (calendar windows, timeslice
// budgeting, a second objective, a threshold in an unknown unit) becomes a
// Warning saying what was done instead; SLOs slorec has no SLI for (a
// threshold kept above a value, a composite SLO) are skipped with a
// warning. See the package documentation for the mapping.
//
// It returns an *Error (EINVALID) listing every problem: malformed YAML
// (with its line), an apiVersion other than openslo/v1, an unknown kind, a
// missing field slorec needs, a target out of range, an indicatorRef to no
// SLI, two SLOs for one service and SLI, an SLO that fails
// slorec.SLO.Validate.
func Import(r io.Reader) ([]slorec.SLO, []Warning, error) {
	var ps problems
	objs := readObjects(r, &ps)
	if len(objs) == 0 && len(ps.list) == 0 {
		ps.add(Problem{Message: "no OpenSLO objects in the input"})
	}
	im := &importer{ps: &ps, slis: map[string]*object{}, sliUsed: map[string]bool{}, sliDecoded: map[string]*SLI{}, serviceIDs: map[string]string{}}
	var slos []*object
	for _, o := range objs {
		if im.envelope(o) && o.kind == KindSLO {
			slos = append(slos, o)
		}
	}
	type key struct {
		service string
		sli     slorec.SLIKind
	}
	first := map[key]*object{}
	var out []slorec.SLO
	for _, o := range slos {
		s, ok := im.slo(o)
		if !ok {
			continue
		}
		k := key{s.Service, s.SLI}
		if f := first[k]; f != nil {
			ps.add(o.at("", "a second %s SLO for service %q (the first is SLO %s in document %d); slorec holds one per service and SLI",
				s.SLI, s.Service, f.name, f.doc))
			continue
		}
		first[k] = o
		out = append(out, s)
	}
	slices.SortStableFunc(ps.list, compareProblems)
	if err := ps.err("import"); err != nil {
		return nil, nil, err
	}
	for _, o := range objs {
		if o.kind == KindSLI && im.slis[o.name] == o && !im.sliUsed[o.name] {
			im.warn(o.at("", "no SLO uses this SLI; slorec imports SLOs"))
		}
	}
	if len(slos) == 0 {
		im.warn(Problem{Message: "no SLO objects in the input"})
	}
	slices.SortStableFunc(im.warnings, compareProblems)
	if out == nil {
		out = []slorec.SLO{}
	}
	return out, im.warnings, nil
}

type importer struct {
	ps       *problems
	warnings []Warning
	// slis are the SLI objects by name; sliUsed the names SLOs refer to.
	slis       map[string]*object
	sliUsed    map[string]bool
	sliDecoded map[string]*SLI // nil for an SLI that failed to decode
	// serviceIDs maps Service names to the slorec ids they carry.
	serviceIDs map[string]string
}

func (im *importer) warn(p Problem) { im.warnings = append(im.warnings, p) }

// envelope checks apiVersion, kind and metadata.name, and records
// Services and SLIs. It reports whether the object is usable.
func (im *importer) envelope(o *object) bool {
	n := o.node
	if n.Kind != yaml.MappingNode {
		im.ps.add(o.at("", "the document is %s, want an OpenSLO object: a mapping with apiVersion, kind, metadata and spec", yamlerr.Describe(n)))
		return false
	}
	// Another apiVersion is another format: its kinds and fields are
	// not worth checking.
	switch v := get(n, "apiVersion"); {
	case v == nil:
		im.ps.add(o.at("/apiVersion", "apiVersion is missing; want %s", APIVersion))
		return false
	case v.Kind != yaml.ScalarNode || v.Value != APIVersion:
		im.ps.add(o.at("/apiVersion", "apiVersion is %s; slorec reads %s only", yamlerr.Describe(v), APIVersion))
		return false
	}
	ok := true
	switch v := get(n, "kind"); {
	case v == nil:
		im.ps.add(o.at("/kind", "kind is missing"))
		ok = false
	case v.Kind != yaml.ScalarNode || !slices.Contains(kinds, v.Value):
		im.ps.add(o.at("/kind", "kind is %s, not one of the OpenSLO v1 kinds (%s)", yamlerr.Describe(v), strings.Join(kinds, ", ")))
		ok = false
	}
	md := get(n, "metadata")
	name := get(md, "name")
	switch {
	case md == nil:
		im.ps.add(o.at("/metadata", "metadata is missing; every object needs metadata.name"))
		return false
	case md.Kind != yaml.MappingNode:
		im.ps.add(o.at("/metadata", "metadata is %s, want a mapping with name", yamlerr.Describe(md)))
		return false
	case name == nil:
		im.ps.add(o.at("/metadata/name", "metadata.name is missing"))
		return false
	case name.Kind != yaml.ScalarNode || o.name == "":
		im.ps.add(o.at("/metadata/name", "metadata.name is %s, want a name", yamlerr.Describe(name)))
		return false
	case !validName(o.name):
		im.warn(o.at("/metadata/name", "%q breaks the OpenSLO name rule (lower-case letters, digits, '-', '.', '/', starting with a letter or digit); read anyway", o.name))
	}
	if !ok {
		return false
	}
	switch o.kind {
	case KindSLI:
		if f := im.slis[o.name]; f != nil {
			im.ps.add(o.at("/metadata/name", "SLI %q is also defined in document %d", o.name, f.doc))
			return false
		}
		im.slis[o.name] = o
	case KindService:
		if id := scalarAt(get(md, "annotations"), AnnotationServiceID); id != "" {
			im.serviceIDs[o.name] = id
		}
	}
	return true
}

var kinds = []string{KindService, KindSLI, KindSLO, KindAlertPolicy, KindAlertCondition, KindAlertNotificationTarget, KindDataSource}

// sli decodes the SLI object so of the given name once, however many SLOs
// name it, reporting its problems once.
func (im *importer) sli(name string, so *object) (*SLI, bool) {
	if s, done := im.sliDecoded[name]; done {
		return s, s != nil
	}
	im.sliUsed[name] = true
	var s SLI
	if err := so.node.Decode(&s); err != nil {
		for _, p := range decodeProblems(so, err) {
			im.ps.add(p)
		}
		im.sliDecoded[name] = nil
		return nil, false
	}
	im.sliDecoded[name] = &s
	return &s, true
}

// sloReader converts one SLO object.
type sloReader struct {
	im *importer
	o  *object
	ok bool
}

func (r *sloReader) fail(o *object, ptr, format string, args ...any) {
	r.im.ps.add(o.at(ptr, format, args...))
	r.ok = false
}

func (r *sloReader) warn(o *object, ptr, format string, args ...any) {
	r.im.warn(o.at(ptr, format, args...))
}

// slo converts an SLO object; false when it failed or was skipped.
func (im *importer) slo(o *object) (slorec.SLO, bool) {
	r := &sloReader{im: im, o: o, ok: true}
	var doc SLO
	if err := o.node.Decode(&doc); err != nil {
		for _, p := range decodeProblems(o, err) {
			im.ps.add(p)
		}
		return slorec.SLO{}, false
	}
	if get(o.node, "spec") == nil {
		r.fail(o, "/spec", "spec is missing")
		return slorec.SLO{}, false
	}
	spec := doc.Spec
	ann := doc.Metadata.Annotations
	s := slorec.SLO{Service: spec.Service}
	switch {
	case ann[AnnotationServiceID] != "":
		s.Service = ann[AnnotationServiceID]
	case spec.Service == "":
		r.fail(o, "/spec/service", "spec.service is missing: name the service the SLO is for")
	case im.serviceIDs[spec.Service] != "":
		s.Service = im.serviceIDs[spec.Service]
	}

	// Objectives.
	if len(spec.Objectives) == 0 {
		r.fail(o, "/spec/objectives", "spec.objectives is missing or empty: an SLO needs an objective with a target")
		return slorec.SLO{}, false
	}
	obj := spec.Objectives[0]
	if len(spec.Objectives) > 1 {
		r.warn(o, "/spec/objectives/1", "only the first of %d objectives (%s) is imported: slorec holds one target per service and SLI",
			len(spec.Objectives), objectiveName(obj, 0))
	}
	if obj.Indicator != nil || obj.IndicatorRef != "" {
		r.warn(o, "/spec/objectives/0", "skipped: a composite SLO (an indicator per objective) has no slorec equivalent")
		return slorec.SLO{}, false
	}
	s.Target = r.target(obj)

	// Indicator.
	ind, indObj, indPtr := r.indicator(spec)
	if ind == nil {
		return slorec.SLO{}, false
	}
	skip := false
	switch {
	case ind.RatioMetric != nil && ind.ThresholdMetric != nil:
		r.fail(indObj, indPtr, "ratioMetric and thresholdMetric are both given; an SLI has one")
	case ind.RatioMetric != nil:
		r.ratio(&s, ind.RatioMetric, ann, indObj, indPtr+"/ratioMetric")
	case ind.ThresholdMetric != nil:
		skip = !r.threshold(&s, ind.ThresholdMetric, obj, ann, indObj, indPtr+"/thresholdMetric")
	default:
		r.fail(indObj, indPtr, "the indicator has neither ratioMetric nor thresholdMetric")
	}
	if skip {
		return slorec.SLO{}, false
	}

	s.WindowDays = r.window(spec.TimeWindow)
	r.budgeting(spec.BudgetingMethod, obj, s.Target)
	r.provenance(&s, ann)
	if !r.ok {
		return slorec.SLO{}, false
	}
	if err := s.Validate(); err != nil {
		r.fail(o, "", "%s", slorec.ErrorMessage(err))
		return slorec.SLO{}, false
	}
	return s, true
}

func objectiveName(o Objective, i int) string {
	if o.DisplayName != "" {
		return strconv.Quote(o.DisplayName)
	}
	return fmt.Sprintf("objectives[%d]", i)
}

// target reads target or targetPercent as a ratio.
func (r *sloReader) target(obj Objective) float64 {
	const ptr = "/spec/objectives/0"
	var t float64
	switch {
	case obj.Target != nil && obj.TargetPercent != nil:
		t = *obj.Target
		if math.Abs(*obj.Target-*obj.TargetPercent/100) > 1e-9 {
			r.fail(r.o, ptr+"/target", "target %v and targetPercent %v disagree; give one", *obj.Target, *obj.TargetPercent)
			return 0
		}
	case obj.Target != nil:
		t = *obj.Target
	case obj.TargetPercent != nil:
		p := *obj.TargetPercent
		if !(p > 0 && p < 100) {
			r.fail(r.o, ptr+"/targetPercent", "targetPercent %v is not a percentage in (0,100)", p)
			return 0
		}
		// 99.95/100 is 0.9994999999999999 in floating point.
		t = math.Round(p/100*1e12) / 1e12
	default:
		r.fail(r.o, ptr, "the objective has no target: give target (a ratio such as 0.999) or targetPercent (99.9)")
		return 0
	}
	if !(t > 0 && t < 1) {
		if t >= 1 && t < 100 {
			r.fail(r.o, ptr+"/target", "target %v is not a ratio in (0,1); for %v%% write target: %v or targetPercent: %v", t, t, math.Round(t/100*1e12)/1e12, t)
		} else {
			r.fail(r.o, ptr+"/target", "target %v is not a ratio in (0,1)", t)
		}
		return 0
	}
	return t
}

// indicator returns the SLO's SLI spec and where it is (the SLO's inline
// indicator or the SLI object indicatorRef names).
func (r *sloReader) indicator(spec SLOSpec) (*SLISpec, *object, string) {
	switch {
	case spec.Indicator != nil && spec.IndicatorRef != "":
		r.fail(r.o, "/spec/indicatorRef", "indicator and indicatorRef are both given; give one")
	case spec.Indicator != nil:
		return &spec.Indicator.Spec, r.o, "/spec/indicator/spec"
	case spec.IndicatorRef != "":
		so := r.im.slis[spec.IndicatorRef]
		if so == nil {
			r.fail(r.o, "/spec/indicatorRef", "indicatorRef %q names no SLI object of the input", spec.IndicatorRef)
			return nil, nil, ""
		}
		sli, ok := r.im.sli(spec.IndicatorRef, so)
		if !ok {
			r.ok = false
			return nil, nil, ""
		}
		return &sli.Spec, so, "/spec"
	default:
		r.fail(r.o, "/spec", "the SLO has no indicator: give spec.indicator or spec.indicatorRef")
	}
	return nil, nil, ""
}

// ratio reads a ratio metric: availability, or latency when the
// annotations say so or the good query counts a histogram bucket.
func (r *sloReader) ratio(s *slorec.SLO, m *RatioMetric, ann map[string]string, o *object, ptr string) {
	s.SLI = slorec.Availability
	switch {
	case m.Raw != nil && (m.Good != nil || m.Bad != nil || m.Total != nil):
		r.fail(o, ptr+"/raw", "raw cannot be combined with good, bad or total")
		return
	case m.Raw != nil:
		if m.RawType != "success" && m.RawType != "failure" {
			r.fail(o, ptr+"/rawType", "rawType is %q; a raw ratio needs rawType success or failure", m.RawType)
		}
		return
	case m.Good != nil && m.Bad != nil:
		r.fail(o, ptr+"/bad", "good and bad are both given; give one of them, with total")
		return
	case m.Good == nil && m.Bad == nil:
		r.fail(o, ptr, "the ratio has no good or bad query (with total), nor a raw one")
		return
	case m.Total == nil:
		r.fail(o, ptr, "the ratio has no total query")
		return
	}
	if get(lookup(o.node, ptr), "counter") == nil {
		r.warn(o, ptr, "counter is missing (the schema requires it); it does not change the slorec SLO")
	}
	if ann[AnnotationSLI] == string(slorec.Availability) {
		return
	}
	if ann[AnnotationSLI] == string(slorec.Latency) {
		if v, err := strconv.ParseFloat(ann[AnnotationThresholdMs], 64); err == nil && v > 0 {
			s.SLI, s.ThresholdMs = slorec.Latency, v
			return
		}
		r.warn(r.o, "/metadata/annotations", "%s is latency but %s is %q; reading the threshold from the good query", AnnotationSLI, AnnotationThresholdMs, ann[AnnotationThresholdMs])
	}
	if m.Good == nil {
		return
	}
	const qptr = "/good/metricSource/spec/query"
	metric, le, text, ok := bucket(m.Good.MetricSource.Query())
	if !ok {
		return
	}
	if math.IsNaN(le) || math.IsInf(le, 0) || !(le > 0) {
		r.fail(o, ptr+qptr, "the good query counts the histogram bucket le%s, which is no latency threshold", text)
		return
	}
	s.SLI = slorec.Latency
	switch unitOf(metric) {
	case "ms":
		s.ThresholdMs = le
	case "s":
		s.ThresholdMs = round6(le * 1000)
	default:
		s.ThresholdMs = round6(le * 1000)
		r.warn(o, ptr+qptr, "the histogram %s_bucket does not say its unit; le%s read as seconds, the Prometheus convention", metric, text)
	}
}

// bucketPattern finds a histogram bucket selector: the metric name before
// _bucket, the le matcher's operator and its quoted value.
var bucketPattern = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)_bucket\s*\{[^}]*\ble\s*(=~|=)\s*("(?:[^"\\]|\\.)*")`)

// bucket reads the histogram bucket a query counts: le="0.3", or a regular
// expression of spellings of one boundary, le=~"1|1\\.0", as slorec
// writes them (Prometheus 3 stores whole boundaries as "1.0"). The text
// is the matcher as written, for messages. False when the query counts no
// single bucket; a NaN le when it names no number.
func bucket(q string) (metric string, le float64, text string, ok bool) {
	m := bucketPattern.FindStringSubmatch(q)
	if m == nil {
		return "", 0, "", false
	}
	text = m[2] + m[3]
	v, err := strconv.Unquote(m[3])
	if err != nil {
		return m[1], math.NaN(), text, true
	}
	alts := []string{v}
	if m[2] == "=~" {
		alts = strings.Split(v, "|")
	}
	le = math.NaN()
	for i, a := range alts {
		a = strings.NewReplacer(`\.`, ".", `\+`, "+").Replace(a)
		f, err := strconv.ParseFloat(a, 64)
		switch {
		case err != nil:
			return m[1], math.NaN(), text, true
		case i == 0:
			le = f
		case f != le:
			return "", 0, "", false // several boundaries: no single threshold
		}
	}
	return m[1], le, text, true
}

// unitOf tells a latency unit from a metric name or query: "ms", "s" or "".
func unitOf(q string) string {
	q = strings.ToLower(q)
	switch {
	case strings.Contains(q, "millisecond") || msPattern.MatchString(q):
		return "ms"
	case strings.Contains(q, "second"):
		return "s"
	}
	return ""
}

var msPattern = regexp.MustCompile(`_ms\b|_ms_`)

// threshold reads a threshold metric with an upper bound (op lt or lte)
// as a latency SLO. It returns false for an SLO to skip.
func (r *sloReader) threshold(s *slorec.SLO, m *Metric, obj Objective, ann map[string]string, o *object, ptr string) bool {
	s.SLI = slorec.Latency
	const optr = "/spec/objectives/0"
	switch obj.Op {
	case OpLT, OpLTE:
	case OpGT, OpGTE:
		r.warn(r.o, optr+"/op", "skipped: a threshold metric kept %s a value is no latency SLO, and slorec has no other threshold SLI", map[string]string{OpGT: "above", OpGTE: "at or above"}[obj.Op])
		return false
	case "":
		r.fail(r.o, optr, "the objective of a threshold metric needs op (lt or lte for a latency threshold) and value")
		return true
	default:
		r.fail(r.o, optr+"/op", "op %q is not one of lt, lte, gt, gte", obj.Op)
		return true
	}
	if obj.Value == nil {
		r.fail(r.o, optr, "the objective of a threshold metric needs value, the latency threshold")
		return true
	}
	v := *obj.Value
	if !(v > 0) || math.IsInf(v, 0) {
		r.fail(r.o, optr+"/value", "value %v is not a positive latency threshold", v)
		return true
	}
	if a, err := strconv.ParseFloat(ann[AnnotationThresholdMs], 64); err == nil && a > 0 {
		s.ThresholdMs = a
		return true
	}
	q := m.MetricSource.Query()
	switch unitOf(q) {
	case "ms":
		s.ThresholdMs = v
	case "s":
		s.ThresholdMs = round6(v * 1000)
	default:
		s.ThresholdMs = v
		r.warn(r.o, optr+"/value", "the query (%s) does not say its unit; value %v read as milliseconds", clipQuery(q), v)
	}
	return true
}

func clipQuery(q string) string {
	if q == "" {
		return "none"
	}
	if len(q) > 60 {
		return strconv.Quote(q[:57] + "...")
	}
	return strconv.Quote(q)
}

// durationPattern is the OpenSLO duration shorthand.
var durationPattern = regexp.MustCompile(`^([1-9][0-9]{0,8})([mhdwMQY])$`)

// window reads the time window as whole days.
func (r *sloReader) window(tws []TimeWindow) int {
	const ptr = "/spec/timeWindow/0"
	def := slorec.DefaultWindowDays
	if len(tws) == 0 {
		r.warn(r.o, "/spec", "no timeWindow; the default %d days is used", def)
		return def
	}
	if len(tws) > 1 {
		r.warn(r.o, "/spec/timeWindow/1", "only the first of %d time windows is used", len(tws))
	}
	tw := tws[0]
	m := durationPattern.FindStringSubmatch(tw.Duration)
	if m == nil {
		r.fail(r.o, ptr+"/duration", "duration %q is not a duration shorthand (a positive integer and one of m h d w M Q Y, e.g. 28d)", tw.Duration)
		return def
	}
	n, _ := strconv.Atoi(m[1])
	var days float64
	approx := ""
	switch m[2] {
	case "m":
		days = float64(n) / (24 * 60)
	case "h":
		days = float64(n) / 24
	case "d":
		days = float64(n)
	case "w":
		days = 7 * float64(n)
	case "M":
		days, approx = 30*float64(n), "a month as 30 days"
	case "Q":
		days, approx = 90*float64(n), "a quarter as 90 days"
	case "Y":
		days, approx = 365*float64(n), "a year as 365 days"
	}
	out := int(math.Round(days))
	switch {
	case days < 1:
		unit := map[string]string{"m": "minute", "h": "hour"}[m[2]]
		if n != 1 {
			unit += "s"
		}
		if m[2] == "m" {
			unit += " (m is minutes, M months)"
		}
		r.warn(r.o, ptr+"/duration", "the window %s is %d %s; slorec windows are whole days, so the default %d days is used", tw.Duration, n, unit, def)
		out = def
	case days != float64(out):
		r.warn(r.o, ptr+"/duration", "the window %s is not a whole number of days; rounded to %d", tw.Duration, out)
	case approx != "":
		r.warn(r.o, ptr+"/duration", "the window %s is read as %d days (%s)", tw.Duration, out, approx)
	}
	if out > 366 {
		r.fail(r.o, ptr+"/duration", "the window %s is %d days; slorec windows are at most 366 days", tw.Duration, out)
		return def
	}
	switch {
	case !tw.IsRolling && tw.Calendar != nil:
		r.warn(r.o, ptr, "the calendar-aligned window (%s from %s %s) is imported as a rolling %d-day window: slorec windows roll",
			tw.Duration, tw.Calendar.StartTime, tw.Calendar.TimeZone, out)
	case !tw.IsRolling:
		r.warn(r.o, ptr, "isRolling is false but no calendar is given; read as a rolling %d-day window", out)
	case tw.Calendar != nil:
		r.warn(r.o, ptr+"/calendar", "calendar is ignored for a rolling window")
	}
	return out
}

// budgeting warns about budgeting methods slorec does not have.
func (r *sloReader) budgeting(method string, obj Objective, target float64) {
	const ptr = "/spec/budgetingMethod"
	sliceText := ""
	if obj.TimeSliceWindow != "" {
		sliceText = " of " + obj.TimeSliceWindow + " slices"
	}
	switch method {
	case Occurrences:
	case "":
		r.warn(r.o, "/spec", "budgetingMethod is missing (the schema requires it); read as Occurrences")
	case Timeslices:
		st := ""
		if obj.TimeSliceTarget != nil {
			st = fmt.Sprintf(", each good when %v of it is", *obj.TimeSliceTarget)
		}
		r.warn(r.o, ptr, "Timeslices budgeting counts good time slices%s%s; slorec counts requests (Occurrences), so the target %v now applies to requests and the slice settings are dropped",
			sliceText, st, target)
	case RatioTimeslices:
		r.warn(r.o, ptr, "RatioTimeslices budgeting averages the ratios of time slices%s; slorec counts requests (Occurrences), so the target %v now applies to requests and the slice settings are dropped",
			sliceText, target)
	default:
		r.fail(r.o, ptr, "budgetingMethod %q is not one of Occurrences, Timeslices, RatioTimeslices", method)
	}
}

// provenance reads slorec's own annotations back.
func (r *sloReader) provenance(s *slorec.SLO, ann map[string]string) {
	ptr := func(key string) string { return "/metadata/annotations/" + strings.ReplaceAll(key, "/", "~1") }
	s.ID = ann[AnnotationSLOID]
	s.RecommendationID = ann[AnnotationRecommendationID]
	s.Justification = ann[AnnotationJustification]
	s.Author = ann[AnnotationAuthor]
	if v, ok := ann[AnnotationVersion]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			r.warn(r.o, ptr(AnnotationVersion), "%q is not a version (a positive integer); ignored", v)
		} else {
			s.Version = n
		}
	}
	if v, ok := ann[AnnotationForced]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.warn(r.o, ptr(AnnotationForced), "%q is not true or false; ignored", v)
		}
		s.Forced = b
	}
	if v, ok := ann[AnnotationCreatedAt]; ok {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			r.warn(r.o, ptr(AnnotationCreatedAt), "%q is not an RFC 3339 time; ignored", v)
		} else {
			s.CreatedAt = t
		}
	}
	if s.SLI == slorec.Latency {
		if v, ok := ann[AnnotationPercentile]; ok {
			p, err := strconv.ParseFloat(v, 64)
			if err != nil {
				r.warn(r.o, ptr(AnnotationPercentile), "%q is not a number; ignored", v)
			} else {
				s.Percentile = p
			}
		}
	}
}
