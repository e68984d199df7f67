package prommap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
)

// Config maps services to the Prometheus series that measure them. The
// zero value is not useful; start from Default or Load.
type Config struct {
	// ServiceLabel is the label naming the service in the default
	// selectors ("service" unless set; "job" and "app" are common).
	ServiceLabel string `yaml:"service_label,omitempty"`
	// Defaults apply to every service without its own entry, and fill
	// the fields an entry leaves empty.
	Defaults Mapping `yaml:"defaults,omitempty"`
	// Services holds per-service mappings, by slorec service id.
	Services map[string]Mapping `yaml:"services,omitempty"`
	// ServiceGraph names the service-graph counters dependency edges are
	// derived from (filled with the conventions when left out; whether
	// edges are read at all is the ingestion's choice).
	ServiceGraph *ServiceGraph `yaml:"service_graph,omitempty"`
}

// Mapping names one service's series. Every field is a selector (see
// Selector) in which {{service}} stands for the service id.
type Mapping struct {
	// Requests counts every request (a counter).
	Requests string `yaml:"requests,omitempty"`
	// Errors counts failed requests (a counter).
	Errors string `yaml:"errors,omitempty"`
	// Latency names the latency series, if any.
	Latency Latency `yaml:"latency,omitempty"`
}

// Latency names a latency histogram or a summary (not both).
type Latency struct {
	// Histogram is the histogram's _bucket series.
	Histogram string `yaml:"histogram,omitempty"`
	// Summary is the summary's quantile series, without the quantile
	// label.
	Summary string `yaml:"summary,omitempty"`
	// Unit is "seconds" (the Prometheus convention, the default) or
	// "milliseconds".
	Unit string `yaml:"unit,omitempty"`
	// Buckets lists the histogram's le boundaries in Unit, when known, so
	// latency SLO thresholds can be checked against them.
	Buckets []float64 `yaml:"buckets,omitempty"`
	// None declares that the service has no latency series, so the
	// defaults' latency mapping does not apply to it.
	None bool `yaml:"none,omitempty"`
}

// ServiceGraph names the counters of a service graph (Tempo's metrics
// generator, the OpenTelemetry servicegraph connector): one series per
// client and server pair.
type ServiceGraph struct {
	Requests    string `yaml:"requests,omitempty"`
	Failed      string `yaml:"failed,omitempty"`
	ClientLabel string `yaml:"client_label,omitempty"`
	ServerLabel string `yaml:"server_label,omitempty"`
}

// Units.
const (
	Seconds      = "seconds"
	Milliseconds = "milliseconds"
)

// Default returns the mapping for the common conventions, with the service
// in the "service" label:
//
//	requests  http_requests_total{service="{{service}}"}
//	errors    http_requests_total{service="{{service}}",code=~"5.."}
//	latency   http_request_duration_seconds_bucket{service="{{service}}"}
//	graph     traces_service_graph_request_total{client,server} and
//	          traces_service_graph_request_failed_total
func Default() *Config {
	c := &Config{}
	c.fill()
	return c
}

// defaults for a service label.
func conventions(label string) Mapping {
	return Mapping{
		Requests: fmt.Sprintf(`http_requests_total{%s="%s"}`, label, Placeholder),
		Errors:   fmt.Sprintf(`http_requests_total{%s="%s",code=~"5.."}`, label, Placeholder),
		Latency: Latency{
			Histogram: fmt.Sprintf(`http_request_duration_seconds_bucket{%s="%s"}`, label, Placeholder),
			Unit:      Seconds,
		},
	}
}

// fill completes a loaded config with the conventions.
func (c *Config) fill() {
	if c.ServiceLabel == "" {
		c.ServiceLabel = "service"
	}
	conv := conventions(c.ServiceLabel)
	if c.Defaults.Requests == "" {
		c.Defaults.Requests = conv.Requests
	}
	if c.Defaults.Errors == "" {
		c.Defaults.Errors = conv.Errors
	}
	l := &c.Defaults.Latency
	if !l.None && l.Histogram == "" && l.Summary == "" {
		l.Histogram = conv.Latency.Histogram
	}
	if l.Unit == "" {
		l.Unit = Seconds
	}
	if c.ServiceGraph == nil {
		c.ServiceGraph = &ServiceGraph{}
	}
	g := c.ServiceGraph
	if g.Requests == "" {
		g.Requests = "traces_service_graph_request_total"
	}
	if g.Failed == "" {
		g.Failed = "traces_service_graph_request_failed_total"
	}
	if g.ClientLabel == "" {
		g.ClientLabel = "client"
	}
	if g.ServerLabel == "" {
		g.ServerLabel = "server"
	}
}

