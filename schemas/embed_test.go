package schemas_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/schemas"
)

func compile(t *testing.T, url string, doc []byte) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(url, bytes.NewReader(doc)))
	s, err := c.Compile(url)
	require.NoError(t, err)
	return s
}

func TestSchemasCompile(t *testing.T) {
	for url, doc := range map[string][]byte{schemas.RecommendationURL: schemas.Recommendation, schemas.DraftURL: schemas.Draft} {
		t.Run(url, func(t *testing.T) {
			compile(t, url, doc)
			var head struct {
				ID string `json:"$id"`
			}
			require.NoError(t, json.Unmarshal(doc, &head))
			require.Equal(t, url, head.ID)
		})
	}
}

// jsonFields lists the JSON names of a struct's fields and those without
// omitempty, which a Go producer always writes.
func jsonFields(t reflect.Type) (all, always []string) {
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") {
			always = append(always, name)
		}
	}
	sort.Strings(all)
	sort.Strings(always)
	return all, always
}

// objectSchema is the part of the draft schema the test compares with a
// Go struct.
type objectSchema struct {
	AdditionalProperties *bool                      `json:"additionalProperties"`
	Required             []string                   `json:"required"`
	Properties           map[string]json.RawMessage `json:"properties"`
}

func TestDraftSchemaMatchesTheGoType(t *testing.T) {
	var root struct {
		objectSchema
		Defs map[string]objectSchema `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(schemas.Draft, &root))
	for _, tt := range []struct {
		name   string
		schema objectSchema
		typ    reflect.Type
	}{
		{"draft", root.objectSchema, reflect.TypeFor[slorec.Draft]()},
		{"target", root.Defs["target"], reflect.TypeFor[slorec.DraftTarget]()},
		{"rationaleItem", root.Defs["rationaleItem"], reflect.TypeFor[slorec.RationaleItem]()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all, always := jsonFields(tt.typ)
			var props []string
			for p := range tt.schema.Properties {
				props = append(props, p)
			}
			sort.Strings(props)
			required := append([]string(nil), tt.schema.Required...)
			sort.Strings(required)
			require.Equal(t, all, props, "one property per field")
			require.Equal(t, always, required, "every field a Go producer always writes is required")
			require.NotNil(t, tt.schema.AdditionalProperties)
			require.False(t, *tt.schema.AdditionalProperties)
		})
	}
}

func TestDraftSchema(t *testing.T) {
	s := compile(t, schemas.DraftURL, schemas.Draft)
	valid := func() map[string]any {
		return map[string]any{
			"summary": "Set checkout-service to 99% availability.",
			"targets": []any{
				map[string]any{"sli": "availability", "target": 0.99},
				map[string]any{"sli": "latency", "target": 0.95, "threshold_ms": 650},
			},
			"rationale": []any{map[string]any{"claim": "Observed 99.506% over 60 days.", "fact_ids": []any{"F1"},
				"citation_ids": []any{"runbook/payment-provider-outage#mitigation", "incident/inc-2024-03#summary", "provider-sla/aws-s3-sla#overview-2"}}},
			"risks":           []any{},
			"chosen_tier":     "balanced",
			"confidence_note": "High.",
		}
	}
	tests := []struct {
		name   string
		change func(d map[string]any)
		ok     bool
	}{
		{"A complete draft is valid.", func(map[string]any) {}, true},
		{"Null risks and id lists are empty lists.", func(d map[string]any) {
			d["risks"] = nil
			d["rationale"].([]any)[0].(map[string]any)["citation_ids"] = nil
		}, true},
		{"The ceiling tier is valid.", func(d map[string]any) { d["chosen_tier"] = "ceiling" }, true},
		{"An unknown field is invalid.", func(d map[string]any) { d["model"] = "x" }, false},
		{"An unknown target field is invalid.", func(d map[string]any) { d["targets"].([]any)[0].(map[string]any)["window_days"] = 30 }, false},
		{"A missing confidence note is invalid.", func(d map[string]any) { delete(d, "confidence_note") }, false},
		{"A blank summary is invalid.", func(d map[string]any) { d["summary"] = " \n" }, false},
		{"A summary of 600 characters is valid.", func(d map[string]any) { d["summary"] = strings.Repeat("é", 600) }, true},
		{"A summary of 601 characters is invalid.", func(d map[string]any) { d["summary"] = strings.Repeat("a", 601) }, false},
		{"No targets is invalid.", func(d map[string]any) { d["targets"] = []any{} }, false},
		{"No rationale is invalid.", func(d map[string]any) { d["rationale"] = []any{} }, false},
		{"Nine risks are invalid.", func(d map[string]any) { d["risks"] = []any{"a", "b", "c", "d", "e", "f", "g", "h", "i"} }, false},
		{"A risk of 301 characters is invalid.", func(d map[string]any) { d["risks"] = []any{strings.Repeat("a", 301)} }, false},
		{"A target of 1 is invalid.", func(d map[string]any) { d["targets"].([]any)[0].(map[string]any)["target"] = 1 }, false},
		{"A target of 0 is invalid.", func(d map[string]any) { d["targets"].([]any)[0].(map[string]any)["target"] = 0 }, false},
		{"A percent target is invalid.", func(d map[string]any) { d["targets"].([]any)[0].(map[string]any)["target"] = 99.5 }, false},
		{"A latency target needs a threshold.", func(d map[string]any) { delete(d["targets"].([]any)[1].(map[string]any), "threshold_ms") }, false},
		{"A zero threshold is invalid.", func(d map[string]any) { d["targets"].([]any)[1].(map[string]any)["threshold_ms"] = 0 }, false},
		{"An availability target has no threshold.", func(d map[string]any) { d["targets"].([]any)[0].(map[string]any)["threshold_ms"] = 650 }, false},
		{"An unknown SLI is invalid.", func(d map[string]any) { d["targets"].([]any)[0].(map[string]any)["sli"] = "throughput" }, false},
		{"An unknown tier is invalid.", func(d map[string]any) { d["chosen_tier"] = "ambitious" }, false},
		{"A lowercase fact id is invalid.", func(d map[string]any) { d["rationale"].([]any)[0].(map[string]any)["fact_ids"] = []any{"f1"} }, false},
		{"Fact id F0 is invalid.", func(d map[string]any) { d["rationale"].([]any)[0].(map[string]any)["fact_ids"] = []any{"F0"} }, false},
		{"A repeated fact id is invalid.", func(d map[string]any) { d["rationale"].([]any)[0].(map[string]any)["fact_ids"] = []any{"F1", "F1"} }, false},
		{"A citation id without a kind is invalid.", func(d map[string]any) {
			d["rationale"].([]any)[0].(map[string]any)["citation_ids"] = []any{"payment-provider-outage"}
		}, false},
		{"A citation id with a space is invalid.", func(d map[string]any) {
			d["rationale"].([]any)[0].(map[string]any)["citation_ids"] = []any{"runbook/payment provider#x"}
		}, false},
		{"Thirteen rationale items are invalid.", func(d map[string]any) {
			item := d["rationale"].([]any)[0]
			var items []any
			for range 13 {
				items = append(items, item)
			}
			d["rationale"] = items
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid()
			tt.change(d)
			// Round-trip through JSON so the validator sees decoded values.
			b, err := json.Marshal(d)
			require.NoError(t, err)
			var doc any
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			require.NoError(t, dec.Decode(&doc))
			err = s.Validate(doc)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}
