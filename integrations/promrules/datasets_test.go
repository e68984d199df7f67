package promrules_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/prommap"
	"github.com/slorec/slorec/integrations/promrules"
	"github.com/slorec/slorec/reasoning/recommend"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// evalDatasets lists the datasets `slorec eval` runs on by default
// (evals.DefaultSets), seen from this package's directory: the embedded
// e-commerce example, every dataset under evals/datasets and, when the
// shared data is there, PetShop.
func evalDatasets(t *testing.T) []evals.Set {
	t.Helper()
	sets, err := evals.DefaultSets("../../evals/datasets", "../../../shared/data/metrics/petshop")
	require.NoError(t, err)
	require.Greater(t, len(sets), 3, "no datasets under evals/datasets")
	return sets
}

func loadMapping(t *testing.T, path string) *prommap.Config {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	cfg, err := prommap.Load(f)
	require.NoError(t, err)
	return cfg
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]`)

// TestEvalDatasetExports exports the recommended SLOs of every service of
// every eval dataset, one file per service as `slorec export
// prometheus-rules --service` would, and each dataset's committed SLOs as
// one file, with the default mapping and with one that knows the bucket
// boundaries; then checks every file with a single promtool run.
func TestEvalDatasetExports(t *testing.T) {
	dir := t.TempDir()
	buckets := loadMapping(t, "testdata/ecommerce-mapping.yaml")
	configs := []struct {
		name string
		cfg  *prommap.Config
	}{{"default", prommap.Default()}, {"buckets", buckets}}
	var files []string
	write := func(name string, res *promrules.Result) {
		files = append(files, writeRules(t, dir, unsafeName.ReplaceAllString(name, "_")+".yaml", res))
	}
	services, exported, snapped := 0, 0, 0
	for _, set := range evalDatasets(t) {
		d, err := set.Load()
		require.NoError(t, err, set.Name)
		rec, err := recommend.Recommend(context.Background(), recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}, recommend.Options{Seed: 1})
		require.NoError(t, err, set.Name)
		require.Len(t, rec.Recommendations, len(d.Graph.Services), set.Name)
		for _, r := range rec.Recommendations {
			services++
			slos := r.SLOs()
			for _, c := range configs {
				res, err := promrules.Generate(slos, c.cfg, promrules.Options{})
				require.NoError(t, err, "%s %s", set.Name, r.Service)
				if c.name == "default" {
					// The default mapping gives every service every series,
					// so nothing may be skipped.
					require.Empty(t, res.Skipped, "%s %s", set.Name, r.Service)
					require.Len(t, res.SLOs, len(slos), "%s %s", set.Name, r.Service)
					require.Len(t, res.File.Groups, 3*len(slos))
					exported += len(slos)
				} else {
					for _, s := range res.Skipped {
						require.Contains(t, s.Message, "above the histogram's largest bucket boundary", "%s %s", set.Name, r.Service)
					}
					for _, e := range res.SLOs {
						if e.SLI == slorec.Latency && e.MeasuredMs != e.ThresholdMs {
							snapped++
						}
					}
				}
				write(fmt.Sprintf("%s-%s-%s", set.Name, r.Service, c.name), res)
			}
		}
		for _, c := range configs {
			res, err := promrules.Generate(d.SLOs, c.cfg, promrules.Options{})
			require.NoError(t, err, set.Name)
			write(fmt.Sprintf("%s-committed-%s", set.Name, c.name), res)
		}
	}
	t.Logf("%d services, %d recommended SLOs, %d latency thresholds snapped to a bucket, %d files", services, exported, snapped, len(files))
	require.Positive(t, exported)
	checkRules(t, files...)
}

// TestOddServiceIDsPassPromtool: ids with quotes, template delimiters,
// backslashes, newlines and non-ASCII letters still give valid rules.
func TestOddServiceIDsPassPromtool(t *testing.T) {
	var slos []slorec.SLO
	for _, id := range []string{`we"ird {{svc}}`, "new\nline", "\nleading", "trailing\n", " spaced ", "true", "30", "\u2028", "del\x7f", "bom\ufeff", `back\slash`, "ünïcødé", "tab\there", "{{ .Foo }}", "$dollar", "a-latency"} {
		slos = append(slos, availability(id, 0.99), latency(id, 0.95, 250))
	}
	res, err := promrules.Generate(slos, nil, promrules.Options{RunbookURL: "https://wiki.invalid/{{x}}/{service}"})
	require.NoError(t, err)
	checkRules(t, writeRules(t, t.TempDir(), "odd.yaml", res))
}

// TestGoldenEcommerce compares the rules for the e-commerce example's
// committed SLOs, measured with testdata/ecommerce-mapping.yaml, with
// testdata/ecommerce.rules.yaml; -update rewrites it. promtool checks it
// when available.
func TestGoldenEcommerce(t *testing.T) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "examples/ecommerce (embedded)", dataset.LoadOptions{})
	require.NoError(t, err)
	res, err := promrules.Generate(d.SLOs, loadMapping(t, "testdata/ecommerce-mapping.yaml"), promrules.Options{})
	require.NoError(t, err)
	got, err := res.YAML()
	require.NoError(t, err)
	const golden = "testdata/ecommerce.rules.yaml"
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create it")
	require.Equal(t, string(want), string(got), "rules changed; review and run go test -update")

	// The api-gateway threshold (200 ms) is no boundary of the Go
	// client's buckets and snaps to 250 ms; checkout's 1 s is one.
	require.Len(t, res.Warnings, 1)
	require.Equal(t, "api-gateway", res.Warnings[0].Service)
	require.Len(t, res.SLOs, 4)
	checkRules(t, golden)
}
