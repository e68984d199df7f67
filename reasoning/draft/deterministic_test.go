package draft_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/draft"
)

// strictDraft decodes raw into a Draft, refusing unknown fields and
// trailing data.
func strictDraft(t *testing.T, raw []byte) slorec.Draft {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var d slorec.Draft
	require.NoError(t, dec.Decode(&d), "%s", raw)
	require.False(t, dec.More(), "trailing data after the draft")
	return d
}

// draftSchemas compiles the prompt's schema and, when it is in the tree,
// the repository's schemas/draft.schema.json (the guardrails' schema).
func draftSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	out := map[string]*jsonschema.Schema{}
	for name, path := range map[string]string{"prompt": "prompts/schema.json", "repository": "../../schemas/draft.schema.json"} {
		raw, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		require.NoError(t, c.AddResource("urn:test:"+name, bytes.NewReader(raw)))
		s, err := c.Compile("urn:test:" + name)
		require.NoError(t, err)
		out[name] = s
	}
	require.Contains(t, out, "prompt")
	return out
}

// requireValidDraft checks everything a draft of rec must satisfy.
func requireValidDraft(t *testing.T, rec *slorec.Recommendation, srcs []draft.Source, raw []byte, schemas map[string]*jsonschema.Schema) slorec.Draft {
	t.Helper()
	d := strictDraft(t, raw)
	var doc any
	require.NoError(t, json.Unmarshal(raw, &doc))
	for name, s := range schemas {
		require.NoError(t, s.Validate(doc), "%s schema: %s", name, raw)
	}

	var want []slorec.DraftTarget
	for _, o := range rec.Objectives {
		want = append(want, slorec.DraftTarget{SLI: o.SLI, Target: o.Target, ThresholdMs: o.ThresholdMs})
	}
	require.Equal(t, want, d.Targets)
	require.Equal(t, rec.Objectives[0].Tier, d.ChosenTier)

	facts := map[string]bool{}
	for _, f := range rec.Facts {
		facts[f.ID] = true
	}
	cited := map[string]bool{}
	require.NotEmpty(t, d.Rationale)
	require.LessOrEqual(t, len(d.Rationale), draft.MaxRationale)
	for i, r := range d.Rationale {
		require.NotEmpty(t, strings.TrimSpace(r.Claim), "rationale[%d]", i)
		require.LessOrEqual(t, len(r.Claim), draft.MaxClaim, "rationale[%d]: %s", i, r.Claim)
		require.NotEmpty(t, len(r.FactIDs)+len(r.CitationIDs), "rationale[%d] cites nothing", i)
		require.LessOrEqual(t, len(r.FactIDs), draft.MaxIDsPerItem)
		require.LessOrEqual(t, len(r.CitationIDs), draft.MaxIDsPerItem)
		require.Len(t, slices.Compact(slices.Sorted(slices.Values(r.FactIDs))), len(r.FactIDs), "repeated fact id")
		for _, id := range r.FactIDs {
			require.True(t, facts[id], "rationale[%d] cites unknown fact %s", i, id)
		}
		for _, id := range r.CitationIDs {
			cited[id] = true
		}
	}
	for _, s := range srcs {
		require.True(t, cited[s.ID], "source %s is not cited", s.ID)
	}
	require.Len(t, cited, len(srcs), "a citation id that was not retrieved")
	require.LessOrEqual(t, len(d.Summary), draft.MaxSummary)
	require.NotEmpty(t, d.Summary)
	require.Contains(t, d.Summary, rec.Service)
	require.LessOrEqual(t, len(d.ConfidenceNote), draft.MaxConfidenceNote)
	require.NotEmpty(t, d.ConfidenceNote)
	require.LessOrEqual(t, len(d.Risks), draft.MaxRisks)
	for _, r := range d.Risks {
		require.LessOrEqual(t, len(r), draft.MaxRisk, r)
	}
	return d
}

