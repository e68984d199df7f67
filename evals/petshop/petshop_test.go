package petshop_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/petshop"
)

// dataDir is the shared copy of the upstream repository, relative to this
// package (the module root is /work/main, the shared data /work/shared).
const dataDir = "../../../shared/data/metrics/petshop"

// requireData fails the test, saying where the data was expected, when the
// shared data is missing: a missing dataset must not pass silently.
func requireData(t *testing.T, rel string) string {
	t.Helper()
	abs, err := filepath.Abs(rel)
	require.NoError(t, err)
	_, err = os.Stat(abs)
	require.NoError(t, err, "the PetShop data was expected at %s (%s relative to evals/petshop); see /work/shared/data/README.md", abs, rel)
	return rel
}

// imported is the normal window of the shared data, imported once.
func imported(t *testing.T) (*dataset.Dataset, *petshop.Report) {
	t.Helper()
	d, rep, err := petshop.Import(requireData(t, dataDir), petshop.Options{})
	require.NoError(t, err)
	return d, rep
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// bucket returns the bucket of service id at ts.
func bucket(t *testing.T, d *dataset.Dataset, id, ts string) slorec.MetricBucket {
	t.Helper()
	at := utc(ts)
	for _, b := range d.Metrics {
		if b.Service == id && b.Start.Equal(at) {
			return b
		}
	}
	t.Fatalf("no bucket for %s at %s", id, ts)
	return slorec.MetricBucket{}
}

func TestImportNormalWindow(t *testing.T) {
	d, rep := imported(t)

	// graph.csv has 44 nodes; 39 of them have metrics in noissue/ (S3,
	// invalid_AWS::DynamoDB::Table, payforadoption_client, servi-payfo...
	// and the StepFnStateMachine client appear only in the issues).
	require.Len(t, d.Graph.Services, 44)
	require.Len(t, rep.Components, 44)
	require.Equal(t, 39, rep.WithMetrics)
	var without []string
	for _, c := range rep.Components {
		if c.NormalBuckets == 0 {
			without = append(without, c.Name)
			continue
		}
		require.Equal(t, 589, c.NormalBuckets, c.Name)
	}
	require.ElementsMatch(t, []string{
		"S3_AWS::S3", "invalid_AWS::DynamoDB::Table", "payforadoption_client",
		"servi-payfo.us-west-2.elb.amazonaws.com_remote", "StepFnStateMachine76D362E8-T67Tg48ke8oK_client",
	}, without)

	// 1693922400 .. 1694098800 every 300 s: 589 buckets, 49 h 5 min.
	require.Equal(t, petshop.Window{
		Start: utc("2023-09-05T14:00:00Z"), End: utc("2023-09-07T15:05:00Z"), Timestamps: 589,
	}, rep.NormalWindow)
	require.Equal(t, 49*time.Hour+5*time.Minute, rep.NormalWindow.Duration())
	require.Equal(t, rep.NormalWindow.Start, rep.Start)
	require.Equal(t, rep.NormalWindow.End, rep.End)
	require.Nil(t, rep.Issue)
	require.Empty(t, d.Incidents)

	require.Equal(t, 39*589, rep.Buckets)
	require.Len(t, d.Metrics, rep.Buckets)
	require.Equal(t, 2247, rep.ZeroTraffic)
	require.Zero(t, rep.Fixed)
	require.Zero(t, rep.Dropped)
	require.Empty(t, rep.Adjustments)
	require.Equal(t, []string{"latency/Average", "latency/p90"}, rep.IgnoredStatistics)
	require.Equal(t, 579, rep.SubResolutionLatencies)
}

func TestImportedBucketsValidate(t *testing.T) {
	d, rep := imported(t)
	for i := range d.Metrics {
		b := &d.Metrics[i]
		require.NoError(t, b.Validate(), "metrics[%d] %s %s", i, b.Service, b.Start)
		require.Zero(t, b.Start.Unix()%300, "metrics[%d] off the 5-minute grid", i)
		require.Equal(t, time.UTC, b.Start.Location())
	}
	require.NoError(t, d.Validate(rep.End), "the dataset validates at its own end")
	require.NoError(t, d.Validate(time.Time{}), "and today")

	// The files Write produces load back with the same rows.
	dir := t.TempDir()
	require.NoError(t, dataset.Write(dir, d))
	back, err := dataset.Load(dir, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, back.Metrics, len(d.Metrics))
	require.Equal(t, d.Graph, back.Graph)
	require.Empty(t, back.MissingNodes)
}

func TestImportSpotValues(t *testing.T) {
	d, _ := imported(t)
	tests := []struct {
		name          string
		id, ts        string
		requests      int64
		errors        int64
		p50, p95, p99 float64 // ms
	}{
		{
			// noissue/metrics.csv line 5: requests 705.0, availability
			// 99.8581560283688 -> 705 * 0.001418439716312 = 1.000 error;
			// p99 0.4488430256092731 s.
			name: "PetSite in the first bucket", id: "petsite", ts: "2023-09-05T14:00:00Z",
			requests: 705, errors: 1, p50: 52.7952187028763, p95: 333.6855190408563, p99: 448.8430256092731,
		},
		{
			// line 435: 679 requests at 96.90721649484536% -> 679 * 3/97 = 21.
			name: "PetSite at its lowest availability", id: "petsite", ts: "2023-09-07T01:50:00Z",
			requests: 679, errors: 21, p50: 50.1897029241542, p95: 336.1634306256327, p99: 419.5602865897415,
		},
		{
			// line 5: Evidently answers 0% in normal traffic: 10 of 10 fail.
			name: "Evidently fails every request", id: "evidently", ts: "2023-09-05T14:00:00Z",
			requests: 10, errors: 10, p50: 289.6643797366877, p95: 337.1103481278747, p99: 339.2893990141757,
		},
		{
			// line 5: 23 requests at 26.086956521739125% -> 23 * 17/23 = 17.
			name: "the Step Functions state machine", id: "stepfunctions-statemachine", ts: "2023-09-05T14:00:00Z",
			requests: 23, errors: 17, p50: 1224.5018792098836, p95: 4633.124662320207, p99: 4652.215157927844,
		},
		{
			// line 468: 27 requests at 51.851851851851855% -> 27 * 13/27 = 13.
			name: "the readDDB Lambda at its worst", id: "lambda-step-readddb-lambda", ts: "2023-09-07T04:35:00Z",
			requests: 27, errors: 13, p50: 2992.374046230249, p95: 6193.243539827877, p99: 6323.906014036894,
		},
		{
			// line 228: 217 requests at 99.07834101382488% -> 217 * 2/217 = 2.
			name: "the RDS database", id: "adoptions-services-database-us-west-2-rds-amazonaws-com-database-sql", ts: "2023-09-06T08:35:00Z",
			requests: 217, errors: 2, p50: 5.0760770103073, p95: 9.6307215013681, p99: 13.6085166703315,
		},
		{
			// line 5: STS has 0.0 requests and empty latency cells.
			name: "a zero-traffic bucket", id: "sts", ts: "2023-09-05T14:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bucket(t, d, tt.id, tt.ts)
			require.Equal(t, tt.requests, b.Requests)
			require.Equal(t, tt.errors, b.Errors)
			require.InDelta(t, tt.p50, b.LatencyP50Ms, 1e-9)
			require.InDelta(t, tt.p95, b.LatencyP95Ms, 1e-9)
			require.InDelta(t, tt.p99, b.LatencyP99Ms, 1e-9)
		})
	}
}

