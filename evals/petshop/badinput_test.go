package petshop_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/evals/petshop"
)

// The fixtures are a three-node PetShop: PetSite calls PetSearch, which
// reads a DynamoDB table.
const (
	site   = "PetSite"
	search = "PetSearch_AWS::ECS::Fargate"
	table  = "petInfo_AWS::DynamoDB::Table"
)

var fixtureNodes = []string{site, search, table}

// graphCSV is graph.csv for the fixture nodes.
const graphCSV = ",PetSite,PetSearch_AWS::ECS::Fargate,petInfo_AWS::DynamoDB::Table\n" +
	"PetSite,0.0,1.0,0.0\n" +
	"PetSearch_AWS::ECS::Fargate,0.0,0.0,1.0\n" +
	"petInfo_AWS::DynamoDB::Table,0.0,0.0,0.0\n"

// cells are one component's values in one row, in the order requests,
// availability %, p50 s, p95 s, p99 s.
type cells [5]string

// ok is a healthy bucket: 100 requests, 99% available, 10/20/30 ms.
var ok = cells{"100.0", "99.0", "0.01", "0.02", "0.03"}

// metricsCSV writes an upstream wide metrics.csv for comps: the four header
// rows, then per row the unix timestamp and each component's cells, in
// upstream's column order (statistic-major: every component's latency
// Average, then p50, ...), with latency Average and p90 left empty.
func metricsCSV(comps []string, rows map[string][]cells) string {
	type col struct{ metric, stat string }
	cols := []col{{"latency", "Average"}, {"latency", "p50"}, {"latency", "p90"}, {"latency", "p95"},
		{"latency", "p99"}, {"requests", "Sum"}, {"availability", "Average"}}
	pick := map[col]int{{"requests", "Sum"}: 0, {"availability", "Average"}: 1, {"latency", "p50"}: 2, {"latency", "p95"}: 3, {"latency", "p99"}: 4}
	h := [4][]string{{"microservice"}, {"metric"}, {"statistic"}, {"unix_timestamp"}}
	for _, c := range cols {
		for _, n := range comps {
			h[0] = append(h[0], n)
			h[1] = append(h[1], c.metric)
			h[2] = append(h[2], c.stat)
			h[3] = append(h[3], "")
		}
	}
	var b strings.Builder
	for _, r := range h {
		b.WriteString(csvLine(r))
	}
	// Rows in the order given by the keys' "order|timestamp" form, so a
	// test can place duplicates and out-of-order rows.
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		_, ts, _ := strings.Cut(k, "|")
		r := []string{ts}
		for _, c := range cols {
			for i := range comps {
				v := ""
				if j, ok := pick[c]; ok {
					v = rows[k][i][j]
				}
				r = append(r, v)
			}
		}
		b.WriteString(csvLine(r))
	}
	return b.String()
}

func csvLine(r []string) string {
	q := make([]string, len(r))
	for i, s := range r {
		if strings.ContainsAny(s, ",\"\n") {
			s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		q[i] = s
	}
	return strings.Join(q, ",") + "\n"
}

// healthy is three healthy rows for the fixture nodes, 5 minutes apart
// from 2023-09-05T14:00:00Z.
func healthy() map[string][]cells {
	return map[string][]cells{
		"1|1693922400.0": {ok, ok, ok},
		"2|1693922700.0": {ok, ok, ok},
		"3|1693923000.0": {ok, ok, ok},
	}
}

// fixture writes a traffic folder with graph.csv and noissue/metrics.csv
// and returns it.
func fixture(t *testing.T, graph, metrics string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "graph.csv"), graph)
	write(t, filepath.Join(dir, "noissue", "metrics.csv"), metrics)
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestImportFixture(t *testing.T) {
	dir := fixture(t, graphCSV, metricsCSV(fixtureNodes, healthy()))
	d, rep, err := petshop.Import(dir, petshop.Options{})
	require.NoError(t, err)
	require.Equal(t, dir, rep.Source, "a folder holding graph.csv is the traffic folder")
	require.Len(t, d.Metrics, 9)
	b := d.Metrics[0]
	require.Equal(t, "petinfo-dynamodb-table", b.Service, "rows sorted by (timestamp, id)")
	require.Equal(t, time.Date(2023, 9, 5, 14, 0, 0, 0, time.UTC), b.Start)
	require.Equal(t, int64(100), b.Requests)
	require.Equal(t, int64(1), b.Errors, "round(100 * (1 - 99/100))")
	require.InDelta(t, 10, b.LatencyP50Ms, 1e-9)
	require.InDelta(t, 20, b.LatencyP95Ms, 1e-9)
	require.InDelta(t, 30, b.LatencyP99Ms, 1e-9)
	require.Equal(t, 3, rep.NormalWindow.Timestamps)
	require.Equal(t, 15*time.Minute, rep.NormalWindow.Duration())
}

