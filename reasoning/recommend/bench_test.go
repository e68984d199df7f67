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
func BenchmarkRecommendFleet(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		services, metrics := randomFleet(n, 30, 1)
		in := recommend.Input{Services: services, Metrics: metrics}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := recommend.Recommend(context.Background(), in, recommend.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecommendFleetNoPaths is the same without critical paths, to
// separate their cost.
func BenchmarkRecommendFleetNoPaths(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		services, metrics := randomFleet(n, 30, 1)
		in := recommend.Input{Services: services, Metrics: metrics}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := recommend.Recommend(context.Background(), in, recommend.Options{Paths: recommend.PathsNone}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