func TestImportTopology(t *testing.T) {
	d, rep := imported(t)
	svc := map[string]slorec.Service{}
	for _, s := range d.Graph.Services {
		svc[s.ID] = s
	}
	kinds := []struct {
		id, name string
		kind     slorec.ServiceKind
		tier     slorec.Tier
	}{
		{"petsite", "PetSite", slorec.KindService, slorec.TierCritical},
		{"petsearch-ecs-fargate", "PetSearch_AWS::ECS::Fargate", slorec.KindService, slorec.TierStandard},
		{"petsearch-client", "PetSearch_client", slorec.KindService, slorec.TierLow},
		{"lambdastatusupdater-lambda-function", "lambdastatusupdater_AWS::Lambda::Function", slorec.KindService, slorec.TierStandard},
		{"stepfunctions-statemachine", "AWS::StepFunctions::StateMachine", slorec.KindService, slorec.TierStandard},
		{"petadoptionstatusupdater-prod-apigateway-stage", "PetAdoptionStatusUpdater/prod_AWS::ApiGateway::Stage", slorec.KindService, slorec.TierCritical},
		{"execute-api-us-west-2-amazonaws-com-remote", "execute-api.us-west-2.amazonaws.com_remote", slorec.KindService, slorec.TierCritical},
		{"servi-lista-us-west-2-elb-amazonaws-com-remote", "servi-lista.us-west-2.elb.amazonaws.com_remote", slorec.KindService, slorec.TierCritical},
		{"servi-searc-us-west-2-elb-amazonaws-com-remote", "Servi-searc.us-west-2.elb.amazonaws.com_remote", slorec.KindService, slorec.TierCritical},
		{"servi-searc-us-west-2-elb-amazonaws-com-remote-2", "servi-searc.us-west-2.elb.amazonaws.com_remote", slorec.KindService, slorec.TierCritical},
		{"dynamodb", "DynamoDB_AWS::DynamoDB", slorec.KindDatastore, slorec.TierStandard},
		{"petinfo-dynamodb-table", "petInfo_AWS::DynamoDB::Table", slorec.KindDatastore, slorec.TierStandard},
		{"adoptions-services-database-us-west-2-rds-amazonaws-com-database-sql", "adoptions@services-database.us-west-2.rds.amazonaws.com_Database::SQL", slorec.KindDatastore, slorec.TierStandard},
		{"pgsql-query-remote", "PGSQL Query_remote", slorec.KindDatastore, slorec.TierStandard},
		{"s3", "S3_AWS::S3", slorec.KindDatastore, slorec.TierStandard},
		{"sqs-us-west-2-amazonaws-com-services-sqspetadoption-sqs-queue", "https://sqs.us-west-2.amazonaws.com/Services-sqspetadoption_AWS::SQS::Queue", slorec.KindQueue, slorec.TierStandard},
		{"simplenotificationservice", "SimpleNotificationService_AWS::SimpleNotificationService", slorec.KindQueue, slorec.TierStandard},
		{"ssm", "SSM_AWS::SSM", slorec.KindExternal, slorec.TierStandard},
		{"evidently", "Evidently_AWS::Evidently", slorec.KindExternal, slorec.TierStandard},
		{"amazon-com-remote", "amazon.com_remote", slorec.KindExternal, slorec.TierStandard},
		{"169-254-170-2-remote", "169.254.170.2_remote", slorec.KindExternal, slorec.TierStandard},
	}
	for _, k := range kinds {
		s, ok := svc[k.id]
		require.True(t, ok, "no service %q", k.id)
		require.Equal(t, k.name, s.Name, k.id)
		require.Equal(t, k.kind, s.Kind, k.id)
		require.Equal(t, k.tier, s.Tier, k.id)
	}

	// PetSite's row of graph.csv has 13 callees; only the state machine
	// is async.
	ps := svc["petsite"]
	require.Len(t, ps.Deps, 13)
	for _, dep := range ps.Deps {
		require.Equal(t, slorec.Hard, dep.Criticality, dep.Target)
		require.Equal(t, slorec.Observed, dep.Provenance, dep.Target)
		want := slorec.Sync
		if dep.Target == "stepfunctions-statemachine" {
			want = slorec.Async
		}
		require.Equal(t, want, dep.Type, dep.Target)
	}
	require.Len(t, rep.AsyncEdges, 2)
	require.Equal(t, dataset.Edge{From: "petsite", To: "stepfunctions-statemachine"}, rep.AsyncEdges[0].Edge)

	edges := 0
	for _, s := range d.Graph.Services {
		edges += len(s.Deps)
	}
	require.Equal(t, 47, edges, "graph.csv has 47 ones")

	for _, c := range rep.Components {
		require.NotEmpty(t, c.Rule, c.ID)
		require.NotContains(t, c.Rule, "unrecognised", c.ID)
	}
}

