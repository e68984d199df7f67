package scorecard_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/reasoning/scorecard"
)

func TestScoreReliability(t *testing.T) {
	tests := map[string]struct {
		in   scorecard.Reliability
		want scorecard.ReliabilityScore
	}{
		// Predict 3. Uptime 99.95% is below 99.99% but reaches 99.9%: 35.
		// MTTR 8 min is over 5 but within 15: 20. One incident: 15.
		// CFR 5% is within the inclusive 5% tier: 15. 35+20+15+15 = 85.
		"99.95% uptime, 8-minute MTTR, 1 incident and 5% CFR score 85.": {
			in:   scorecard.Reliability{Uptime: 0.9995, MTTRMinutes: 8, Incidents30d: 1, ChangeFailureRate: 0.05},
			want: scorecard.ReliabilityScore{Score: 85, Uptime: 35, MTTR: 20, Incidents: 15, ChangeFailureRate: 15},
		},
		"A flawless record scores 100.": {
			in:   scorecard.Reliability{Uptime: 1, MTTRMinutes: 0, Incidents30d: 0, ChangeFailureRate: 0},
			want: scorecard.ReliabilityScore{Score: 100, Uptime: 40, MTTR: 25, Incidents: 20, ChangeFailureRate: 15},
		},
		"A record below every last tier scores 0.": {
			in:   scorecard.Reliability{Uptime: 0.98, MTTRMinutes: 300, Incidents30d: 6, ChangeFailureRate: 0.5},
			want: scorecard.ReliabilityScore{},
		},
		// 25 + 20 + 15 + 0.
		"The fixture for a score of 60 scores 60.": {
			in:   scorecard.Reliability{Uptime: 0.995, MTTRMinutes: 15, Incidents30d: 1, ChangeFailureRate: 0.40},
			want: scorecard.ReliabilityScore{Score: 60, Uptime: 25, MTTR: 20, Incidents: 15, ChangeFailureRate: 0},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tt.want, scorecard.ScoreReliability(tt.in))
		})
	}
}

// TestReliabilityTiers walks the tier boundaries of each dimension, the
// other dimensions held at their best.
func TestReliabilityTiers(t *testing.T) {
	best := scorecard.Reliability{Uptime: 1}
	tests := map[string]struct {
		set       func(*scorecard.Reliability)
		dimension func(scorecard.ReliabilityScore) int
		want      int
	}{
		"Uptime of exactly 99.99% scores 40.":                    {uptime(0.9999), uptimePts, 40},
		"Uptime just under 99.99% scores 35.":                    {uptime(0.99989), uptimePts, 35},
		"Uptime of exactly 99.9% scores 35.":                     {uptime(0.999), uptimePts, 35},
		"Uptime just under 99.9% scores 25.":                     {uptime(0.99899), uptimePts, 25},
		"Uptime of exactly 99.5% scores 25.":                     {uptime(0.995), uptimePts, 25},
		"Uptime of exactly 99% scores 15.":                       {uptime(0.99), uptimePts, 15},
		"Uptime just under 99% scores 0.":                        {uptime(0.98999), uptimePts, 0},
		"Uptime of 0.7+0.2+0.099, 99.9% off by ulps, scores 35.": {uptime(sum(0.7, 0.2, 0.099)), uptimePts, 35},
		"MTTR of exactly 5 minutes scores 25.":                   {mttr(5), mttrPts, 25},
		"MTTR just over 5 minutes scores 20.":                    {mttr(5.01), mttrPts, 20},
		"MTTR of exactly 15 minutes scores 20.":                  {mttr(15), mttrPts, 20},
		"MTTR of exactly 30 minutes scores 15.":                  {mttr(30), mttrPts, 15},
		"MTTR of exactly 60 minutes scores 10.":                  {mttr(60), mttrPts, 10},
		"MTTR of exactly 240 minutes scores 5.":                  {mttr(240), mttrPts, 5},
		"MTTR just over 240 minutes scores 0.":                   {mttr(240.01), mttrPts, 0},
		// (0.3+8.3+6.4)/3 computes to 5.000000000000001.
		"MTTR averaging to 5 minutes off by ulps scores 25.": {mttr(sum(0.3, 8.3, 6.4) / 3), mttrPts, 25},
		"No incidents score 20.":                             {incidents(0), incidentPts, 20},
		"One incident scores 15.":                            {incidents(1), incidentPts, 15},
		"Two incidents score 10.":                            {incidents(2), incidentPts, 10},
		"Three incidents score 5.":                           {incidents(3), incidentPts, 5},
		"Five incidents score 5.":                            {incidents(5), incidentPts, 5},
		"Six incidents score 0.":                             {incidents(6), incidentPts, 0},
		"A change failure rate of exactly 5% scores 15.":     {cfr(0.05), cfrPts, 15},
		"A change failure rate of exactly 10% scores 12.":    {cfr(0.10), cfrPts, 12},
		"A change failure rate of exactly 15% scores 8.":     {cfr(0.15), cfrPts, 8},
		// 0.1+0.05 computes to 0.15000000000000002.
		"A change failure rate of 0.1+0.05, 15% off by ulps, scores 8.": {cfr(sum(0.1, 0.05)), cfrPts, 8},
		"A change failure rate of exactly 30% scores 4.":                {cfr(0.30), cfrPts, 4},
		"A change failure rate just over 30% scores 0.":                 {cfr(0.301), cfrPts, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			in := best
			tt.set(&in)
			got := scorecard.ScoreReliability(in)
			require.Equal(t, tt.want, tt.dimension(got))
			require.Equal(t, got.Uptime+got.MTTR+got.Incidents+got.ChangeFailureRate, got.Score)
		})
	}
}

func uptime(v float64) func(*scorecard.Reliability) {
	return func(r *scorecard.Reliability) { r.Uptime = v }
}

func mttr(minutes float64) func(*scorecard.Reliability) {
	return func(r *scorecard.Reliability) { r.MTTRMinutes = minutes }
}

func incidents(n int) func(*scorecard.Reliability) {
	return func(r *scorecard.Reliability) { r.Incidents30d = n }
}

func cfr(v float64) func(*scorecard.Reliability) {
	return func(r *scorecard.Reliability) { r.ChangeFailureRate = v }
}

func uptimePts(s scorecard.ReliabilityScore) int   { return s.Uptime }
func mttrPts(s scorecard.ReliabilityScore) int     { return s.MTTR }
func incidentPts(s scorecard.ReliabilityScore) int { return s.Incidents }
func cfrPts(s scorecard.ReliabilityScore) int      { return s.ChangeFailureRate }

// TestFloatFixturesAreOffBoundary guards the boundary tests: the computed
// inputs must really miss their decimal boundary in float64, or the tests
// would pass without the tolerance.
func TestFloatFixturesAreOffBoundary(t *testing.T) {
	require.Less(t, sum(0.7, 0.2, 0.099), 0.999)
	require.Greater(t, sum(0.3, 8.3, 6.4)/3, 5.0)
	require.Greater(t, sum(0.1, 0.05), 0.15)
	p, r := 0.35, 0.42
	require.Greater(t, (r-p)/p, 0.20)
	p, r = 0.60, 0.63
	require.Greater(t, (r-p)/p, 0.05)
	p, r = 0.20, 0.19
	require.Less(t, (r-p)/p, -0.05)
}
