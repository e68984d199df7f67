package sim_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/evals/sim"
)

// TestOutagesShowInTheCallersBuckets checks propagation bucket by bucket,
// where TestFailuresPropagateAlongHardSyncEdgesOnly checks the truth: with
// every node otherwise perfect, a one-hour full outage of a hard sync
// dependency fails all of the caller's requests in that hour (a quarter,
// for a dependency called by a quarter of them), and the same outage of a
// soft or an async dependency fails none, while the failed node itself
// fails everything it receives.
func TestOutagesShowInTheCallersBuckets(t *testing.T) {
	quarter := dep("d", slorec.Sync, slorec.Hard)
	quarter.CallRatio = 0.25
	g := slorec.Graph{Services: []slorec.Service{
		svc("front", dep("a", slorec.Sync, slorec.Hard), dep("b", slorec.Sync, slorec.Soft), dep("c", slorec.Async, slorec.Hard), quarter),
		svc("a"), svc("b"), svc("c"), svc("d"),
	}}
	cfg := config(g, map[string]float64{"front": 1, "a": 1, "b": 1, "c": 1, "d": 1})
	outage := map[string]int{"a": 10, "b": 20, "c": 30, "d": 40} // hour of each node's outage
	for id, h := range outage {
		cfg.Incidents = append(cfg.Incidents, sim.Incident{ID: "INC-" + id, Title: id + " down", Service: id,
			Start: t0.Add(time.Duration(h) * time.Hour), Duration: time.Hour, FailureFraction: 1})
	}
	d, err := sim.Run(cfg)
	require.NoError(t, err)

	for _, b := range d.Metrics {
		hour := int(b.Start.Sub(t0) / time.Hour)
		switch {
		case b.Service != "front":
			if hour == outage[b.Service] {
				require.Equal(t, b.Requests, b.Errors, "%s fails everything during its outage", b.Service)
				require.Positive(t, b.Requests)
			} else {
				require.Zero(t, b.Errors, "%s at hour %d", b.Service, hour)
			}
		case hour == outage["a"]:
			require.Equal(t, b.Requests, b.Errors, "a hard sync outage fails every caller request")
		case hour == outage["d"]:
			require.InEpsilon(t, 0.25*float64(b.Requests), float64(b.Errors), 0.05, "a quarter of the requests call d")
		default:
			require.Zero(t, b.Errors, "front at hour %d: soft and async outages do not fail it", hour)
		}
	}
}