func TestImportIssue(t *testing.T) {
	d, rep, err := petshop.Import(requireData(t, dataDir), petshop.Options{Issue: "train/issue_0"})
	require.NoError(t, err)

	// train/issue_0/metrics.csv: 5 rows from 1681350000 (2023-04-13T01:40Z),
	// 44 components; target.json: PetSite latency at 1681350548, root
	// cause PetSearch_AWS::ECS::Fargate.
	require.NotNil(t, rep.Issue)
	require.Equal(t, "train/issue_0", rep.Issue.Path)
	require.Equal(t, petshop.Window{Start: utc("2023-04-13T01:40:00Z"), End: utc("2023-04-13T02:05:00Z"), Timestamps: 5}, rep.Issue.Window)
	require.Equal(t, 44, rep.WithMetrics)
	require.Equal(t, 39*589+44*5, rep.Buckets)
	require.Equal(t, rep.Issue.Window.Start, rep.Start)
	require.Equal(t, rep.NormalWindow.End, rep.End)
	for _, c := range rep.Components {
		require.Equal(t, 5, c.IssueBuckets, c.Name)
	}

	require.Len(t, d.Incidents, 1)
	inc := d.Incidents[0]
	require.Equal(t, "petsite", inc.Service)
	require.Equal(t, "petsearch-ecs-fargate", inc.RootCause)
	require.Equal(t, time.Unix(1681350548, 0).UTC(), inc.Start)
	require.Equal(t, rep.Issue.Window.End, inc.End)
	require.Contains(t, inc.Title, "latency")
	require.Contains(t, inc.Summary, "/petstore/searchdelay")
	require.Equal(t, inc, rep.Issue.Incident)

	require.NoError(t, d.Validate(time.Time{}))
	dir := t.TempDir()
	require.NoError(t, dataset.Write(dir, d))
	back, err := dataset.Load(dir, dataset.LoadOptions{})
	require.NoError(t, err)
	require.Len(t, back.Incidents, 1)
}

