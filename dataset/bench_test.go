package dataset_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/dataset"
)

// serviceMonths renders metrics.csv for n services over 30 days of hourly
// buckets.
func serviceMonths(n int) []byte {
	var b bytes.Buffer
	b.WriteString(dataset.MetricsHeader + "\n")
	t0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for h := range 720 {
		ts := t0.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		for s := range n {
			fmt.Fprintf(&b, "%s,service-%05d,%d,%d,%.1f,%.1f,%.1f\n", ts, s, 36000+h, h%7, 12.5, 48.1, 120.9)
		}
	}
	return b.Bytes()
}

// BenchmarkReadMetricsServiceMonth parses one service-month: 720 hourly rows.
func BenchmarkReadMetricsServiceMonth(b *testing.B) {
	benchRead(b, 1)
}

// BenchmarkReadMetrics100ServiceMonths parses 72,000 rows.
func BenchmarkReadMetrics100ServiceMonths(b *testing.B) {
	benchRead(b, 100)
}

func benchRead(b *testing.B, n int) {
	data := serviceMonths(n)
	known := map[string]bool{}
	for s := range n {
		known[fmt.Sprintf("service-%05d", s)] = true
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ms, err := dataset.ReadMetrics(bytes.NewReader(data), dataset.MetricsOptions{Now: now, Services: known})
		require.NoError(b, err)
		require.Len(b, ms, 720*n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*720*n), "ns/row")
}
