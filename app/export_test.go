package app

import (
	"strings"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
)

func TestSnapToBuckets(t *testing.T) {
	m, err := prommap.Load(strings.NewReader(`
defaults:
  latency: {buckets: [0.05, 0.1, 0.25, 0.5, 1]}
services:
  legacy:
    latency: {summary: legacy_latency_seconds}
`))
	if err != nil {
		t.Fatal(err)
	}
	in := []slorec.SLO{
		{Service: "web", SLI: slorec.Availability, Target: 0.999},
		{Service: "web", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 170},
		{Service: "api", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 100},
		{Service: "slow", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 4000},
		{Service: "legacy", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 170},
	}
	out, notes := SnapToBuckets(in, m)
	want := []float64{0, 250, 100, 4000, 170} // raised; a boundary already; above every boundary; a summary
	for i, s := range out {
		if s.ThresholdMs != want[i] {
			t.Errorf("%s %s: threshold %v, want %v", s.Service, s.SLI, s.ThresholdMs, want[i])
		}
	}
	if in[1].ThresholdMs != 170 {
		t.Error("the input was changed")
	}
	if len(notes) != 1 || notes[0] != "web latency: recommended threshold 170 ms raised to the histogram boundary 250 ms, the smallest it can measure" {
		t.Errorf("notes = %q", notes)
	}
	// Without known boundaries nothing moves.
	if out, notes := SnapToBuckets(in, nil); out[1].ThresholdMs != 170 || len(notes) != 0 {
		t.Errorf("default mapping snapped: %+v %q", out[1], notes)
	}
}