// Load reads a YAML mapping file strictly (unknown keys are errors), fills
// what it leaves out with the conventions and validates every selector.
// Errors are slorec EINVALID errors naming the field.
func Load(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus mapping: %v", err)
	}
	if len(data) > 1<<20 {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus mapping: larger than 1 MiB")
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, slorec.Errorf(slorec.EINVALID, "prometheus mapping: %s", yamlMessage(err))
	}
	c.fill()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// yamlMessage turns a yaml.v3 error into one line without Go type
// names: "line 2: field request not found in type prommap.Mapping"
// becomes "line 2: unknown field request".
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if j := strings.Index(l, " not found in type "); j >= 0 && strings.Contains(l, "field ") {
			k := strings.Index(l, "field ")
			l = l[:k] + "unknown field " + l[k+len("field "):j]
		}
		if j := strings.Index(l, " into "); j >= 0 && strings.Contains(l, "cannot unmarshal") {
			l = l[:j]
		}
		lines[i] = l
	}
	return strings.Join(lines, "; ")
}

// Validate checks every selector and unit of the config.
func (c *Config) Validate() error {
	if !labelName.MatchString(c.ServiceLabel) {
		return slorec.Errorf(slorec.EINVALID, "service_label: %q is not a label name", c.ServiceLabel)
	}
	if err := c.Defaults.validate("defaults"); err != nil {
		return err
	}
	ids := make([]string, 0, len(c.Services))
	for id := range c.Services {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if id == "" {
			return slorec.Errorf(slorec.EINVALID, "services: empty service id")
		}
		if err := c.Services[id].validate("services." + id); err != nil {
			return err
		}
	}
	if g := c.ServiceGraph; g != nil {
		for _, f := range []struct{ name, sel string }{{"requests", g.Requests}, {"failed", g.Failed}} {
			if _, err := ParseSelector(f.sel); err != nil {
				return slorec.Errorf(slorec.EINVALID, "service_graph.%s: %v", f.name, err)
			}
		}
		for _, f := range []struct{ name, label string }{{"client_label", g.ClientLabel}, {"server_label", g.ServerLabel}} {
			if !labelName.MatchString(f.label) {
				return slorec.Errorf(slorec.EINVALID, "service_graph.%s: %q is not a label name", f.name, f.label)
			}
		}
	}
	return nil
}

func (m Mapping) validate(path string) error {
	for _, f := range []struct{ name, sel string }{{"requests", m.Requests}, {"errors", m.Errors}, {"latency.histogram", m.Latency.Histogram}, {"latency.summary", m.Latency.Summary}} {
		if f.sel == "" {
			continue
		}
		sel, err := ParseSelector(f.sel)
		if err != nil {
			return slorec.Errorf(slorec.EINVALID, "%s.%s: %v", path, f.name, err)
		}
		if f.name == "latency.histogram" && !strings.HasSuffix(sel.Metric, "_bucket") {
			return slorec.Errorf(slorec.EINVALID, "%s.%s: %q must name the histogram's _bucket series", path, f.name, sel.Metric)
		}
		if f.name == "latency.summary" && slices.ContainsFunc(sel.Matchers, func(m Matcher) bool { return m.Name == "quantile" }) {
			return slorec.Errorf(slorec.EINVALID, "%s.%s: leave out the quantile label; slorec picks the quantiles", path, f.name)
		}
	}
	l := m.Latency
	switch {
	case l.Histogram != "" && l.Summary != "":
		return slorec.Errorf(slorec.EINVALID, "%s.latency: name a histogram or a summary, not both", path)
	case l.None && (l.Histogram != "" || l.Summary != ""):
		return slorec.Errorf(slorec.EINVALID, "%s.latency: none contradicts the series named", path)
	case l.Unit != "" && l.Unit != Seconds && l.Unit != Milliseconds:
		return slorec.Errorf(slorec.EINVALID, "%s.latency.unit: %q (want seconds or milliseconds)", path, l.Unit)
	}
	for i, b := range l.Buckets {
		if !(b > 0) || i > 0 && b <= l.Buckets[i-1] {
			return slorec.Errorf(slorec.EINVALID, "%s.latency.buckets: want positive boundaries in increasing order", path)
		}
	}
	return nil
}

