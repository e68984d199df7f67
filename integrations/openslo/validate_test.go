package openslo_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/openslo"
)

func golden(t *testing.T) string { return goldenB(t) }

func goldenB(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/ecommerce.openslo.yaml")
	require.NoError(t, err)
	return string(b)
}

// lineOf returns the 1-based line of the first occurrence of s in text.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	require.GreaterOrEqual(t, i, 0, "%q not in the text", s)
	return strings.Count(text[:i], "\n") + 1
}

// TestValidateRejectsMutatedExport changes one thing in a valid export and
// expects the validator to name the document, object, JSON pointer, line
// and rule: proof that the official schemas are applied, not just loaded.
func TestValidateRejectsMutatedExport(t *testing.T) {
	v := validator(t)
	base := golden(t)
	require.NoError(t, v.Validate([]byte(base)))
	// The e-commerce export holds 12 services, 6 alerting objects, then
	// the SLOs; api-gateway-availability is document 19.
	const firstSLO = 19
	tests := []struct {
		name       string
		old, new   string
		at         string // text whose line the problem names
		doc        int
		kind, obj  string
		pointer    string
		messageHas string
	}{
		{"A target of 1 or more should be refused.", "      target: 0.999\n", "      target: 1.5\n", "target: 1.5",
			firstSLO, "SLO", "api-gateway-availability", "/spec/objectives/0/target", "exclusiveMaximum"},
		{"RatioTimeslices, missing from the v1 schema's enum, should be refused.", "budgetingMethod: Occurrences", "budgetingMethod: RatioTimeslices", "budgetingMethod: RatioTimeslices",
			firstSLO, "SLO", "api-gateway-availability", "/spec/budgetingMethod", "must be one of"},
		{"A name breaking the name rule should be refused.", "  name: api-gateway-availability\n", "  name: API_Gateway\n", "name: API_Gateway",
			firstSLO, "SLO", "API_Gateway", "/metadata/name", "does not match pattern"},
		{"An SLO without a service should be refused.", "  service: api-gateway\n", "", "spec:\n  description: 99.9%",
			firstSLO, "SLO", "api-gateway-availability", "/spec", "missing properties: 'service'"},
		{"A window that is not a duration shorthand should be refused.", "    - duration: 30d\n", "    - duration: 30 days\n", "duration: 30 days",
			firstSLO, "SLO", "api-gateway-availability", "/spec/timeWindow/0/duration", "does not match pattern"},
		{"A ratio metric without counter should be refused.", "        counter: true\n", "", "ratioMetric:",
			firstSLO, "SLO", "api-gateway-availability", "/spec/indicator/spec/ratioMetric", "missing properties: 'counter'"},
		{"An alert policy reference in the prose form should be refused by the v1 schema.", "    - slorec-page\n", "    - alertPolicyRef: slorec-page\n", "alertPolicyRef: slorec-page",
			firstSLO, "SLO", "api-gateway-availability", "/spec/alertPolicies/0", "expected string"},
		{"An alert policy with two conditions should be refused.", "    - conditionRef: slorec-page-burn-rate\n", "    - conditionRef: slorec-page-burn-rate\n    - conditionRef: slorec-ticket-burn-rate\n", "conditions:\n    - conditionRef: slorec-page",
			17, "AlertPolicy", "slorec-page", "/spec/conditions", "maximum 1 items"},
		{"Another apiVersion should be refused.", "apiVersion: openslo/v1\nkind: Service", "apiVersion: openslo/v2\nkind: Service", "apiVersion: openslo/v2",
			1, "Service", "api-gateway", "/apiVersion", "value must be \"openslo/v1\""},
		{"An unknown kind should be refused.", "kind: Service\nmetadata:\n  name: api-gateway\n", "kind: Servise\nmetadata:\n  name: api-gateway\n", "kind: Servise",
			1, "Servise", "api-gateway", "/kind", "must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, base, tt.old)
			mutated := strings.Replace(base, tt.old, tt.new, 1)
			err := v.Validate([]byte(mutated))
			require.Error(t, err)
			ps := problemsOf(t, err)
			var found *openslo.Problem
			for i, p := range ps {
				require.Equal(t, tt.doc, p.Document, "every problem is in the mutated document: %s", p)
				if p.Pointer == tt.pointer && strings.Contains(p.Message, tt.messageHas) {
					found = &ps[i]
				}
			}
			require.NotNil(t, found, "no problem at %s mentioning %q in:\n%v", tt.pointer, tt.messageHas, err)
			require.Equal(t, tt.kind, found.Kind)
			require.Equal(t, tt.obj, found.Name)
			require.Equal(t, lineOf(t, mutated, tt.at), found.Line, "%s", found)
			require.Contains(t, err.Error(), found.String())
			require.Contains(t, found.String(), "(schema parts/", "the rule is named")
		})
	}
}

