package promtest_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/integrations/prometheus/promtest"
)

// t0 is 2026-09-02T00:00:00Z, Unix 1788307200.
var t0 = time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)

// twoHours is a caller calling half its requests into a callee, for two
// hours; the callee has no latency in its second hour.
func twoHours() *dataset.Dataset {
	return &dataset.Dataset{
		Graph: slorec.Graph{Services: []slorec.Service{
			{ID: "web", Deps: []slorec.Dependency{{Target: "db", CallRatio: 0.5}}},
			{ID: "db"},
		}},
		Metrics: []slorec.MetricBucket{
			{Service: "web", Start: t0, Requests: 100, Errors: 2, LatencyP50Ms: 10, LatencyP95Ms: 50, LatencyP99Ms: 120.5},
			{Service: "db", Start: t0, Requests: 60, Errors: 6, LatencyP50Ms: 1, LatencyP95Ms: 2, LatencyP99Ms: 3},
			{Service: "web", Start: t0.Add(time.Hour), Requests: 41, Errors: 0, LatencyP50Ms: 11, LatencyP95Ms: 51, LatencyP99Ms: 121},
			{Service: "db", Start: t0.Add(time.Hour), Requests: 20, Errors: 0},
		},
	}
}

func TestWriteOpenMetrics(t *testing.T) {
	ex, err := promtest.NewExample(twoHours())
	require.NoError(t, err)
	require.Equal(t, []string{"db", "web"}, ex.Services)
	require.Equal(t, t0, ex.Start)
	require.Equal(t, t0.Add(2*time.Hour), ex.End)
	// web -> db: 100*0.5 = 50 calls failing as db does (6/60: 5), then
	// round(41*0.5) = 21 (20.5 rounds away from zero) without failures.
	require.Equal(t, map[dataset.Edge]*promtest.EdgeCalls{
		{From: "web", To: "db"}: {PerHour: []float64{50, 21}, FailedPerHour: []float64{5, 0}, Calls: 71, Failed: 5},
	}, ex.Edges)

	var b bytes.Buffer
	require.NoError(t, promtest.WriteOpenMetrics(&b, ex, promtest.Family{Name: "jobs", Type: "counter", Series: []promtest.Counter{
		{Name: "jobs_total", Labels: `queue="q"`, PerHour: []float64{4, 0}},
	}}))
	// Every counter: 0 at t0, half the hour's count at :30, the count at
	// the hour's end.
	require.Equal(t, `# TYPE http_requests counter
http_requests_total{service="db",code="200"} 0 1788307200
http_requests_total{service="db",code="200"} 27 1788309000
http_requests_total{service="db",code="200"} 54 1788310800
http_requests_total{service="db",code="200"} 64 1788312600
http_requests_total{service="db",code="200"} 74 1788314400
http_requests_total{service="db",code="500"} 0 1788307200
http_requests_total{service="db",code="500"} 3 1788309000
http_requests_total{service="db",code="500"} 6 1788310800
http_requests_total{service="db",code="500"} 6 1788312600
http_requests_total{service="db",code="500"} 6 1788314400
http_requests_total{service="web",code="200"} 0 1788307200
http_requests_total{service="web",code="200"} 49 1788309000
http_requests_total{service="web",code="200"} 98 1788310800
http_requests_total{service="web",code="200"} 118.5 1788312600
http_requests_total{service="web",code="200"} 139 1788314400
http_requests_total{service="web",code="500"} 0 1788307200
http_requests_total{service="web",code="500"} 1 1788309000
http_requests_total{service="web",code="500"} 2 1788310800
http_requests_total{service="web",code="500"} 2 1788312600
http_requests_total{service="web",code="500"} 2 1788314400
# TYPE http_request_duration_seconds summary
http_request_duration_seconds{service="db",quantile="0.5"} 0.001 1788310800
http_request_duration_seconds{service="db",quantile="0.95"} 0.002 1788310800
http_request_duration_seconds{service="db",quantile="0.99"} 0.003 1788310800
http_request_duration_seconds{service="web",quantile="0.5"} 0.01 1788310800
http_request_duration_seconds{service="web",quantile="0.5"} 0.011 1788314400
http_request_duration_seconds{service="web",quantile="0.95"} 0.05 1788310800
http_request_duration_seconds{service="web",quantile="0.95"} 0.051 1788314400
http_request_duration_seconds{service="web",quantile="0.99"} 0.1205 1788310800
http_request_duration_seconds{service="web",quantile="0.99"} 0.121 1788314400
# TYPE traces_service_graph_request counter
traces_service_graph_request_total{client="web",server="db"} 0 1788307200
traces_service_graph_request_total{client="web",server="db"} 25 1788309000
traces_service_graph_request_total{client="web",server="db"} 50 1788310800
traces_service_graph_request_total{client="web",server="db"} 60.5 1788312600
traces_service_graph_request_total{client="web",server="db"} 71 1788314400
# TYPE traces_service_graph_request_failed counter
traces_service_graph_request_failed_total{client="web",server="db"} 0 1788307200
traces_service_graph_request_failed_total{client="web",server="db"} 2.5 1788309000
traces_service_graph_request_failed_total{client="web",server="db"} 5 1788310800
traces_service_graph_request_failed_total{client="web",server="db"} 5 1788312600
traces_service_graph_request_failed_total{client="web",server="db"} 5 1788314400
# TYPE jobs counter
jobs_total{queue="q"} 0 1788307200
jobs_total{queue="q"} 2 1788309000
jobs_total{queue="q"} 4 1788310800
jobs_total{queue="q"} 4 1788312600
jobs_total{queue="q"} 4 1788314400
# EOF
`, b.String())
}

func TestNewExampleNeedsEveryHour(t *testing.T) {
	tests := []struct {
		name string
		edit func(d *dataset.Dataset)
		want string
	}{
		{"A service without metrics is refused.", func(d *dataset.Dataset) {
			d.Graph.Services = append(d.Graph.Services, slorec.Service{ID: "cache"})
		}, "2 services have metrics, want all 3"},
		{"A missing hour is refused.", func(d *dataset.Dataset) {
			d.Metrics = slices.Delete(d.Metrics, 2, 3)
		}, "web has 1 buckets, want one every hour from 2026-09-02T00:00:00Z to 2026-09-02T02:00:00Z (2)"},
		{"A shifted hour is refused.", func(d *dataset.Dataset) {
			d.Metrics[2].Start = t0.Add(2 * time.Hour)
		}, "web bucket 1 starts at 2026-09-02T02:00:00Z, want 2026-09-02T01:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := twoHours()
			tt.edit(d)
			_, err := promtest.NewExample(d)
			require.ErrorContains(t, err, tt.want)
		})
	}
}
