package promrules_test

import (
	"context"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/promrules"
	"github.com/slorec/slorec/reasoning/recommend"
)

// BenchmarkGenerate writes the rules for the e-commerce example's 24
// recommended SLOs (12 services), YAML included.
func BenchmarkGenerate(b *testing.B) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := recommend.Recommend(context.Background(), recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService()}, recommend.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var slos []slorec.SLO
	for _, r := range res.Recommendations {
		slos = append(slos, r.SLOs()...)
	}
	b.ResetTimer()
	for b.Loop() {
		out, err := promrules.Generate(slos, nil, promrules.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := out.YAML(); err != nil {
			b.Fatal(err)
		}
	}
}