func TestImportRepairs(t *testing.T) {
	tests := []struct {
		name    string
		rows    map[string][]cells
		fixed   int
		dropped int
		line    int // line of the (first) adjustment
		reason  string
		check   func(t *testing.T, rep *petshop.Report, buckets map[string]slorec.MetricBucket)
	}{
		{
			name: "Percentiles out of order are sorted and reported.",
			rows: map[string][]cells{
				"1|1693922400.0": {ok, {"10.0", "100.0", "0.05", "0.02", "0.03"}, ok},
				"2|1693922700.0": {ok, ok, ok},
			},
			fixed: 1, line: 5, reason: "out of order",
			check: func(t *testing.T, _ *petshop.Report, bs map[string]slorec.MetricBucket) {
				b := bs["petsearch-ecs-fargate@1693922400"]
				require.InDelta(t, 20, b.LatencyP50Ms, 1e-9)
				require.InDelta(t, 30, b.LatencyP95Ms, 1e-9)
				require.InDelta(t, 50, b.LatencyP99Ms, 1e-9)
			},
		},
		{
			name: "A partial latency out of order is sorted over the present cells only.",
			rows: map[string][]cells{
				"1|1693922400.0": {ok, {"10.0", "100.0", "0.05", "", "0.03"}, ok},
			},
			fixed: 1, line: 5, reason: "out of order",
			check: func(t *testing.T, _ *petshop.Report, bs map[string]slorec.MetricBucket) {
				b := bs["petsearch-ecs-fargate@1693922400"]
				require.InDelta(t, 30, b.LatencyP50Ms, 1e-9)
				require.Zero(t, b.LatencyP95Ms)
				require.InDelta(t, 50, b.LatencyP99Ms, 1e-9)
			},
		},
		{
			name: "Latency without requests is cleared and reported.",
			rows: map[string][]cells{
				"1|1693922400.0": {ok, ok, {"0.0", "", "0.01", "0.02", "0.03"}},
			},
			fixed: 1, line: 5, reason: "latency without requests",
			check: func(t *testing.T, rep *petshop.Report, bs map[string]slorec.MetricBucket) {
				require.Equal(t, slorec.MetricBucket{Service: "petinfo-dynamodb-table", Start: time.Unix(1693922400, 0).UTC()}, bs["petinfo-dynamodb-table@1693922400"])
				require.Equal(t, 1, rep.ZeroTraffic)
			},
		},
		{
			name: "Requests without availability drop the bucket.",
			rows: map[string][]cells{
				"1|1693922400.0": {ok, ok, ok},
				"2|1693922700.0": {{"5.0", "", "0.01", "0.02", "0.03"}, ok, ok},
			},
			dropped: 1, line: 6, reason: "no availability",
			check: func(t *testing.T, rep *petshop.Report, bs map[string]slorec.MetricBucket) {
				_, kept := bs["petsite@1693922700"]
				require.False(t, kept)
				require.Equal(t, 5, rep.Buckets)
				require.Equal(t, 1, rep.Components[2].NormalBuckets, rep.Components[2].ID)
			},
		},
		{
			name: "An empty request count drops the bucket.",
			rows: map[string][]cells{
				"1|1693922400.0": {{"", "", "", "", ""}, ok, ok},
			},
			dropped: 1, line: 5, reason: "no request count",
		},
		{
			name: "An exact duplicate row is dropped.",
			rows: map[string][]cells{
				"1|1693922400.0": {ok, ok, ok},
				"2|1693922700.0": {ok, ok, ok},
				"3|1693922400.0": {ok, ok, ok},
			},
			dropped: 1, line: 7, reason: "repeats line 5",
			check: func(t *testing.T, rep *petshop.Report, _ map[string]slorec.MetricBucket) {
				require.Equal(t, 6, rep.Buckets)
			},
		},
		{
			name: "Rows out of time order are sorted; a gap is counted.",
			rows: map[string][]cells{
				"1|1693923300.0": {ok, ok, ok},
				"2|1693922400.0": {ok, ok, ok},
			},
			check: func(t *testing.T, rep *petshop.Report, _ map[string]slorec.MetricBucket) {
				require.Equal(t, petshop.Window{Start: time.Unix(1693922400, 0).UTC(), End: time.Unix(1693923600, 0).UTC(), Timestamps: 2, Missing: 2}, rep.NormalWindow)
			},
		},
		{
			name: "Availability 0% makes every request an error; a zero latency is no data.",
			rows: map[string][]cells{
				"1|1693922400.0": {{"7.0", "0.0", "0.0", "0.02", "0.03"}, ok, ok},
			},
			check: func(t *testing.T, _ *petshop.Report, bs map[string]slorec.MetricBucket) {
				b := bs["petsite@1693922400"]
				require.Equal(t, int64(7), b.Errors)
				require.Zero(t, b.LatencyP50Ms)
				require.InDelta(t, 20, b.LatencyP95Ms, 1e-9)
			},
		},
		{
			name: "Errors round half away from zero: 3 requests at 50% is 2 errors.",
			rows: map[string][]cells{
				"1|1693922400.0": {{"3.0", "50.0", "", "", ""}, ok, ok},
			},
			check: func(t *testing.T, _ *petshop.Report, bs map[string]slorec.MetricBucket) {
				require.Equal(t, int64(2), bs["petsite@1693922400"].Errors)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t, graphCSV, metricsCSV(fixtureNodes, tt.rows))
			d, rep, err := petshop.Import(dir, petshop.Options{})
			require.NoError(t, err)
			require.Equal(t, tt.fixed, rep.Fixed)
			require.Equal(t, tt.dropped, rep.Dropped)
			require.Len(t, rep.Adjustments, tt.fixed+tt.dropped)
			if len(rep.Adjustments) > 0 {
				a := rep.Adjustments[0]
				require.Equal(t, filepath.Join(dir, "noissue", "metrics.csv"), a.File)
				require.Equal(t, tt.line, a.Line)
				require.Contains(t, a.Reason, tt.reason)
			}
			require.NoError(t, d.Validate(time.Time{}))
			bs := map[string]slorec.MetricBucket{}
			for _, b := range d.Metrics {
				bs[b.Service+"@"+strconv.FormatInt(b.Start.Unix(), 10)] = b
			}
			if tt.check != nil {
				tt.check(t, rep, bs)
			}
		})
	}
}

