package dataset_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

// now is after every timestamp of the base files.
var now = time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)

// baseFiles returns a small valid dataset, one value per line so that tests
// can name lines. "cache" is a missing node: referenced, not declared.
func baseFiles() map[string]string {
	return map[string]string{
		dataset.TopologyFile: `{"services": [
  {"id": "gateway", "kind": "service", "tier": "critical", "deps": [
    {"target": "checkout", "type": "sync", "criticality": "hard", "call_ratio": 0.1},
    {"target": "cache", "type": "sync", "criticality": "soft"}
  ]},
  {"id": "checkout", "kind": "service", "tier": "high", "published_sla": 0.99}
]}
`,
		dataset.MetricsFile: `timestamp,service,requests,errors,latency_p50_ms,latency_p95_ms,latency_p99_ms
2026-10-01T00:00:00Z,gateway,1000,1,10,20,30
2026-10-01T00:00:00Z,checkout,100,0,,,
2026-10-01T01:00:00Z,gateway,1000,2,10.5,20,30
2026-10-01T01:00:00Z,checkout,100,1,50,80,120
`,
		dataset.SLOsFile: `{"slos": [
  {"service": "gateway", "sli": "availability", "target": 0.999, "window_days": 30},
  {"service": "gateway", "sli": "latency", "target": 0.95, "threshold_ms": 200, "percentile": 95, "window_days": 30}
]}
`,
		dataset.IncidentsFile: `{"incidents": [
  {"id": "INC-1", "service": "checkout", "start": "2026-10-01T00:10:00Z", "end": "2026-10-01T00:40:00Z", "title": "payment timeouts", "root_cause": "checkout"}
]}
`,
		dataset.TruthFile: `{"services": {
  "gateway": {"intrinsic_availability": 0.9995, "end_to_end_availability": 0.999, "baseline_intrinsic_availability": 0.9995, "baseline_end_to_end_availability": 0.9991, "requests": 2000}
}}
`,
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

func TestLoadValidDataset(t *testing.T) {
	dir := writeFiles(t, baseFiles())
	d, err := dataset.Load(dir, dataset.LoadOptions{Now: now})
	require.NoError(t, err)

	require.Equal(t, dir, d.Dir)
	require.Len(t, d.Graph.Services, 2)
	require.Equal(t, slorec.Dependency{Target: "checkout", Type: slorec.Sync, Criticality: slorec.Hard, CallRatio: 0.1}, d.Graph.Services[0].Deps[0])
	require.Equal(t, []string{"cache"}, d.MissingNodes, "an undeclared dependency target is a missing node, not an error")
	require.Len(t, d.Metrics, 4)
	require.Equal(t, slorec.MetricBucket{
		Service: "gateway", Start: time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC),
		Requests: 1000, Errors: 2, LatencyP50Ms: 10.5, LatencyP95Ms: 20, LatencyP99Ms: 30,
	}, d.Metrics[2])
	require.Zero(t, d.Metrics[1].LatencyP99Ms, "empty latency cells are zero")
	require.Len(t, d.SLOs, 2)
	require.Equal(t, 200.0, d.SLOs[1].ThresholdMs)
	require.Len(t, d.Incidents, 1)
	require.InDelta(t, 0.999, d.Truth.Services["gateway"].EndToEndAvailability, 1e-12)

	byService := d.MetricsByService()
	require.Len(t, byService["checkout"], 2)
	require.NoError(t, d.Validate(now), "a loaded dataset validates in memory too")
}

func TestLoadOptionalFilesMayBeAbsent(t *testing.T) {
	files := baseFiles()
	delete(files, dataset.SLOsFile)
	delete(files, dataset.IncidentsFile)
	delete(files, dataset.TruthFile)
	d, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	require.Nil(t, d.SLOs)
	require.Nil(t, d.Incidents)
	require.Nil(t, d.Truth)
}

// want is the expected single problem of a broken dataset.
type want struct {
	file, field string
	line        int
	path        string // JSON path; empty for CSV
	contains    string
}

func TestLoadReportsEveryRule(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		old, new   string // replace old by new in file
		removeFile bool   // or delete the file
		want       want
		count      int // problems expected; 0 means 1
	}{
		// topology.json
		{name: "A key given twice should be refused at its second occurrence.",
			file: dataset.TopologyFile, old: `"tier": "high"`, new: `"tier": "high", "kind": "lambda"`,
			want: want{dataset.TopologyFile, "kind", 6, "services[1].kind", `duplicate key "kind"`}},
		{name: "A kind outside the enum should be refused.",
			file: dataset.TopologyFile, old: `"id": "checkout", "kind": "service"`, new: `"id": "checkout", "kind": "lambda"`,
			want: want{dataset.TopologyFile, "kind", 6, "services[1].kind", `unknown kind "lambda"`}},
		{name: "An unknown tier should be refused.",
			file: dataset.TopologyFile, old: `"tier": "high"`, new: `"tier": "gold"`,
			want: want{dataset.TopologyFile, "tier", 6, "services[1].tier", `unknown tier "gold"`}},
		{name: "An unknown dependency type should be refused.",
			file: dataset.TopologyFile, old: `"type": "sync", "criticality": "soft"`, new: `"type": "grpc", "criticality": "soft"`,
			want: want{dataset.TopologyFile, "type", 4, "services[0].deps[1].type", `unknown type "grpc"`}},
		{name: "An unknown criticality should be refused.",
			file: dataset.TopologyFile, old: `"criticality": "soft"`, new: `"criticality": "optional"`,
			want: want{dataset.TopologyFile, "criticality", 4, "services[0].deps[1].criticality", `unknown criticality "optional"`}},
		{name: "A duplicate service id should point at the second one.",
			file: dataset.TopologyFile, old: `"id": "checkout"`, new: `"id": "gateway"`,
			want: want{dataset.TopologyFile, "id", 6, "services[1].id", `duplicate service id "gateway" (first declared at services[0])`}},
		{name: "A self-dependency should be refused.",
			file: dataset.TopologyFile, old: `"target": "cache"`, new: `"target": "gateway"`,
			want: want{dataset.TopologyFile, "target", 4, "services[0].deps[1].target", "self-dependency"}},
		{name: "A duplicate edge should be refused.",
			file: dataset.TopologyFile, old: `"target": "cache"`, new: `"target": "checkout"`,
			want: want{dataset.TopologyFile, "target", 4, "services[0].deps[1].target", `duplicate dependency on "checkout" (first at deps[0])`}},
		{name: "An unknown field in a service should be refused.",
			file: dataset.TopologyFile, old: `"published_sla": 0.99`, new: `"published_sla": 0.99, "team": "x"`,
			want: want{dataset.TopologyFile, "team", 6, "services[1].team", `unknown field "team"`}},
		{name: "An unknown field in a dependency should be refused, with its line.",
			file: dataset.TopologyFile, old: `"call_ratio": 0.1}`, new: `"call_ratio": 0.1,
      "weight": 3}`,
			want: want{dataset.TopologyFile, "weight", 4, "services[0].deps[0].weight", `unknown field "weight"`}},
		{name: "A field whose case differs from the schema should be refused.",
			file: dataset.TopologyFile, old: `"target": "cache"`, new: `"Target": "cache"`,
			want: want{dataset.TopologyFile, "Target", 4, "services[0].deps[1].Target", `unknown field "Target"`}, count: 2}, // and target is missing
		{name: "A call ratio above 1 should be refused.",
			file: dataset.TopologyFile, old: `"call_ratio": 0.1`, new: `"call_ratio": 10`,
			want: want{dataset.TopologyFile, "call_ratio", 3, "services[0].deps[0].call_ratio", "not in (0,1]"}},
		{name: "A published SLA written as a percentage should say so.",
			file: dataset.TopologyFile, old: `"published_sla": 0.99`, new: `"published_sla": 99.5`,
			want: want{dataset.TopologyFile, "published_sla", 6, "services[1].published_sla", "looks like a percentage"}},
		{name: "A string where a number belongs should be refused.",
			file: dataset.TopologyFile, old: `"call_ratio": 0.1`, new: `"call_ratio": "0.1"`,
			want: want{dataset.TopologyFile, "call_ratio", 3, "services[0].deps[0].call_ratio", "want a number, got a string"}},
		{name: "A service id with a comma should be refused, since it would break metrics.csv.",
			file: dataset.TopologyFile, old: `"id": "checkout"`, new: `"id": "check,out"`,
			want: want{dataset.TopologyFile, "id", 6, "services[1].id", "comma"}},
		{name: "A missing id should be required.",
			file: dataset.TopologyFile, old: `"id": "checkout", `, new: ``,
			want: want{dataset.TopologyFile, "id", 6, "services[1].id", "required"}},
		{name: "Malformed JSON should name the line of the error.",
			file: dataset.TopologyFile, old: `"tier": "high", "published_sla": 0.99}`, new: `"tier": "high" "published_sla": 0.99}`,
			want: want{dataset.TopologyFile, "", 6, "", "malformed JSON"}},
		{name: "An empty topology should be refused.",
			file: dataset.TopologyFile, old: baseFiles()[dataset.TopologyFile], new: `{"services": []}`,
			want: want{dataset.TopologyFile, "services", 1, "services", "no services"}},
		{name: "A missing topology file should be reported.",
			file: dataset.TopologyFile, removeFile: true,
			want: want{dataset.TopologyFile, "", 0, "", "file is missing"}},

		// metrics.csv
		{name: "A negative request count should name the requests column and the line.",
			file: dataset.MetricsFile, old: `checkout,100,1,`, new: `checkout,-100,1,`,
			want: want{dataset.MetricsFile, "requests", 5, "", "-100 is negative"}},
		{name: "A NaN count should be refused.",
			file: dataset.MetricsFile, old: `gateway,1000,2,`, new: `gateway,NaN,2,`,
			want: want{dataset.MetricsFile, "requests", 4, "", "not a finite number"}},
		{name: "An infinite count should be refused.",
			file: dataset.MetricsFile, old: `gateway,1000,2,`, new: `gateway,1000,+Inf,`,
			want: want{dataset.MetricsFile, "errors", 4, "", "not a finite number"}},
		{name: "A fractional count should be refused.",
			file: dataset.MetricsFile, old: `gateway,1000,2,`, new: `gateway,1000.5,2,`,
			want: want{dataset.MetricsFile, "requests", 4, "", "not an integer"}},
		{name: "A count that is not a number should be refused.",
			file: dataset.MetricsFile, old: `gateway,1000,2,`, new: `gateway,lots,2,`,
			want: want{dataset.MetricsFile, "requests", 4, "", "not a number"}},
		{name: "A missing count should be required.",
			file: dataset.MetricsFile, old: `gateway,1000,2,`, new: `gateway,1000,,`,
			want: want{dataset.MetricsFile, "errors", 4, "", "required"}},
		{name: "More errors than requests should be refused.",
			file: dataset.MetricsFile, old: `checkout,100,1,`, new: `checkout,100,101,`,
			want: want{dataset.MetricsFile, "errors", 5, "", "101 exceeds requests 100"}},
		{name: "A p95 below the p50 should be refused.",
			file: dataset.MetricsFile, old: `50,80,120`, new: `50,40,120`,
			want: want{dataset.MetricsFile, "latency_p95_ms", 5, "", "40 is below latency_p50_ms 50"}},
		{name: "A p99 below the p95 should be refused.",
			file: dataset.MetricsFile, old: `50,80,120`, new: `50,80,70`,
			want: want{dataset.MetricsFile, "latency_p99_ms", 5, "", "70 is below latency_p95_ms 80"}},
		{name: "A p99 below the p50 should be refused when the p95 is absent.",
			file: dataset.MetricsFile, old: `50,80,120`, new: `50,,40`,
			want: want{dataset.MetricsFile, "latency_p99_ms", 5, "", "40 is below latency_p50_ms 50"}},
		{name: "A negative latency should be refused.",
			file: dataset.MetricsFile, old: `50,80,120`, new: `-50,80,120`,
			want: want{dataset.MetricsFile, "latency_p50_ms", 5, "", "negative"}},
		{name: "A NaN latency should be refused.",
			file: dataset.MetricsFile, old: `50,80,120`, new: `50,80,NaN`,
			want: want{dataset.MetricsFile, "latency_p99_ms", 5, "", "not a finite number"}},
		{name: "A timestamp with an offset should be refused: timestamps are UTC.",
			file: dataset.MetricsFile, old: `2026-10-01T01:00:00Z,checkout`, new: `2026-10-01T03:00:00+02:00,checkout`,
			want: want{dataset.MetricsFile, "timestamp", 5, "", "not an RFC 3339 UTC timestamp"}},
		{name: "A timestamp that is not RFC 3339 should be refused.",
			file: dataset.MetricsFile, old: `2026-10-01T01:00:00Z,checkout`, new: `2026-10-01 01:00:00,checkout`,
			want: want{dataset.MetricsFile, "timestamp", 5, "", "not an RFC 3339 UTC timestamp"}},
		{name: "A duplicate timestamp for a service should be refused.",
			file: dataset.MetricsFile, old: `2026-10-01T01:00:00Z,checkout`, new: `2026-10-01T00:00:00Z,checkout`,
			want: want{dataset.MetricsFile, "timestamp", 5, "", `a duplicate of the previous row of "checkout" (line 3`}},
		{name: "A timestamp going backwards for a service should be refused.",
			file: dataset.MetricsFile, old: `2026-10-01T01:00:00Z,checkout`, new: `2026-09-30T23:00:00Z,checkout`,
			want: want{dataset.MetricsFile, "timestamp", 5, "", `before the previous row of "checkout"`}},
		{name: "A timestamp in the future should be refused.",
			file: dataset.MetricsFile, old: `2026-10-01T01:00:00Z,checkout`, new: `2026-10-03T01:00:00Z,checkout`,
			want: want{dataset.MetricsFile, "timestamp", 5, "", "in the future"}},
		{name: "A service missing from the topology should be refused in metrics.",
			file: dataset.MetricsFile, old: `T01:00:00Z,checkout`, new: `T01:00:00Z,billing`,
			want: want{dataset.MetricsFile, "service", 5, "", `unknown service "billing"`}},
		{name: "A wrong header should be one clear problem.",
			file: dataset.MetricsFile, old: `latency_p99_ms`, new: `p99`,
			want: want{dataset.MetricsFile, "header", 1, "", `want "timestamp,service,requests,errors,latency_p50_ms,latency_p95_ms,latency_p99_ms"`}},
		{name: "An empty metrics file should ask for the header.",
			file: dataset.MetricsFile, old: baseFiles()[dataset.MetricsFile], new: ``,
			want: want{dataset.MetricsFile, "header", 1, "", "empty file"}},
		{name: "A row with too few fields should be refused.",
			file: dataset.MetricsFile, old: `checkout,100,1,50,80,120`, new: `checkout,100,1`,
			want: want{dataset.MetricsFile, "row", 5, "", "4 fields, want 7"}},
		{name: "A bare quote should be reported as malformed CSV with its line.",
			file: dataset.MetricsFile, old: `checkout,100,1,`, new: `chec"kout,100,1,`,
			want: want{dataset.MetricsFile, "row", 5, "", "malformed CSV"}},
		{name: "A missing metrics file should be reported.",
			file: dataset.MetricsFile, removeFile: true,
			want: want{dataset.MetricsFile, "", 0, "", "file is missing"}},

		// slos.json
		{name: "An SLO on an unknown service should be refused.",
			file: dataset.SLOsFile, old: `{"service": "gateway", "sli": "availability"`, new: `{"service": "billing", "sli": "availability"`,
			want: want{dataset.SLOsFile, "service", 2, "slos[0].service", `unknown service "billing"`}},
		{name: "An SLO target written as a percentage should say so.",
			file: dataset.SLOsFile, old: `"target": 0.999`, new: `"target": 99.9`,
			want: want{dataset.SLOsFile, "target", 2, "slos[0].target", "looks like a percentage"}},
		{name: "An SLO target of zero should be refused.",
			file: dataset.SLOsFile, old: `"target": 0.999`, new: `"target": 0`,
			want: want{dataset.SLOsFile, "target", 2, "slos[0].target", "not a ratio in (0,1)"}},
		{name: "Two SLOs for the same service and SLI should be refused.",
			file: dataset.SLOsFile, old: `"sli": "latency"`, new: `"sli": "availability"`,
			want: want{dataset.SLOsFile, "sli", 3, "slos[1].sli", `duplicate availability SLO for "gateway" (first at slos[0])`}},
		{name: "An unknown SLI should be refused.",
			file: dataset.SLOsFile, old: `"sli": "latency"`, new: `"sli": "throughput"`,
			want: want{dataset.SLOsFile, "sli", 3, "slos[1].sli", `unknown kind "throughput"`}},
		{name: "A latency SLO without a threshold should be refused.",
			file: dataset.SLOsFile, old: `"threshold_ms": 200, `, new: ``,
			want: want{dataset.SLOsFile, "threshold_ms", 3, "slos[1].threshold_ms", "positive threshold"}},
		{name: "An unknown field in an SLO should be refused.",
			file: dataset.SLOsFile, old: `"window_days": 30}`, new: `"window": 30}`,
			want: want{dataset.SLOsFile, "window", 2, "slos[0].window", `unknown field "window"`}},

		// incidents.json
		{name: "An incident on an unknown service should be refused.",
			file: dataset.IncidentsFile, old: `"service": "checkout"`, new: `"service": "billing"`,
			want: want{dataset.IncidentsFile, "service", 2, "incidents[0].service", `unknown service "billing"`}},
		{name: "An incident ending before it starts should be refused.",
			file: dataset.IncidentsFile, old: `"end": "2026-10-01T00:40:00Z"`, new: `"end": "2026-10-01T00:00:00Z"`,
			want: want{dataset.IncidentsFile, "end", 2, "incidents[0].end", "before start"}},
		{name: "An incident with a malformed start should be refused.",
			file: dataset.IncidentsFile, old: `"start": "2026-10-01T00:10:00Z"`, new: `"start": "yesterday"`,
			want: want{dataset.IncidentsFile, "start", 2, "incidents[0].start", "not an RFC 3339 timestamp"}},

		// truth.json
		{name: "Ground truth for an unknown service should be refused.",
			file: dataset.TruthFile, old: `"gateway": {`, new: `"billing": {`,
			want: want{dataset.TruthFile, "services", 2, `services["billing"]`, `unknown service "billing"`}},
		{name: "A true availability above 1 should be refused.",
			file: dataset.TruthFile, old: `"end_to_end_availability": 0.999`, new: `"end_to_end_availability": 99.9`,
			want: want{dataset.TruthFile, "end_to_end_availability", 2, `services["gateway"].end_to_end_availability`, "not a ratio in [0,1]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := baseFiles()
			if tc.removeFile {
				delete(files, tc.file)
			} else {
				require.Contains(t, files[tc.file], tc.old, "test case does not apply")
				files[tc.file] = strings.Replace(files[tc.file], tc.old, tc.new, 1)
			}
			_, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			var verr *dataset.ValidationError
			require.True(t, errors.As(err, &verr), "got %T", err)
			require.Len(t, verr.Problems, max(tc.count, 1), "problems: %v", verr.Problems)
			p := verr.Problems[0]
			require.Equal(t, tc.want.file, p.File, p.String())
			require.Equal(t, tc.want.line, p.Line, p.String())
			require.Equal(t, tc.want.field, p.Field, p.String())
			require.Equal(t, tc.want.path, p.Path, p.String())
			require.Contains(t, p.Message, tc.want.contains)
			require.Contains(t, err.Error(), p.String())
		})
	}
}