// TestValidateOfficialExamples checks what the data's SOURCE.txt says:
// the upstream examples do not validate against the schemas of the pinned
// commit. Each reason is named.
func TestValidateOfficialExamples(t *testing.T) {
	v := validator(t)
	dir := shared(t, "openslo-examples")
	want := map[string][]string{
		"budgeting-method_occurences-slo.yaml":                       {"/spec/alertPolicies"},
		"budgeting-method_ratio-timeslices.yaml":                     {"/spec/budgetingMethod", "/spec/indicator/spec/ratioMetric"},
		"budgeting-method_timeslices-slo.yaml":                       {"/spec/alertPolicies", "/spec/indicator/spec/ratioMetric"},
		"treat-low-traffic-as-equally-important_timeslices-slo.yaml": {"/spec/indicator/spec/ratioMetric"},
	}
	for file, pointers := range want {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, file))
			require.NoError(t, err)
			var got []string
			for _, p := range problemsOf(t, v.Validate(data)) {
				got = append(got, p.Pointer)
			}
			require.ElementsMatch(t, pointers, got)
		})
	}
}

// TestValidateAcceptsOtherValidForms: refs, inline conditions, JSON, and
// list documents are valid OpenSLO too.
func TestValidateAcceptsOtherValidForms(t *testing.T) {
	v := validator(t)
	tests := []struct{ name, doc string }{
		{"An SLO naming a separate SLI should pass.", `
apiVersion: openslo/v1
kind: SLI
metadata: {name: checkout-errors}
spec:
  ratioMetric:
    counter: true
    good: {metricSource: {type: Prometheus, spec: {query: sum(ok_total)}}}
    total: {metricSource: {type: Prometheus, spec: {query: sum(all_total)}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: checkout
  indicatorRef: checkout-errors
  budgetingMethod: Timeslices
  timeWindow: [{duration: 1M, isRolling: false, calendar: {startTime: "2024-01-01 00:00:00", timeZone: Europe/Berlin}}]
  objectives: [{target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 5m}]
`},
		{"An alert policy with an inline condition should pass.", `
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: fast}
spec:
  alertWhenNoData: false
  alertWhenResolved: false
  alertWhenBreaching: true
  conditions:
    - kind: AlertCondition
      metadata: {name: fast-burn}
      spec: {severity: page, condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}}
  notificationTargets: [{targetRef: pager}]
`},
		{"JSON should pass.", `{"apiVersion":"openslo/v1","kind":"Service","metadata":{"name":"x"},"spec":{}}`},
		{"A list of objects should pass.", `
- {apiVersion: openslo/v1, kind: Service, metadata: {name: a}, spec: {}}
- {apiVersion: openslo/v1, kind: Service, metadata: {name: b}, spec: {description: b}}
`},
		{"A kind: List should pass.", `
apiVersion: v1
kind: List
items:
  - {apiVersion: openslo/v1, kind: Service, metadata: {name: a}, spec: {}}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, v.Validate([]byte(tt.doc)))
		})
	}
}

func TestValidateBadInput(t *testing.T) {
	v := validator(t)
	tests := []struct {
		name, doc string
		want      openslo.Problem
	}{
		{"Malformed YAML should name its line.", "apiVersion: openslo/v1\nkind: [Service\nmetadata: {}\n",
			openslo.Problem{Document: 1, Line: 2, Message: "malformed YAML: did not find expected ',' or ']'"}},
		{"Empty input should be refused.", "# nothing\n",
			openslo.Problem{Message: "no OpenSLO objects in the input"}},
		{"A second document should be located.", "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: a}\nspec: {}\n---\napiVersion: openslo/v1\nkind: Service\nmetadata: {name: a}\nspec: {description: 7}\n",
			openslo.Problem{Document: 2, Line: 9, Kind: "Service", Name: "a", Pointer: "/spec/description",
				Message: "expected string, but got number (schema parts/description.schema.json#/type)"}},
		{"An item of a list should be located.", "- {apiVersion: openslo/v1, kind: Service, metadata: {name: a}, spec: {}}\n- {apiVersion: openslo/v1, kind: Service, metadata: {}, spec: {}}\n",
			openslo.Problem{Document: 1, Item: 2, Line: 2, Kind: "Service", Pointer: "/metadata",
				Message: "missing properties: 'name' (schema parts/metadata.schema.json#/properties/metadata/required)"}},
		{"A duplicate key should be refused.", "apiVersion: openslo/v1\nkind: Service\nkind: SLO\nmetadata: {name: a}\nspec: {}\n",
			openslo.Problem{Document: 1, Line: 3, Kind: "Service", Name: "a", Message: `mapping key "kind" is defined twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := problemsOf(t, v.Validate([]byte(tt.doc)))
			require.Equal(t, []openslo.Problem{tt.want}, ps)
		})
	}
}

