package stats_test

import (
	"strconv"
	"testing"

	"github.com/slorec/slorec/reasoning/stats"
)

// The benchmarks run on 30 days of hourly buckets (720) with realistic
// noise: diurnal traffic, noisy percentiles and occasional incidents.

func BenchmarkAvailability(b *testing.B) {
	buckets := realistic(30, 1)
	for _, n := range []int{1000, 200} {
		b.Run("resamples="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := stats.Availability(buckets, stats.Options{Resamples: n}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLatency(b *testing.B) {
	buckets := realistic(30, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stats.Latency(buckets, stats.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyze is what the recommendation engine runs per service
// (200 resamples is its default).
func BenchmarkAnalyze(b *testing.B) {
	buckets := realistic(30, 1)
	for _, n := range []int{1000, 200} {
		b.Run("resamples="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := stats.Analyze(buckets, stats.Options{Resamples: n}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The engine's settings: hourly steps (49 windows of 28 days in 30
	// days instead of 3), 200 resamples.
	b.Run("resamples=200/step=1h", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := stats.Analyze(buckets, stats.Options{Resamples: 200, StepHours: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLatencyConstant is the best case: identical buckets, so the
// search range is a single point.
func BenchmarkLatencyConstant(b *testing.B) {
	buckets := hourly(30, 1000, noErrors)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stats.Latency(buckets, stats.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