func TestLoadCollectsAllProblems(t *testing.T) {
	files := baseFiles()
	files[dataset.TopologyFile] = strings.Replace(files[dataset.TopologyFile], `"tier": "high"`, `"tier": "gold"`, 1)
	files[dataset.MetricsFile] = strings.Replace(files[dataset.MetricsFile], `gateway,1000,2,`, `gateway,-1,2,`, 1)
	files[dataset.SLOsFile] = strings.Replace(files[dataset.SLOsFile], `"target": 0.999`, `"target": 99.9`, 1)

	_, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	var got []string
	for _, p := range verr.Problems {
		got = append(got, fmt.Sprintf("%s:%d:%s", p.File, p.Line, p.Field))
	}
	require.Equal(t, []string{"topology.json:6:tier", "metrics.csv:4:requests", "slos.json:2:target"}, got)
	require.Contains(t, slorec.ErrorMessage(err), "slos.json:2: slos[0].target: 99.9 looks like a percentage")
}

func TestLoadCapsProblems(t *testing.T) {
	files := baseFiles()
	var b strings.Builder
	b.WriteString(dataset.MetricsHeader + "\n")
	for i := range 500 {
		fmt.Fprintf(&b, "2026-09-01T%02d:00:00Z,gateway,1,2,,,\n", i%24)
	}
	files[dataset.MetricsFile] = b.String()
	_, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Len(t, verr.Problems, dataset.MaxProblems)
	require.True(t, verr.Truncated)
	require.Contains(t, err.Error(), "stopped after 200 problems")
}

