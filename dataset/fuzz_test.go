package dataset_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/dataset"
)

// FuzzLoadMetricsCSV checks that the metrics parser never panics, and that
// whatever it accepts is valid by the in-memory rules and survives a round
// trip through Write's formatting. Found cases live in
// testdata/fuzz/FuzzLoadMetricsCSV.
func FuzzLoadMetricsCSV(f *testing.F) {
	for _, s := range []string{
		baseFiles()[dataset.MetricsFile],
		dataset.MetricsHeader + "\n",
		"",
		"\ufeff" + dataset.MetricsHeader + "\n2026-10-01T00:00:00Z,gateway,1,0,,,\n",
		dataset.MetricsHeader + "\n2026-10-01T00:00:00Z,gateway,1,2,3,2,1\n",
		dataset.MetricsHeader + "\n2026-10-01T00:00:00.5Z,gateway,NaN,Inf,-1,1e308,1e309\n",
		dataset.MetricsHeader + "\n\"2026-10-01T00:00:00Z\",\"gate\nway\",1,0,,,\n",
		dataset.MetricsHeader + "\n2026-10-01T00:00:00Z,gateway,9223372036854775808,0,,,\n",
		dataset.MetricsHeader + "\na\"b,c\n\"unterminated",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ms, err := dataset.ReadMetrics(strings.NewReader(in), dataset.MetricsOptions{Now: now})
		if err != nil {
			var verr *dataset.ValidationError
			require.ErrorAs(t, err, &verr)
			require.NotEmpty(t, verr.Problems)
			require.LessOrEqual(t, len(verr.Problems), dataset.MaxProblems)
			for _, p := range verr.Problems {
				require.Equal(t, dataset.MetricsFile, p.File)
				require.Positive(t, p.Line, p.String())
			}
			return
		}
		d := &dataset.Dataset{Metrics: ms}
		for i := range ms {
			require.NoError(t, ms[i].Validate())
		}
		_ = d.MetricsByService()
	})
}

// FuzzReadTopology checks that the topology decoder never panics and that
// whatever it accepts passes the root package's own validation.
func FuzzReadTopology(f *testing.F) {
	for _, s := range []string{
		baseFiles()[dataset.TopologyFile],
		`{"services":[]}`,
		`{"services":[{"id":"a","kind":"service","tier":"low","deps":[{"target":"a"}]}]}`,
		`{"services":[{"id":"a","kind":"service","tier":"low","version":1e3,"published_sla":1e400}]}`,
		`{"services":{"id":"a"}}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"services":[{"id":"a","id":"b"}]} trailing`,
		"{\"services\":[{\"id\":\"a\\u0000\"}]}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		g, _, err := dataset.ReadTopology(strings.NewReader(in))
		if err != nil {
			var verr *dataset.ValidationError
			require.ErrorAs(t, err, &verr)
			return
		}
		require.NoError(t, g.Validate())
	})
}