func TestImportErrors(t *testing.T) {
	good := metricsCSV(fixtureNodes, healthy())
	tests := []struct {
		name    string
		graph   string
		metrics string
		code    string
		want    []string // substrings of the message
	}{
		{
			name:    "A component graph.csv does not declare is an error naming file, line and column.",
			graph:   graphCSV,
			metrics: metricsCSV([]string{site, search, "Mystery_AWS::Lambda"}, healthy()),
			code:    slorec.EINVALID,
			want:    []string{"noissue/metrics.csv:1:", "column 4", `"Mystery_AWS::Lambda" is not in graph.csv`},
		},
		{
			name:    "Malformed CSV names the file and line.",
			graph:   graphCSV,
			metrics: good + "1693923300.0,\"unterminated\n",
			code:    slorec.EINVALID,
			want:    []string{"noissue/metrics.csv:8:", "malformed CSV"},
		},
		{
			name:    "A ragged row names the file and line.",
			graph:   graphCSV,
			metrics: good + "1693923300.0,1.0\n",
			code:    slorec.EINVALID,
			want:    []string{"noissue/metrics.csv:8:", "2 cells, want 22"},
		},
		{
			name:  "A non-numeric cell names the line, column, component and statistic.",
			graph: graphCSV,
			metrics: metricsCSV(fixtureNodes, map[string][]cells{
				"1|1693922400.0": {ok, ok, ok},
				"2|1693922700.0": {ok, {"lots", "99.0", "", "", ""}, ok},
			}),
			code: slorec.EINVALID,
			want: []string{"noissue/metrics.csv:6:", "column 18", "PetSearch_AWS::ECS::Fargate requests/Sum", `"lots" is not a number`},
		},
		{
			name:    "A fractional request count is an error.",
			graph:   graphCSV,
			metrics: metricsCSV(fixtureNodes, map[string][]cells{"1|1693922400.0": {{"2.5", "100", "", "", ""}, ok, ok}}),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:5:", "not a whole count"},
		},
		{
			name:    "Availability above 100% is an error.",
			graph:   graphCSV,
			metrics: metricsCSV(fixtureNodes, map[string][]cells{"1|1693922400.0": {{"2", "150", "", "", ""}, ok, ok}}),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:5:", "availability/Average", "above 100 percent"},
		},
		{
			name:    "A negative latency is an error.",
			graph:   graphCSV,
			metrics: metricsCSV(fixtureNodes, map[string][]cells{"1|1693922400.0": {{"2", "100", "-0.1", "", ""}, ok, ok}}),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:5:", "latency/p50", "negative"},
		},
		{
			name:    "A timestamp off the 5-minute grid is an error.",
			graph:   graphCSV,
			metrics: metricsCSV(fixtureNodes, map[string][]cells{"1|1693922460.0": {ok, ok, ok}}),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:5:", "not on the 5-minute grid"},
		},
		{
			name:    "A timestamp that is not a number is an error.",
			graph:   graphCSV,
			metrics: metricsCSV(fixtureNodes, map[string][]cells{"1|yesterday": {ok, ok, ok}}),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:5:", `"yesterday" is not a unix timestamp`},
		},
		{
			name:  "A repeated timestamp with different values is an error naming both lines.",
			graph: graphCSV,
			metrics: metricsCSV(fixtureNodes, map[string][]cells{
				"1|1693922400.0": {ok, ok, ok},
				"2|1693922400.0": {ok, ok, {"1.0", "100.0", "", "", ""}},
			}),
			code: slorec.EINVALID,
			want: []string{"metrics.csv:6:", "repeats line 5 with different values"},
		},
		{
			name:    "A wrong header row is an error.",
			graph:   graphCSV,
			metrics: strings.Replace(good, "statistic", "stat", 1),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:3:", `first cell "stat", want "statistic"`},
		},
		{
			name:    "A truncated header is an error.",
			graph:   graphCSV,
			metrics: strings.Join(strings.SplitAfter(good, "\n")[:2], ""),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:3:", "file ends inside the header"},
		},
		{
			name:    "No data rows is an error.",
			graph:   graphCSV,
			metrics: strings.Join(strings.SplitAfter(good, "\n")[:4], ""),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:5:", "no data rows"},
		},
		{
			name:    "A component without a requests column is an error.",
			graph:   graphCSV,
			metrics: strings.Replace(good, "requests", "reqs", 1),
			code:    slorec.EINVALID,
			want:    []string{"metrics.csv:1:", `"PetSite" has no requests/Sum column`},
		},
		{
			name:    "A graph cell other than 0 or 1 names graph.csv and the line.",
			graph:   strings.Replace(graphCSV, "PetSite,0.0,1.0,0.0", "PetSite,0.0,2.0,0.0", 1),
			metrics: good,
			code:    slorec.EINVALID,
			want:    []string{"graph.csv:2:", "column 3 (PetSite -> PetSearch_AWS::ECS::Fargate)", `"2.0" is not 0 or 1`},
		},
		{
			name:    "A ragged graph row names graph.csv and the line.",
			graph:   graphCSV + "Extra,1.0\n",
			metrics: good,
			code:    slorec.EINVALID,
			want:    []string{"graph.csv:5:", "2 cells, want 4"},
		},
		{
			name:    "A graph row for an undeclared component is an error.",
			graph:   strings.Replace(graphCSV, "petInfo_AWS::DynamoDB::Table,0.0", "petinfo,0.0", 1),
			metrics: good,
			code:    slorec.EINVALID,
			want:    []string{"graph.csv:4:", `row component "petinfo" is not in the header`},
		},
		{
			name:    "A self-call in graph.csv is an error.",
			graph:   strings.Replace(graphCSV, "PetSite,0.0,1.0", "PetSite,1.0,1.0", 1),
			metrics: good,
			code:    slorec.EINVALID,
			want:    []string{"graph.csv:2:", "calls itself"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t, tt.graph, tt.metrics)
			_, _, err := petshop.Import(dir, petshop.Options{})
			require.Error(t, err)
			require.Equal(t, tt.code, slorec.ErrorCode(err), err.Error())
			msg := filepath.ToSlash(slorec.ErrorMessage(err))
			require.Contains(t, msg, filepath.ToSlash(dir), "the message names the file by its path")
			for _, w := range tt.want {
				require.Contains(t, msg, w)
			}
		})
	}
}

