package recommend_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

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
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := recommend.Recommend(context.Background(), in, opt); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time (user + system, all threads) per run: on a shared
			// machine it varies less than wall time.
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