func TestDeterministicExplainsEveryExampleService(t *testing.T) {
	schemas := draftSchemas(t)
	recs := exampleRecommendations(t)
	require.Len(t, recs, 12)
	for _, rec := range recs {
		t.Run(rec.Service, func(t *testing.T) {
			req := draft.Request{Recommendation: &rec, Sources: sources(), Tier: "balanced"}
			res, err := draft.Deterministic{}.Draft(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, slorec.DrafterDeterministic, res.Drafter)
			require.Empty(t, res.PromptHash)
			require.Zero(t, res.Attempts)
			d := requireValidDraft(t, &rec, sources(), res.Raw, schemas)

			// The summary states each target as its fact reads.
			for _, o := range rec.Objectives {
				for _, id := range o.FactIDs {
					f := factByID(rec, id)
					if strings.HasPrefix(f.Statement, "recommended ") {
						_, num, _ := strings.Cut(f.Statement, ": ")
						num = strings.TrimPrefix(num, "p95 under ")
						num, _, _ = strings.Cut(num, " (") // "650 ms (95% of requests)"
						require.Contains(t, d.Summary, num)
					}
				}
			}

			again, err := draft.Deterministic{}.Draft(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, string(res.Raw), string(again.Raw), "not byte-identical across runs")
		})
	}
}

func factByID(rec slorec.Recommendation, id string) slorec.Fact {
	for _, f := range rec.Facts {
		if f.ID == id {
			return f
		}
	}
	return slorec.Fact{}
}

// TestDeterministicCitesTheFactsItRestsOn checks the claims a reader needs
// are there: observed availability, ceiling and bound, the binding hard
// dependency, latency and the current SLO checks.
func TestDeterministicCitesTheFactsItRestsOn(t *testing.T) {
	rec := checkout(t)
	d, err := draft.Write(draft.Request{Recommendation: rec, Sources: sources()})
	require.NoError(t, err)
	var cited []string
	for _, r := range d.Rationale {
		cited = append(cited, r.FactIDs...)
	}
	// F1 observed, F8 ceiling, F10 bound, F6 and F9 payment-service (the
	// binding dependency), F16/F17/F23 latency, F15 and F24/F25 the
	// current SLOs.
	for _, id := range []string{"F1", "F6", "F8", "F9", "F10", "F14", "F15", "F16", "F17", "F23", "F24", "F25"} {
		require.Contains(t, cited, id)
	}
	var runbook string
	for _, r := range d.Rationale {
		if slices.Contains(r.CitationIDs, "runbook/payment-provider-degradation#mitigation") {
			runbook = r.Claim
		}
	}
	require.Contains(t, runbook, "payment-service degrades")
	// A title with a year is not quoted: the year is no fact.
	require.NotContains(t, string(mustJSON(t, d)), "2017 outage")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

func TestDeterministicGolden(t *testing.T) {
	res, err := draft.Deterministic{}.Draft(context.Background(), draft.Request{Recommendation: checkout(t), Sources: sources()})
	require.NoError(t, err)
	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, res.Raw, "", "  "))
	pretty.WriteByte('\n')
	golden(t, "testdata/deterministic-checkout.golden", pretty.String())
}