// TestNewValidatorFetchesNothing compiles the root schema without its
// parts: the absolute $refs must fail to resolve rather than be fetched.
func TestNewValidatorFetchesNothing(t *testing.T) {
	dir := schemaDir(t)
	root, err := os.ReadFile(filepath.Join(dir, openslo.RootSchema))
	require.NoError(t, err)
	_, err = openslo.NewValidator(fstest.MapFS{openslo.RootSchema: {Data: root}})
	require.Error(t, err)
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	require.Contains(t, err.Error(), "nothing is fetched")

	_, err = openslo.NewValidator(fstest.MapFS{"parts/x.json": {Data: []byte(`{"$id": "https://example.invalid/x.json"}`)}})
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))

	_, err = openslo.NewValidator(fstest.MapFS{openslo.RootSchema: {Data: []byte(`{"type": "object"}`)}})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	require.Contains(t, err.Error(), "has no $id")
}

func schemaDir(t testing.TB) string {
	t.Helper()
	dir, err := openslo.FindSchemas(os.Getenv)
	if slorec.ErrorCode(err) == slorec.ENOTFOUND {
		missing(t, "official OpenSLO v1 schemas: %v", err)
	}
	require.NoError(t, err)
	return dir
}

func TestFindSchemas(t *testing.T) {
	real := schemaDir(t)

	t.Setenv(openslo.EnvSchemas, "")
	found, err := openslo.FindSchemas(os.Getenv)
	require.NoError(t, err, "found walking up from the package directory")
	require.True(t, strings.HasSuffix(filepath.ToSlash(found), openslo.SchemasDir), found)

	t.Setenv(openslo.EnvSchemas, real)
	found, err = openslo.FindSchemas(os.Getenv)
	require.NoError(t, err)
	require.Equal(t, real, found)

	empty := t.TempDir()
	t.Setenv(openslo.EnvSchemas, empty)
	_, err = openslo.FindSchemas(os.Getenv)
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	require.Contains(t, err.Error(), openslo.EnvSchemas)
	err = openslo.Validate([]byte("{}"))
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err), "Validate reports the missing schemas")

	_, err = openslo.NewValidatorDir(filepath.Join(empty, "nope"))
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
}
