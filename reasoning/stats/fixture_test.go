package stats_test

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/slorec/slorec"
)

// t0 is the start of every fixture: a UTC midnight, so days are calendar
// days.
var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// hourly returns days of hourly buckets of service "svc" with req requests
// an hour; errs gives a day's errors per hour. Latency is p50 100, p95 200,
// p99 300 ms throughout.
func hourly(days int, req int64, errs func(day int) int64) []slorec.MetricBucket {
	out := make([]slorec.MetricBucket, 0, days*24)
	for d := range days {
		for h := range 24 {
			out = append(out, slorec.MetricBucket{
				Service: "svc", Start: t0.Add(time.Duration(d*24+h) * time.Hour),
				Requests: req, Errors: errs(d),
				LatencyP50Ms: 100, LatencyP95Ms: 200, LatencyP99Ms: 300,
			})
		}
	}
	return out
}

func noErrors(int) int64 { return 0 }

// realistic returns days of hourly buckets with diurnal traffic (about
// 2,000 requests an hour at the mean), a 0.1% mean error rate, noisy
// percentiles and, in one hour in 200, an incident: p95 ×5, p99 ×8 and a
// fifth of requests failing. It is stationary: every day is drawn alike.
func realistic(days int, seed uint64) []slorec.MetricBucket {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]slorec.MetricBucket, 0, days*24)
	for i := range days * 24 {
		h := float64(i % 24)
		load := 1 + 0.6*math.Sin(2*math.Pi*(h-6)/24)
		req := int64(2000 * load * (0.9 + 0.2*r.Float64()))
		p50 := 80 * (1 + 0.3*load) * math.Exp(0.1*r.NormFloat64())
		p95 := p50 * 2.5 * math.Exp(0.15*r.NormFloat64())
		p99 := max(p95, p95*1.8*math.Exp(0.2*r.NormFloat64()))
		errs := int64(float64(req) * 0.001 * r.ExpFloat64())
		if r.IntN(200) == 0 {
			p95, p99 = p95*5, p99*8
			errs = req / 5
		}
		out = append(out, slorec.MetricBucket{
			Service: "svc", Start: t0.Add(time.Duration(i) * time.Hour),
			Requests: req, Errors: min(errs, req),
			LatencyP50Ms: p50, LatencyP95Ms: p95, LatencyP99Ms: p99,
		})
	}
	return out
}