func TestImportMissing(t *testing.T) {
	t.Run("A missing directory is ENOTFOUND naming it.", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		_, _, err := petshop.Import(dir, petshop.Options{})
		require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
		require.Contains(t, slorec.ErrorMessage(err), dir)
	})
	t.Run("A directory without graph.csv is ENOTFOUND naming where it looked.", func(t *testing.T) {
		dir := t.TempDir()
		_, _, err := petshop.Import(dir, petshop.Options{})
		require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
		require.Contains(t, slorec.ErrorMessage(err), filepath.Join(dir, "dataset", "high_traffic"))
	})
	t.Run("A missing noissue/metrics.csv is ENOTFOUND naming it.", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "graph.csv"), graphCSV)
		_, _, err := petshop.Import(dir, petshop.Options{})
		require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
		require.Contains(t, slorec.ErrorMessage(err), filepath.Join(dir, "noissue", "metrics.csv"))
	})
	t.Run("A traffic name with a path is rejected.", func(t *testing.T) {
		_, _, err := petshop.Import(t.TempDir(), petshop.Options{Traffic: "../etc"})
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	})
	t.Run("The upstream root layout dataset/<traffic>/ is found.", func(t *testing.T) {
		root := t.TempDir()
		traffic := filepath.Join(root, "dataset", "low_traffic")
		write(t, filepath.Join(traffic, "graph.csv"), graphCSV)
		write(t, filepath.Join(traffic, "noissue", "metrics.csv"), metricsCSV(fixtureNodes, healthy()))
		_, rep, err := petshop.Import(root, petshop.Options{Traffic: "low_traffic"})
		require.NoError(t, err)
		require.Equal(t, traffic, rep.Source)
	})
}