// SLI is one service's resolved mapping: selectors with the service id
// substituted, in canonical form. Empty strings mean "not mapped".
type SLI struct {
	Service  string
	Requests string
	Errors   string
	// Histogram is the latency histogram's _bucket selector.
	Histogram string
	// Summary is the latency summary's selector, without quantile.
	Summary string
	// Unit is the latency series' unit: Seconds or Milliseconds.
	Unit string
	// Buckets are the histogram's known le boundaries, in Unit.
	Buckets []float64
}

// Resolve returns the service's mapping: its own entry, completed by the
// defaults.
func (c *Config) Resolve(service string) (SLI, error) {
	if service == "" {
		return SLI{}, slorec.Errorf(slorec.EINVALID, "prometheus mapping: empty service id")
	}
	m, own := c.Services[service]
	d := c.Defaults
	if m.Requests == "" {
		m.Requests = d.Requests
	}
	if m.Errors == "" {
		m.Errors = d.Errors
	}
	if !m.Latency.None && m.Latency.Histogram == "" && m.Latency.Summary == "" && !d.Latency.None {
		unit := m.Latency.Unit
		m.Latency = d.Latency
		if unit != "" && own {
			m.Latency.Unit = unit
		}
	}
	if m.Latency.Unit == "" {
		m.Latency.Unit = cmpOr(d.Latency.Unit, Seconds)
	}
	s := SLI{Service: service, Unit: m.Latency.Unit, Buckets: m.Latency.Buckets}
	for _, f := range []struct {
		dst *string
		src string
	}{{&s.Requests, m.Requests}, {&s.Errors, m.Errors}, {&s.Histogram, m.Latency.Histogram}, {&s.Summary, m.Latency.Summary}} {
		if f.src == "" {
			continue
		}
		sel, err := ParseSelector(f.src)
		if err != nil {
			return SLI{}, slorec.Errorf(slorec.EINVALID, "prometheus mapping for %s: %v", service, err)
		}
		*f.dst = sel.bind(service).String()
	}
	if s.Requests == "" {
		return SLI{}, slorec.Errorf(slorec.EINVALID, "prometheus mapping for %s: no requests series", service)
	}
	return s, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Rate wraps a selector: sum(rate(sel[window])).
func (SLI) Rate(sel, window string) string {
	return "sum(rate(" + sel + "[" + window + "]))"
}

// Increase wraps a selector: sum(increase(sel[window])).
func (SLI) Increase(sel, window string) string {
	return "sum(increase(" + sel + "[" + window + "]))"
}

// Quantile returns the expression for the q-quantile of latency over the
// window, in the series' unit: histogram_quantile over the buckets' rates,
// or the summary's quantile series (averaged over its instances, the best
// a summary allows). False when the service has no latency mapping.
func (s SLI) Quantile(q float64, window string) (string, bool) {
	qs := strconv.FormatFloat(q, 'f', -1, 64)
	switch {
	case s.Histogram != "":
		return "histogram_quantile(" + qs + ", sum by (le) (rate(" + s.Histogram + "[" + window + "])))", true
	case s.Summary != "":
		sel, err := ParseSelector(s.Summary)
		if err != nil {
			return "", false
		}
		return "avg(" + sel.With("quantile", "=", qs).String() + ")", true
	}
	return "", false
}

// LatencyScale converts the latency series' unit to milliseconds.
func (s SLI) LatencyScale() float64 {
	if s.Unit == Milliseconds {
		return 1
	}
	return 1000
}

// CountSelector returns the histogram's _count selector (same matchers as
// the _bucket one); empty without a histogram.
func (s SLI) CountSelector() string {
	sel, err := ParseSelector(s.Histogram)
	if err != nil {
		return ""
	}
	sel.Metric = strings.TrimSuffix(sel.Metric, "_bucket") + "_count"
	return sel.String()
}

// Bucket is where a latency threshold is measured on a histogram.
type Bucket struct {
	// Good selects the _bucket series at the boundary: the requests at
	// or under it.
	Good string
	// Le is the boundary in the histogram's unit, LeMs in milliseconds,
	// Label its le label as the client libraries write it.
	Le, LeMs float64
	Label    string
	// Snapped is true when the threshold lies between two known
	// boundaries and is measured at the next one up (a looser SLO than
	// committed); Assumed when the boundaries are unknown and the
	// threshold itself is taken for one (which measures nothing if it is
	// not).
	Snapped, Assumed bool
}

// LatencyBucket returns the histogram boundary a latency threshold (in
// milliseconds) is measured at: the threshold itself, or, when the
// histogram's Buckets are known, the smallest finite boundary at or above
// it. The le matcher accepts every spelling of the boundary Prometheus
// may store ("1" from the client libraries, "1.0" after Prometheus 3
// normalises classic histograms), so an upgrade does not silence a rule.
// Errors: no histogram (a summary cannot give the share of requests under
// a threshold), or a threshold above every finite boundary.
func (s SLI) LatencyBucket(thresholdMs float64) (Bucket, error) {
	switch {
	case s.Histogram == "" && s.Summary != "":
		return Bucket{}, fmt.Errorf("a latency SLO needs a histogram: the mapping names a summary, whose quantiles cannot give the share of requests under a threshold")
	case s.Histogram == "":
		return Bucket{}, fmt.Errorf("a latency SLO needs a histogram, and the mapping names none")
	case !(thresholdMs > 0):
		return Bucket{}, fmt.Errorf("latency threshold %v ms is not positive", thresholdMs)
	}
	sel, err := ParseSelector(s.Histogram)
	if err != nil {
		return Bucket{}, fmt.Errorf("latency histogram: %v", err)
	}
	scale := s.LatencyScale()
	want := thresholdMs / scale
	b := Bucket{Le: want, Assumed: len(s.Buckets) == 0}
	if len(s.Buckets) > 0 {
		// +Inf is no boundary to measure at: every request is under it.
		finite := s.Buckets
		for len(finite) > 0 && math.IsInf(finite[len(finite)-1], 1) {
			finite = finite[:len(finite)-1]
		}
		i := 0
		for i < len(finite) && finite[i] < want*(1-1e-9) {
			i++
		}
		if i == len(finite) {
			largest := "none"
			if len(finite) > 0 {
				largest = FormatLe(finite[len(finite)-1]) + " " + s.Unit
			}
			return Bucket{}, fmt.Errorf("threshold %s ms is above the histogram's largest bucket boundary (%s), so no bucket counts the requests under it", FormatLe(thresholdMs), largest)
		}
		b.Le = finite[i]
		b.Snapped = math.Abs(b.Le-want) > 1e-9*want
	}
	b.LeMs = math.Round(b.Le*scale*1e9) / 1e9
	spellings := leSpellings(b.Le)
	b.Label = spellings[0]
	if len(spellings) == 1 {
		b.Good = sel.With("le", "=", spellings[0]).String()
	} else {
		quoted := make([]string, len(spellings))
		for i, sp := range spellings {
			quoted[i] = regexp.QuoteMeta(sp)
		}
		b.Good = sel.With("le", "=~", strings.Join(quoted, "|")).String()
	}
	return b, nil
}

// leSpellings returns the ways an le label may spell the boundary v, the
// client libraries' form first. The Go client writes the shortest form
// ("1", "0.25"); Prometheus 3 rewrites whole numbers as floats on
// ingestion ("1.0"), and 'g' formatting gives exponents for tiny and huge
// values ("1e-05").
func leSpellings(v float64) []string {
	out := []string{FormatLe(v)}
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	g := strconv.FormatFloat(v, 'g', -1, 64)
	add(g)
	if !strings.ContainsAny(g, ".e") {
		add(g + ".0")
	}
	if f := out[0]; !strings.ContainsAny(f, ".e") {
		add(f + ".0")
	}
	return out
}

// FormatLe formats a bucket boundary the way the Prometheus client
// libraries write the le label: shortest representation, no exponent for
// ordinary values, "+Inf" for infinity.
func FormatLe(v float64) string {
	if v > 1e308 {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
