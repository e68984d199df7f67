package openslo

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// APIVersion is the OpenSLO version this package writes and reads.
const APIVersion = "openslo/v1"

// Kinds of OpenSLO v1 objects.
const (
	KindService                 = "Service"
	KindSLI                     = "SLI"
	KindSLO                     = "SLO"
	KindAlertPolicy             = "AlertPolicy"
	KindAlertCondition          = "AlertCondition"
	KindAlertNotificationTarget = "AlertNotificationTarget"
	KindDataSource              = "DataSource"
)

// Budgeting methods of an SLO. The v1 schemas (at the commit this package
// is tested against) list only Occurrences and Timeslices; the
// specification's prose adds RatioTimeslices, which Import accepts.
const (
	Occurrences     = "Occurrences"
	Timeslices      = "Timeslices"
	RatioTimeslices = "RatioTimeslices"
)

// Comparison operators of objectives and alert conditions.
const (
	OpLT  = "lt"
	OpLTE = "lte"
	OpGT  = "gt"
	OpGTE = "gte"
)

// ConditionBurnRate is the only alert condition kind OpenSLO v1 defines.
const ConditionBurnRate = "burnrate"

// MetricSourcePrometheus is the metric source type of exported queries.
const MetricSourcePrometheus = "Prometheus"