func TestLoadReportsAnUnknownServiceOnce(t *testing.T) {
	files := baseFiles()
	files[dataset.MetricsFile] = strings.ReplaceAll(files[dataset.MetricsFile], ",checkout,", ",billing,")
	_, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Len(t, verr.Problems, 1)
	require.Equal(t, 3, verr.Problems[0].Line)
}

func TestLoadMissingDirectory(t *testing.T) {
	_, err := dataset.Load(filepath.Join(t.TempDir(), "nope"), dataset.LoadOptions{})
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
}

func TestLoadDefaultsNowToTheClock(t *testing.T) {
	files := baseFiles()
	files[dataset.MetricsFile] = strings.Replace(files[dataset.MetricsFile], "2026-10-01T01:00:00Z,checkout", "2999-01-01T00:00:00Z,checkout", 1)
	_, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{})
	require.ErrorContains(t, err, "in the future")
}

func TestReadTopologyReturnsMissingNodes(t *testing.T) {
	g, missing, err := dataset.ReadTopology(strings.NewReader(baseFiles()[dataset.TopologyFile]))
	require.NoError(t, err)
	require.Len(t, g.Services, 2)
	require.Equal(t, []string{"cache"}, missing)
	require.NoError(t, g.Validate(), "a topology Load accepts passes the root validation too")
}

