package slorec

import (
	"math"
	"time"
)

// MetricBucket is one service's traffic over one time bucket (hourly or
// finer). Latency percentiles are in milliseconds; zero means the bucket
// carried no latency data.
type MetricBucket struct {
	Service      string    `json:"service"`
	Start        time.Time `json:"timestamp"`
	Requests     int64     `json:"requests"`
	Errors       int64     `json:"errors"`
	LatencyP50Ms float64   `json:"latency_p50_ms,omitempty"`
	LatencyP95Ms float64   `json:"latency_p95_ms,omitempty"`
	LatencyP99Ms float64   `json:"latency_p99_ms,omitempty"`
}

// Validate checks the bucket on its own and returns the first problem found,
// naming the field.
func (b *MetricBucket) Validate() error {
	switch {
	case b.Service == "":
		return Errorf(EINVALID, "service: required")
	case b.Start.IsZero():
		return Errorf(EINVALID, "timestamp: required")
	case b.Requests < 0:
		return Errorf(EINVALID, "requests: %d is negative", b.Requests)
	case b.Errors < 0:
		return Errorf(EINVALID, "errors: %d is negative", b.Errors)
	case b.Errors > b.Requests:
		return Errorf(EINVALID, "errors: %d exceeds requests %d", b.Errors, b.Requests)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"latency_p50_ms", b.LatencyP50Ms}, {"latency_p95_ms", b.LatencyP95Ms}, {"latency_p99_ms", b.LatencyP99Ms}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return Errorf(EINVALID, "%s: %v is not a non-negative number", f.name, f.v)
		}
	}
	if b.LatencyP50Ms > 0 && b.LatencyP95Ms > 0 && b.LatencyP95Ms < b.LatencyP50Ms {
		return Errorf(EINVALID, "latency_p95_ms: %v is below latency_p50_ms %v", b.LatencyP95Ms, b.LatencyP50Ms)
	}
	if b.LatencyP95Ms > 0 && b.LatencyP99Ms > 0 && b.LatencyP99Ms < b.LatencyP95Ms {
		return Errorf(EINVALID, "latency_p99_ms: %v is below latency_p95_ms %v", b.LatencyP99Ms, b.LatencyP95Ms)
	}
	if b.LatencyP50Ms > 0 && b.LatencyP99Ms > 0 && b.LatencyP99Ms < b.LatencyP50Ms {
		return Errorf(EINVALID, "latency_p99_ms: %v is below latency_p50_ms %v", b.LatencyP99Ms, b.LatencyP50Ms)
	}
	return nil
}

// Incident is a past outage or degradation of a service.
type Incident struct {
	ID       string    `json:"id"`
	Service  string    `json:"service"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Severity string    `json:"severity,omitempty"`
	Title    string    `json:"title"`
	Summary  string    `json:"summary,omitempty"`
	// RootCause names the service where the incident started, when known.
	RootCause string `json:"root_cause,omitempty"`
}

// Validate checks the incident on its own.
func (i *Incident) Validate() error {
	switch {
	case i.ID == "":
		return Errorf(EINVALID, "id: required")
	case i.Service == "":
		return Errorf(EINVALID, "service: required")
	case i.Start.IsZero():
		return Errorf(EINVALID, "start: required")
	case !i.End.IsZero() && i.End.Before(i.Start):
		return Errorf(EINVALID, "end: %s is before start %s", i.End.Format(time.RFC3339), i.Start.Format(time.RFC3339))
	case i.Title == "":
		return Errorf(EINVALID, "title: required")
	}
	return nil
}