// issueTarget is a target.json for the fixture.
const issueTarget = `{"target": {"node": "PetSite", "metric": "latency", "agg": "Average", "timestamp": 1681350548},
 "root_cause": {"node": "PetSearch_AWS::ECS::Fargate", "metric": null},
 "metadata": {"reproducibility": {"command": "aws ssm put-parameter --name '/petstore/searchdelay' --value '1000' --overwrite"}}}`

func TestImportIssueErrors(t *testing.T) {
	issueRows := map[string][]cells{"1|1681350000.0": {ok, ok, ok}, "2|1681350300.0": {ok, ok, ok}}
	tests := []struct {
		name    string
		issue   string
		metrics string
		target  string
		code    string
		want    []string
	}{
		{
			name: "A fixture issue imports as an incident.", issue: "train/issue_0",
			metrics: metricsCSV(fixtureNodes, issueRows), target: issueTarget,
		},
		{
			name: "A missing issue folder is ENOTFOUND.", issue: "train/issue_9",
			metrics: metricsCSV(fixtureNodes, issueRows), target: issueTarget,
			code: slorec.ENOTFOUND, want: []string{"train/issue_9"},
		},
		{
			name: "An issue path leaving the traffic folder is rejected.", issue: "../issue_0",
			metrics: metricsCSV(fixtureNodes, issueRows), target: issueTarget,
			code: slorec.EINVALID, want: []string{"not a scenario folder"},
		},
		{
			name: "A target.json root cause not in graph.csv is an error naming the file.", issue: "train/issue_0",
			metrics: metricsCSV(fixtureNodes, issueRows), target: strings.Replace(issueTarget, `"node": "PetSearch_AWS::ECS::Fargate"`, `"node": "Nowhere"`, 1),
			code: slorec.EINVALID, want: []string{"target.json", `root_cause.node "Nowhere" is not in graph.csv`},
		},
		{
			name: "Malformed target.json names the file and line.", issue: "train/issue_0",
			metrics: metricsCSV(fixtureNodes, issueRows), target: "{\n\"target\": }",
			code: slorec.EINVALID, want: []string{"target.json:2:", "malformed JSON"},
		},
		{
			name: "An issue overlapping the normal window is an error.", issue: "train/issue_0",
			metrics: metricsCSV(fixtureNodes, healthy()), target: issueTarget,
			code: slorec.EINVALID, want: []string{"overlaps the normal window", "2023-09-05T14:00:00Z"},
		},
		{
			name: "An issue metrics file with an unknown component names it.", issue: "train/issue_0",
			metrics: metricsCSV([]string{"Ghost"}, map[string][]cells{"1|1681350000.0": {ok}}), target: issueTarget,
			code: slorec.EINVALID, want: []string{"train/issue_0/metrics.csv:1:", `"Ghost" is not in graph.csv`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t, graphCSV, metricsCSV(fixtureNodes, healthy()))
			write(t, filepath.Join(dir, "train", "issue_0", "metrics.csv"), tt.metrics)
			write(t, filepath.Join(dir, "train", "issue_0", "target.json"), tt.target)
			d, rep, err := petshop.Import(dir, petshop.Options{Issue: tt.issue})
			if tt.code == "" {
				require.NoError(t, err)
				require.Len(t, d.Incidents, 1)
				require.Equal(t, "petsite", d.Incidents[0].Service)
				require.Equal(t, "petsearch-ecs-fargate", d.Incidents[0].RootCause)
				require.Equal(t, 2, rep.Issue.Window.Timestamps)
				require.Len(t, d.Metrics, 15)
				require.NoError(t, d.Validate(time.Time{}))
				return
			}
			require.Error(t, err)
			require.Equal(t, tt.code, slorec.ErrorCode(err), err.Error())
			msg := filepath.ToSlash(slorec.ErrorMessage(err))
			for _, w := range tt.want {
				require.Contains(t, msg, w)
			}
		})
	}
}