func TestReadMetricsWithoutTopologyAcceptsAnyService(t *testing.T) {
	ms, err := dataset.ReadMetrics(strings.NewReader(baseFiles()[dataset.MetricsFile]), dataset.MetricsOptions{Now: now})
	require.NoError(t, err)
	require.Len(t, ms, 4)
	_, err = dataset.ReadMetrics(strings.NewReader(baseFiles()[dataset.MetricsFile]), dataset.MetricsOptions{Now: now, Services: map[string]bool{"gateway": true}})
	require.ErrorContains(t, err, `metrics.csv:3: service: unknown service "checkout"`)
}

func TestMetricsHeaderMayStartWithAByteOrderMark(t *testing.T) {
	ms, err := dataset.ReadMetrics(strings.NewReader("\ufeff"+baseFiles()[dataset.MetricsFile]), dataset.MetricsOptions{Now: now})
	require.NoError(t, err)
	require.Len(t, ms, 4)
}

func TestValidateInMemory(t *testing.T) {
	d, err := dataset.Load(writeFiles(t, baseFiles()), dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	d.Metrics[3].Errors = 1000
	d.Metrics = append(d.Metrics, d.Metrics[0])
	d.SLOs[0].Target = 99.9
	err = d.Validate(now)
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.File+" "+p.Path)
	}
	require.Equal(t, []string{
		"metrics.csv metrics[3].errors",
		"metrics.csv metrics[4].timestamp",
		"slos.json slos[0].target",
	}, got)
}

