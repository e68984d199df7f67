package recommend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/slorec/slorec/reasoning/recommend"
)

// BenchmarkRecommendFleet is the full-fleet recommendation on generated
// graphs of about five edges per service with 30 days of hourly history:
// statistics, composition, promises, facts, hashes and the consistency
// pass. Critical paths run for entry points only (the default).
func BenchmarkRecommendFleet(b *testing.B) { benchFleet(b, recommend.Options{}) }

// BenchmarkRecommendFleetNoPaths is the same without critical paths, to
// separate their cost.
func BenchmarkRecommendFleetNoPaths(b *testing.B) {
	benchFleet(b, recommend.Options{Paths: recommend.PathsNone})
}

func benchFleet(b *testing.B, opt recommend.Options) {
	for _, n := range []int{1_000, 10_000} {
		services, metrics := randomFleet(n, 30, 1)
		in := recommend.Input{Services: services, Metrics: metrics}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := recommend.Recommend(context.Background(), in, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