func TestDeterministicEdgeCases(t *testing.T) {
	schemas := draftSchemas(t)
	tests := map[string]struct {
		req  func(t *testing.T) draft.Request
		code string
		// check runs on the decoded draft when there is no error.
		check func(t *testing.T, d slorec.Draft)
	}{
		"A request without a recommendation should be invalid.": {
			req:  func(*testing.T) draft.Request { return draft.Request{} },
			code: slorec.EINVALID,
		},
		"A recommendation without objectives should be invalid, since a draft needs a target.": {
			req: func(t *testing.T) draft.Request {
				rec := checkout(t)
				rec.Objectives = nil
				rec.Flags = []string{"no-feasible-availability", "no-latency-data"}
				return draft.Request{Recommendation: rec}
			},
			code: slorec.EINVALID,
		},
		"No feasible availability should give a draft of the latency target alone that says why.": {
			req: func(t *testing.T) draft.Request {
				rec := checkout(t)
				rec.Objectives = rec.Objectives[1:]
				rec.Flags = []string{"no-feasible-availability"}
				rec.NeedsReview = true
				rec.Facts = append(rec.Facts, slorec.Fact{ID: "F27", Value: 0, Unit: "ratio", Source: "engine",
					Statement: "no availability SLO is feasible for checkout-service: what its dependencies and its own history allow, 0%, is under 0.0001%"})
				return draft.Request{Recommendation: rec, Sources: sources()}
			},
			check: func(t *testing.T, d slorec.Draft) {
				require.Len(t, d.Targets, 1)
				require.Equal(t, slorec.Latency, d.Targets[0].SLI)
				require.Equal(t, "balanced", d.ChosenTier)
				require.Contains(t, d.Summary, "no availability SLO is feasible")
				require.Contains(t, strings.Join(d.Risks, "\n"), "No availability SLO is feasible")
				require.Contains(t, strings.Join(d.Risks, "\n"), "needs human review")
				var ids []string
				for _, r := range d.Rationale {
					ids = append(ids, r.FactIDs...)
				}
				require.Contains(t, ids, "F27")
			},
		},
		"A source without a citation id should be invalid.": {
			req: func(t *testing.T) draft.Request {
				return draft.Request{Recommendation: checkout(t), Sources: []draft.Source{{Title: "Untitled", Kind: "guide"}}}
			},
			code: slorec.EINVALID,
		},
		"Many sources should be grouped so that every one is cited within the rationale limit.": {
			req: func(t *testing.T) draft.Request {
				return draft.Request{Recommendation: checkout(t), Sources: manySources(20)}
			},
		},
		"More sources than a draft can cite should be invalid.": {
			req: func(t *testing.T) draft.Request {
				return draft.Request{Recommendation: checkout(t), Sources: manySources(200)}
			},
			code: slorec.EINVALID,
		},
		"A repeated source should be cited once.": {
			req: func(t *testing.T) draft.Request {
				s := sources()
				return draft.Request{Recommendation: checkout(t), Sources: append(s, s[0])}
			},
		},
		"A requested tier the engine did not choose should be named in the risks.": {
			req: func(t *testing.T) draft.Request {
				return draft.Request{Recommendation: checkout(t), Tier: "aspirational"}
			},
			check: func(t *testing.T, d slorec.Draft) {
				require.Contains(t, d.Risks[0], "The aspirational tier was requested")
			},
		},
		"Low confidence should be stated with its reasons and flagged for review.": {
			req: func(t *testing.T) draft.Request {
				rec := checkout(t)
				rec.Confidence, rec.NeedsReview = 0.34, true
				rec.Flags = []string{"low-confidence"}
				rec.ConfidenceReasons = []string{"only 12.0 days of history, 28 earn full confidence (×0.43)", "low volume: 1200 requests (×0.60)"}
				rec.Facts[len(rec.Facts)-1].Value = 0.34
				rec.Facts[len(rec.Facts)-1].Statement = "confidence in the checkout-service recommendation: 0.34 (low)"
				return draft.Request{Recommendation: rec}
			},
			check: func(t *testing.T, d slorec.Draft) {
				require.Contains(t, d.ConfidenceNote, "Confidence 0.34 (low): only 12.0 days of history")
				require.Contains(t, d.ConfidenceNote, "needs human review")
				require.Contains(t, d.Summary, "A human should review it")
				require.Contains(t, d.Risks, "Confidence is low, so the conservative tier was chosen.")
			},
		},
		"A mitigation too long for a risk should lose its asides, not its action.": {
			req: func(t *testing.T) draft.Request { return draft.Request{Recommendation: checkout(t)} },
			check: func(t *testing.T, d slorec.Draft) {
				var m string
				for _, r := range d.Risks {
					if strings.HasPrefix(r, "Mitigation: extra-nine rule") {
						m = r
					}
				}
				require.Contains(t, m, "make payment-service soft with a fallback, so its failures degrade requests")
				require.NotContains(t, m, "(cached or default response")
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			req := tt.req(t)
			res, err := draft.Deterministic{}.Draft(context.Background(), req)
			if tt.code != "" {
				require.Error(t, err)
				require.Equal(t, tt.code, slorec.ErrorCode(err), "%v", err)
				return
			}
			require.NoError(t, err)
			d := requireValidDraft(t, req.Recommendation, uniqueByID(req.Sources), res.Raw, schemas)
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}

func manySources(n int) []draft.Source {
	kinds := []string{"runbook", "guide", "postmortem", "policy", "provider-sla", "slo-template"}
	out := make([]draft.Source, n)
	for i := range out {
		k := kinds[i%len(kinds)]
		out[i] = draft.Source{ID: fmt.Sprintf("%s/doc-%d#s", k, i), Title: "Document " + strings.Repeat("x", i%5+1), Kind: k, Text: "Text."}
	}
	return out
}

func uniqueByID(in []draft.Source) []draft.Source {
	var out []draft.Source
	for _, s := range in {
		if !slices.ContainsFunc(out, func(o draft.Source) bool { return o.ID == s.ID }) {
			out = append(out, s)
		}
	}
	return out
}