func TestMissingNodesMayHaveMetricsIncidentsAndSLOs(t *testing.T) {
	files := baseFiles()
	files[dataset.MetricsFile] += "2026-10-01T01:00:00Z,cache,5000,0,1,2,3\n"
	files[dataset.IncidentsFile] = strings.Replace(files[dataset.IncidentsFile], `"root_cause": "checkout"`, `"root_cause": "cache"`, 1)
	files[dataset.SLOsFile] = strings.Replace(files[dataset.SLOsFile], `{"service": "gateway", "sli": "availability"`, `{"service": "cache", "sli": "availability"`, 1)
	d, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	require.Equal(t, []string{"cache"}, d.MissingNodes)
	require.Equal(t, "cache", d.Metrics[4].Service)
	require.Equal(t, "cache", d.Incidents[0].RootCause)
}

func TestMetricsLinesAreFileLines(t *testing.T) {
	in := dataset.MetricsHeader + "\r\n" +
		"2026-10-01T00:00:00Z,gateway,10,1,1,2,3\r\n" +
		"\"2026-10-01T01:00:00Z\",\"gate\r\nway\",1,0,,,\r\n" + // a quoted newline: this record spans lines 3-4
		"2026-10-01T02:00:00Z,gateway,x,0,,,\r\n"
	_, err := dataset.ReadMetrics(strings.NewReader(in), dataset.MetricsOptions{Now: now})
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	var got []string
	for _, p := range verr.Problems {
		got = append(got, fmt.Sprintf("%d:%s", p.Line, p.Field))
	}
	require.Equal(t, []string{"3:service", "5:requests"}, got, "CRLF files work, and lines count the file's lines")
}