// Metadata is the metadata of every OpenSLO object.
type Metadata struct {
	// Name must match the schema's name rule; Name derives one from a
	// slorec id.
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName,omitempty"`
	Labels      Labels            `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// Labels are an object's labels. OpenSLO allows a label a single string or
// a list of strings; both read as a list.
type Labels map[string]LabelValues

// LabelValues are the values of one label. One value is written as a
// plain string, several as a list.
type LabelValues []string

// UnmarshalYAML reads a string or a list of strings.
func (v *LabelValues) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*v = LabelValues{n.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*v = s
		return nil
	}
	return fmt.Errorf("line %d: a label value is a string or a list of strings", n.Line)
}

// MarshalYAML writes one value as a string and several as a list.
func (v LabelValues) MarshalYAML() (any, error) {
	if len(v) == 1 {
		return v[0], nil
	}
	return []string(v), nil
}

// Service is a high-level grouping of SLOs.
type Service struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   Metadata    `yaml:"metadata"`
	Spec       ServiceSpec `yaml:"spec"`
}

// ServiceSpec is the spec of a Service.
type ServiceSpec struct {
	Description string `yaml:"description,omitempty"`
}

// SLI is a service level indicator defined on its own, which SLOs name in
// spec.indicatorRef.
type SLI struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   Metadata `yaml:"metadata"`
	Spec       SLISpec  `yaml:"spec"`
}

// Indicator is an SLI inlined in an SLO: metadata and spec, without
// apiVersion and kind.
type Indicator struct {
	Metadata Metadata `yaml:"metadata"`
	Spec     SLISpec  `yaml:"spec"`
}

// SLISpec says how to read an indicator: exactly one of ThresholdMetric
// and RatioMetric.
type SLISpec struct {
	Description     string       `yaml:"description,omitempty"`
	ThresholdMetric *Metric      `yaml:"thresholdMetric,omitempty"`
	RatioMetric     *RatioMetric `yaml:"ratioMetric,omitempty"`
}

// Metric wraps a metric source.
type Metric struct {
	MetricSource MetricSource `yaml:"metricSource"`
}

// MetricSource is a query against a data source. Spec holds the source's
// fields; for Prometheus, "query".
type MetricSource struct {
	MetricSourceRef string         `yaml:"metricSourceRef,omitempty"`
	Type            string         `yaml:"type,omitempty"`
	Spec            map[string]any `yaml:"spec"`
}

// Query returns spec.query when it is a string.
func (m MetricSource) Query() string {
	q, _ := m.Spec["query"].(string)
	return q
}

// RatioMetric is good/total, bad/total or a precomputed (raw) ratio.
type RatioMetric struct {
	// Counter says the queries return monotonically increasing counters.
	Counter bool    `yaml:"counter"`
	Good    *Metric `yaml:"good,omitempty"`
	Bad     *Metric `yaml:"bad,omitempty"`
	Total   *Metric `yaml:"total,omitempty"`
	// RawType is "success" or "failure" for a Raw ratio.
	RawType string  `yaml:"rawType,omitempty"`
	Raw     *Metric `yaml:"raw,omitempty"`
}

// SLO is a service level objective.
type SLO struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   Metadata `yaml:"metadata"`
	Spec       SLOSpec  `yaml:"spec"`
}

// SLOSpec is the spec of an SLO: an indicator (inline or by name), a time
// window, a budgeting method and objectives.
type SLOSpec struct {
	Description     string            `yaml:"description,omitempty"`
	Service         string            `yaml:"service"`
	Indicator       *Indicator        `yaml:"indicator,omitempty"`
	IndicatorRef    string            `yaml:"indicatorRef,omitempty"`
	TimeWindow      []TimeWindow      `yaml:"timeWindow,omitempty"`
	BudgetingMethod string            `yaml:"budgetingMethod"`
	Objectives      []Objective       `yaml:"objectives"`
	AlertPolicies   []AlertPolicyItem `yaml:"alertPolicies,omitempty"`
}

// TimeWindow is a rolling window (IsRolling) or a calendar-aligned one.
type TimeWindow struct {
	// Duration is a duration shorthand: a positive integer and one of
	// m (minutes), h, d, w, M (months), Q, Y.
	Duration  string    `yaml:"duration"`
	IsRolling bool      `yaml:"isRolling"`
	Calendar  *Calendar `yaml:"calendar,omitempty"`
}

// Calendar anchors a calendar-aligned window.
type Calendar struct {
	// StartTime is "2006-01-02 15:04:05", without a time zone.
	StartTime string `yaml:"startTime"`
	// TimeZone is an IANA name such as America/New_York.
	TimeZone string `yaml:"timeZone"`
}

// Objective is one threshold of an SLO. Target is a ratio in [0,1);
// TargetPercent the same in percent (one of the two is given). Op and Value
// compare a threshold metric; TimeSliceTarget and TimeSliceWindow apply to
// timeslice budgeting. Pointers tell a missing number from zero.
type Objective struct {
	DisplayName     string   `yaml:"displayName,omitempty"`
	Op              string   `yaml:"op,omitempty"`
	Value           *float64 `yaml:"value,omitempty"`
	Target          *float64 `yaml:"target,omitempty"`
	TargetPercent   *float64 `yaml:"targetPercent,omitempty"`
	TimeSliceTarget *float64 `yaml:"timeSliceTarget,omitempty"`
	// TimeSliceWindow is a duration shorthand or a number of minutes.
	TimeSliceWindow string `yaml:"timeSliceWindow,omitempty"`
	// Indicator and IndicatorRef make a composite SLO, which slorec
	// does not import.
	Indicator       *Indicator `yaml:"indicator,omitempty"`
	IndicatorRef    string     `yaml:"indicatorRef,omitempty"`
	CompositeWeight *float64   `yaml:"compositeWeight,omitempty"`
}

// AlertPolicyItem is one entry of an SLO's alertPolicies: the name of an
// AlertPolicy, or one inlined. A reference is written as a plain name, the
// form the v1 schemas accept; {alertPolicyRef: name}, the form the
// specification's prose shows, is read too.
type AlertPolicyItem struct {
	Ref    string
	Inline *AlertPolicy
}

// UnmarshalYAML reads a name, {alertPolicyRef: name} or an inline policy.
func (a *AlertPolicyItem) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		a.Ref = n.Value
		return nil
	case yaml.MappingNode:
		var probe struct {
			Ref  string `yaml:"alertPolicyRef"`
			Kind string `yaml:"kind"`
		}
		if err := n.Decode(&probe); err != nil {
			return err
		}
		if probe.Ref != "" {
			a.Ref = probe.Ref
			return nil
		}
		if probe.Kind == KindAlertPolicy {
			a.Inline = &AlertPolicy{}
			return n.Decode(a.Inline)
		}
	}
	return fmt.Errorf("line %d: an alert policy is a name, {alertPolicyRef: name} or an inline AlertPolicy", n.Line)
}

// MarshalYAML writes a reference as a plain name.
func (a AlertPolicyItem) MarshalYAML() (any, error) {
	if a.Inline != nil {
		return a.Inline, nil
	}
	return a.Ref, nil
}

// AlertPolicy says when to alert on an SLO and whom to notify.
type AlertPolicy struct {
	APIVersion string          `yaml:"apiVersion,omitempty"`
	Kind       string          `yaml:"kind"`
	Metadata   Metadata        `yaml:"metadata"`
	Spec       AlertPolicySpec `yaml:"spec"`
}

// AlertPolicySpec is the spec of an AlertPolicy. Conditions holds exactly
// one condition (the schema's maxItems).
type AlertPolicySpec struct {
	Description         string          `yaml:"description,omitempty"`
	AlertWhenNoData     bool            `yaml:"alertWhenNoData"`
	AlertWhenResolved   bool            `yaml:"alertWhenResolved"`
	AlertWhenBreaching  bool            `yaml:"alertWhenBreaching"`
	Conditions          []ConditionItem `yaml:"conditions"`
	NotificationTargets []TargetItem    `yaml:"notificationTargets"`
}

// ConditionItem is an alert condition by name (ConditionRef) or inline
// (Kind, Metadata and Spec).
type ConditionItem struct {
	ConditionRef string              `yaml:"conditionRef,omitempty"`
	Kind         string              `yaml:"kind,omitempty"`
	Metadata     *Metadata           `yaml:"metadata,omitempty"`
	Spec         *AlertConditionSpec `yaml:"spec,omitempty"`
}

// TargetItem is a notification target by name (TargetRef) or inline.
type TargetItem struct {
	TargetRef string                       `yaml:"targetRef,omitempty"`
	Kind      string                       `yaml:"kind,omitempty"`
	Metadata  *Metadata                    `yaml:"metadata,omitempty"`
	Spec      *AlertNotificationTargetSpec `yaml:"spec,omitempty"`
}

// AlertCondition says under which condition an SLO alerts.
type AlertCondition struct {
	APIVersion string             `yaml:"apiVersion"`
	Kind       string             `yaml:"kind"`
	Metadata   Metadata           `yaml:"metadata"`
	Spec       AlertConditionSpec `yaml:"spec"`
}

// AlertConditionSpec is the spec of an AlertCondition.
type AlertConditionSpec struct {
	Description string    `yaml:"description,omitempty"`
	Severity    string    `yaml:"severity"`
	Condition   Condition `yaml:"condition"`
}

// Condition is a burn-rate condition: the error budget's burn rate over
// LookbackWindow compared (Op) with Threshold, holding for AlertAfter.
type Condition struct {
	Kind           string  `yaml:"kind,omitempty"`
	Op             string  `yaml:"op,omitempty"`
	Threshold      float64 `yaml:"threshold"`
	LookbackWindow string  `yaml:"lookbackWindow,omitempty"`
	AlertAfter     string  `yaml:"alertAfter,omitempty"`
}

// AlertNotificationTarget is where alert notifications go.
type AlertNotificationTarget struct {
	APIVersion string                      `yaml:"apiVersion"`
	Kind       string                      `yaml:"kind"`
	Metadata   Metadata                    `yaml:"metadata"`
	Spec       AlertNotificationTargetSpec `yaml:"spec"`
}

// AlertNotificationTargetSpec is the spec of an AlertNotificationTarget.
type AlertNotificationTargetSpec struct {
	Target      string `yaml:"target"`
	Description string `yaml:"description,omitempty"`
}
