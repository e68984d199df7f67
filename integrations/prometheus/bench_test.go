package prometheus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/prometheus"
	"github.com/slorec/slorec/integrations/prometheus/promtest"
	"github.com/slorec/slorec/integrations/prommap"
)

// BenchmarkIngestRealPrometheus reads the e-commerce example's 60 days
// (12 services, 17,280 hourly buckets, 5 range queries per service and
// the service graph) back from a real Prometheus on this machine.
func BenchmarkIngestRealPrometheus(b *testing.B) {
	ds, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{Now: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	url, ex := promtest.StartWith(b, ds)
	cfg, err := prommap.Load(strings.NewReader(promtest.Mapping))
	if err != nil {
		b.Fatal(err)
	}
	c, err := prometheus.NewClient(prometheus.ClientConfig{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := prometheus.Ingest(context.Background(), c, cfg, ex.Services, ex.Start, ex.End, prometheus.Options{Edges: true})
		if err != nil || len(res.Failures) > 0 || res.EdgesErr != nil {
			b.Fatal(err, res.Failures, res.EdgesErr)
		}
	}
	b.ReportMetric(float64(len(ds.Metrics))*float64(b.N)/b.Elapsed().Seconds(), "buckets/s")
}
