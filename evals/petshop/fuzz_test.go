package petshop

import (
	"strings"
	"testing"
	"time"

	"github.com/slorec/slorec/dataset"
)

const fuzzGraph = ",PetSite,PetSearch_AWS::ECS::Fargate\n" +
	"PetSite,0.0,1.0\n" +
	"PetSearch_AWS::ECS::Fargate,0.0,0.0\n"

// FuzzReadMetrics checks that no metrics.csv makes the parser panic, and
// that whatever it accepts is valid, sorted 5-minute data.
func FuzzReadMetrics(f *testing.F) {
	g, err := readGraph(strings.NewReader(fuzzGraph), "graph.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("microservice,PetSite,PetSite,PetSite,PetSite,PetSite\n" +
		"metric,requests,availability,latency,latency,latency\n" +
		"statistic,Sum,Average,p50,p95,p99\n" +
		"unix_timestamp,,,,,\n" +
		"1693922400.0,705.0,99.8581560283688,0.05,0.33,0.44\n" +
		"1693922700.0,0.0,,,,\n" +
		"1693923000.0,10,0,0.3,0.2,\n")
	f.Add("microservice,PetSite\nmetric,requests\nstatistic,Sum\nunix_timestamp,\n1693922400.0,1\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		mf, err := readMetrics(strings.NewReader(data), "metrics.csv", g)
		if err != nil {
			return
		}
		for i := range mf.buckets {
			b := &mf.buckets[i]
			if err := b.Validate(); err != nil {
				t.Fatalf("bucket %d: %v", i, err)
			}
			if b.Start.Unix()%300 != 0 {
				t.Fatalf("bucket %d off the grid: %s", i, b.Start)
			}
			if i > 0 {
				p := mf.buckets[i-1]
				if b.Start.Before(p.Start) || (b.Start.Equal(p.Start) && b.Service <= p.Service) {
					t.Fatalf("bucket %d out of order", i)
				}
			}
		}
		for i := 1; i < len(mf.times); i++ {
			if !mf.times[i].After(mf.times[i-1]) || mf.times[i].Sub(mf.times[i-1])%(5*time.Minute) != 0 {
				t.Fatalf("times %d not increasing on the grid", i)
			}
		}
	})
}

// FuzzReadGraph checks that no graph.csv makes the parser panic, and that
// whatever it accepts gives a valid topology.
func FuzzReadGraph(f *testing.F) {
	f.Add(fuzzGraph)
	f.Add(",A_client,A_AWS::Lambda\nA_client,0,1\nA_AWS::Lambda,0,0\n")
	f.Add(",a_remote,A_remote\na_remote,0,1\nA_remote,1,0\n")
	f.Fuzz(func(t *testing.T, data string) {
		g, err := readGraph(strings.NewReader(data), "graph.csv")
		if err != nil {
			return
		}
		top, _ := g.topology()
		d := dataset.Dataset{Graph: top}
		if err := d.Validate(time.Time{}); err != nil {
			t.Fatalf("topology: %v", err)
		}
	})
}