func TestImportEveryTrainIssue(t *testing.T) {
	dir := requireData(t, dataDir)
	entries, err := os.ReadDir(filepath.Join(dir, "dataset", "high_traffic", "train"))
	require.NoError(t, err)
	require.Len(t, entries, 8, "the shared copy has train/issue_0 .. issue_7")
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			d, rep, err := petshop.Import(dir, petshop.Options{Issue: "train/" + e.Name()})
			require.NoError(t, err)
			require.Equal(t, 5, rep.Issue.Window.Timestamps)
			require.Zero(t, rep.Issue.Window.Missing)
			require.True(t, rep.Issue.Window.End.Before(rep.NormalWindow.Start), "the issues predate the normal window")
			require.Zero(t, rep.Fixed+rep.Dropped)
			inc := d.Incidents[0]
			require.Equal(t, "petsite", inc.Service)
			require.Equal(t, "petsearch-ecs-fargate", inc.RootCause)
			require.False(t, inc.Start.Before(rep.Issue.Window.Start))
			require.True(t, inc.Start.Before(rep.Issue.Window.End))
		})
	}
}

// TestImportMatchesNormalizedCopy cross-checks every bucket against the
// independent reshaping in metrics/normalized, which gives requests per
// second (requests / 300), availability in percent and latency in seconds,
// rounded to six significant digits.
func TestImportMatchesNormalizedCopy(t *testing.T) {
	d, _ := imported(t)
	path := requireData(t, "../../../shared/data/metrics/normalized/petshop_high_traffic_noissue.csv")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"timestamp", "system", "service", "requests_per_s", "availability_pct",
		"latency_avg_s", "latency_p50_s", "latency_p90_s", "latency_p95_s", "latency_p99_s"}, rows[0])

	byName := map[string]string{}
	for _, s := range d.Graph.Services {
		byName[s.Name] = s.ID
	}
	type key struct {
		id string
		t  int64
	}
	got := map[key]slorec.MetricBucket{}
	for _, b := range d.Metrics {
		got[key{b.Service, b.Start.Unix()}] = b
	}
	num := func(s string) float64 {
		if s == "" {
			return 0
		}
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return v
	}
	require.Len(t, rows[1:], len(d.Metrics))
	for i, r := range rows[1:] {
		sec, err := strconv.ParseInt(r[0], 10, 64)
		require.NoError(t, err)
		id, ok := byName[r[2]]
		require.True(t, ok, "line %d: %s", i+2, r[2])
		b, ok := got[key{id, sec}]
		require.True(t, ok, "line %d: no bucket for %s at %d", i+2, id, sec)
		req := num(r[3]) * 300
		require.InDelta(t, req, float64(b.Requests), 0.5, "line %d requests", i+2)
		if r[4] != "" {
			require.InDelta(t, req*(1-num(r[4])/100), float64(b.Errors), 0.5+1e-4*req, "line %d errors", i+2)
		}
		for j, ms := range []float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
			want := num(r[6+[]int{0, 2, 3}[j]]) * 1000
			require.InDelta(t, want, ms, 1e-5*want+1e-9, "line %d latency column %d", i+2, 6+[]int{0, 2, 3}[j])
		}
	}
}
