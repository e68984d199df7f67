package slorec

import (
	"reflect"
	"testing"
)

func TestRecommendationSLOs(t *testing.T) {
	r := Recommendation{ID: "rec-1", Service: "cart", Objectives: []Objective{
		{SLI: Availability, Target: 0.999, WindowDays: 28},
		{SLI: Latency, Target: 0.99, ThresholdMs: 250, Percentile: 99},
	}}
	want := []SLO{
		{Service: "cart", SLI: Availability, Target: 0.999, WindowDays: 28, RecommendationID: "rec-1"},
		{Service: "cart", SLI: Latency, Target: 0.99, ThresholdMs: 250, Percentile: 99, WindowDays: DefaultWindowDays, RecommendationID: "rec-1"},
	}
	if got := r.SLOs(); !reflect.DeepEqual(got, want) {
		t.Errorf("SLOs() = %+v, want %+v", got, want)
	}
	for _, s := range r.SLOs() {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.SLI, err)
		}
	}
}
