package openslo_test

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/openslo"
	"github.com/slorec/slorec/reasoning/recommend"
)

// evalSets lists the datasets `slorec eval` finds without --dataset
// (evals.DefaultSets): the embedded e-commerce example, every directory
// under evals/datasets and, when the shared data has it, PetShop.
func evalSets(t *testing.T) []evals.Set {
	t.Helper()
	pet, ok := findShared("metrics/petshop")
	if !ok {
		t.Log("no PetShop data under ../shared/data/metrics/petshop; not exported")
	}
	sets, err := evals.DefaultSets("../../evals/datasets", pet)
	require.NoError(t, err)
	require.Greater(t, len(sets), 3, "evals/datasets should hold the generated datasets")
	return sets
}

func findShared(rel string) (string, bool) {
	dir, err := os.Getwd()
	for err == nil {
		p := filepath.Join(dir, "shared", "data", filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		if filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	return "", false
}

// exportable returns a dataset's committed SLOs plus, for every service
// and SLI without one, the engine's recommendation as Recommendation.SLOs
// makes it: what exporting every service would write.
func exportable(t *testing.T, d *dataset.Dataset) ([]slorec.SLO, []slorec.Recommendation) {
	t.Helper()
	res, err := recommend.Recommend(context.Background(),
		recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs},
		recommend.Options{Seed: 1, Resamples: -1, Paths: recommend.PathsNone})
	require.NoError(t, err)
	committed := map[[2]string]bool{}
	for _, s := range d.SLOs {
		committed[[2]string{s.Service, string(s.SLI)}] = true
	}
	slos := slices.Clone(d.SLOs)
	for _, rec := range res.Recommendations {
		for _, s := range rec.SLOs() {
			if !committed[[2]string{s.Service, string(s.SLI)}] {
				slos = append(slos, s)
			}
		}
	}
	return slos, res.Recommendations
}

// sorted returns the SLOs in export order with the default window filled
// in: what an import of the export gives back.
func sorted(slos []slorec.SLO) []slorec.SLO {
	out := slices.Clone(slos)
	for i := range out {
		if out[i].WindowDays == 0 {
			out[i].WindowDays = slorec.DefaultWindowDays
		}
	}
	slices.SortStableFunc(out, func(a, b slorec.SLO) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.SLI, b.SLI))
	})
	return out
}

func sloFor(slos []slorec.SLO, service string) []slorec.SLO {
	var out []slorec.SLO
	for _, s := range slos {
		if s.Service == service {
			out = append(out, s)
		}
	}
	return out
}

// TestEvalDatasetsExportValidAndRoundTrip exports every eval dataset whole
// and service by service, validates every export against the official
// schemas, and imports the whole export back.
func TestEvalDatasetsExportValidAndRoundTrip(t *testing.T) {
	v := validator(t)
	for _, set := range evalSets(t) {
		t.Run(set.Name, func(t *testing.T) {
			d, err := set.Load()
			require.NoError(t, err)
			slos, recs := exportable(t, d)
			require.NotEmpty(t, slos)
			opt := openslo.Options{Recommendations: recs}

			all, err := openslo.Export(d.Graph.Services, slos, nil, opt)
			require.NoError(t, err)
			require.NoError(t, v.Validate(all))
			kinds := countKinds(t, all)
			require.Equal(t, len(d.Graph.Services), kinds[openslo.KindService])
			require.Equal(t, len(slos), kinds[openslo.KindSLO])
			require.Equal(t, 2, kinds[openslo.KindAlertPolicy])

			for _, svc := range d.Graph.Services {
				one, err := openslo.Export([]slorec.Service{svc}, sloFor(slos, svc.ID), nil, opt)
				require.NoError(t, err, svc.ID)
				require.NoError(t, v.Validate(one), svc.ID)
			}

			got, warnings, err := openslo.Import(bytes.NewReader(all))
			require.NoError(t, err)
			require.Empty(t, warnings)
			require.Equal(t, sorted(slos), got)
		})
	}
}

// TestEvalDatasetsImportWithoutAnnotations strips every slorec.io
// annotation from the exports and imports them again: the OpenSLO content
// alone (service names, ratio queries, histogram buckets, windows, targets)
// must give back the same service, SLI, target, threshold and window.
func TestEvalDatasetsImportWithoutAnnotations(t *testing.T) {
	for _, set := range evalSets(t) {
		t.Run(set.Name, func(t *testing.T) {
			d, err := set.Load()
			require.NoError(t, err)
			slos, _ := exportable(t, d)
			out, err := openslo.Export(d.Graph.Services, slos, nil, openslo.Options{})
			require.NoError(t, err)
			bare := stripAnnotations(t, out)
			require.False(t, strings.Contains(string(bare), "slorec.io/service-id"), "annotations left")

			got, warnings, err := openslo.Import(bytes.NewReader(bare))
			require.NoError(t, err)
			require.Empty(t, warnings)
			var want []slorec.SLO
			for _, s := range sorted(slos) {
				want = append(want, slorec.SLO{Service: openslo.Name(s.Service), SLI: s.SLI, Target: s.Target,
					ThresholdMs: s.ThresholdMs, WindowDays: s.WindowDays})
			}
			require.Equal(t, want, got)
		})
	}
}

// countKinds counts the objects of each kind in a stream.
func countKinds(t *testing.T, data []byte) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, doc := range documents(t, data) {
		var head struct {
			Kind string `yaml:"kind"`
		}
		require.NoError(t, doc.Decode(&head))
		n[head.Kind]++
	}
	return n
}

// documents splits a stream into its YAML documents.
func documents(t *testing.T, data []byte) []*yaml.Node {
	t.Helper()
	var out []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			require.ErrorContains(t, err, "EOF")
			return out
		}
		out = append(out, &n)
	}
}

// encode writes documents back as a stream.
func encode(t *testing.T, docs []*yaml.Node) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		require.NoError(t, enc.Encode(d))
	}
	require.NoError(t, enc.Close())
	return buf.Bytes()
}

// stripAnnotations removes the annotations of every object.
func stripAnnotations(t *testing.T, data []byte) []byte {
	t.Helper()
	docs := documents(t, data)
	for _, d := range docs {
		md := child(d.Content[0], "metadata")
		removeKey(md, "annotations")
	}
	return encode(t, docs)
}

// child returns the value at key of a mapping node.
func child(m *yaml.Node, key string) *yaml.Node {
	for i := 0; m != nil && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// TestEcommerceGolden pins the export of the e-commerce example's services
// and committed SLOs. Regenerate with go test -update and review the diff.
func TestEcommerceGolden(t *testing.T) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	out, err := openslo.Export(d.Graph.Services, d.SLOs, nil, openslo.Options{})
	require.NoError(t, err)
	const golden = "testdata/ecommerce.openslo.yaml"
	if *update {
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create it")
	require.Equal(t, string(want), string(out))
	require.NoError(t, validator(t).Validate(out))
	require.NoError(t, openslo.Validate(out), "the package-level Validate finds the schemas too")
	require.True(t, strings.HasPrefix(string(out), "# OpenSLO v1"))
}
