package platformcard

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
)

func TestShareBelow(t *testing.T) {
	full := slorec.MetricBucket{LatencyP50Ms: 10, LatencyP95Ms: 100, LatencyP99Ms: 200}
	tests := []struct {
		name   string
		b      slorec.MetricBucket
		thrMs  float64
		want   float64
		wantOK bool
	}{
		{"A threshold on a known percentile gives its share.", full, 100, 0.95, true},
		{"A threshold on p50 gives one half.", full, 10, 0.5, true},
		{"A threshold on p99 gives 0.99.", full, 200, 0.99, true},
		{"Between two percentiles the share is linear in log latency.", full, math.Sqrt(100 * 200), 0.97, true},
		{"A bucket without percentiles has no estimate.", slorec.MetricBucket{}, 100, 0, false},
		{"A threshold of zero has no request under it.", full, 0, 0, true},
		{"A single known percentile is hit exactly.", slorec.MetricBucket{LatencyP95Ms: 40}, 40, 0.95, true},
		{"Equal percentiles give the highest share at their value.", slorec.MetricBucket{LatencyP50Ms: 5, LatencyP95Ms: 5, LatencyP99Ms: 5}, 5, 0.99, true},
		{"Equal percentiles are a step: nothing is below them.", slorec.MetricBucket{LatencyP50Ms: 5, LatencyP95Ms: 5, LatencyP99Ms: 5}, 4.9, 0, true},
		{"Equal percentiles are a step: everything is above them.", slorec.MetricBucket{LatencyP50Ms: 5, LatencyP95Ms: 5, LatencyP99Ms: 5}, 5.1, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := shareBelow(tt.b, tt.thrMs)
			require.Equal(t, tt.wantOK, ok)
			require.InDelta(t, tt.want, got, 1e-12)
		})
	}
}

func TestShareBelowTailsAreContinuousAndMonotone(t *testing.T) {
	for _, b := range []slorec.MetricBucket{
		{LatencyP50Ms: 10, LatencyP95Ms: 100, LatencyP99Ms: 200},
		{LatencyP95Ms: 100, LatencyP99Ms: 120},
		{LatencyP99Ms: 300},
	} {
		prev := -1.0
		for ms := 0.5; ms < 5000; ms *= 1.01 {
			got, ok := shareBelow(b, ms)
			require.True(t, ok)
			require.GreaterOrEqual(t, got, prev, "%+v at %v ms", b, ms)
			require.True(t, got >= 0 && got <= 1, "a share: %v at %v ms", got, ms)
			prev = got
		}
		// Just past the outermost points the lognormal tail meets the
		// interpolated middle.
		for _, x := range []float64{b.LatencyP50Ms, b.LatencyP95Ms, b.LatencyP99Ms} {
			if x == 0 {
				continue
			}
			at, _ := shareBelow(b, x)
			above, _ := shareBelow(b, x*(1+1e-9))
			below, _ := shareBelow(b, x*(1-1e-9))
			require.InDelta(t, at, above, 1e-6)
			require.InDelta(t, at, below, 1e-6)
		}
	}
}
