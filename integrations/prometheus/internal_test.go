package prometheus

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestChunksCoverTheGridOnce(t *testing.T) {
	start := time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)
	for _, step := range []time.Duration{time.Minute, time.Hour} {
		for points := 1; points <= 40; points++ {
			// end on the grid, and a little past it (Prometheus ignores
			// the remainder).
			for _, extra := range []time.Duration{0, step / 2} {
				end := start.Add(time.Duration(points-1)*step + extra)
				for maxPoints := 1; maxPoints <= 12; maxPoints++ {
					spans, err := chunks(start, end, step, maxPoints)
					require.NoError(t, err)
					var times []time.Time
					for i, s := range spans {
						n := int(s.end.Sub(s.start)/step) + 1
						require.LessOrEqual(t, n, maxPoints)
						require.Zero(t, s.end.Sub(s.start)%step, "span ends on the grid")
						if i > 0 {
							require.Equal(t, spans[i-1].end.Add(step), s.start, "spans continue one another")
						}
						for k := range n {
							times = append(times, s.start.Add(time.Duration(k)*step))
						}
					}
					require.Len(t, times, points, "points=%d max=%d", points, maxPoints)
					for k, tm := range times {
						require.Equal(t, start.Add(time.Duration(k)*step), tm)
					}
					require.Len(t, spans, (points+maxPoints-1)/maxPoints, "as few queries as the limit allows")
				}
			}
		}
	}
}

func TestChunksErrors(t *testing.T) {
	t0 := time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)
	_, err := chunks(t0, t0.Add(-time.Hour), time.Hour, 10)
	require.EqualError(t, err, "slorec error: code=invalid message=range query: end 2026-09-01T23:00:00Z is before start 2026-09-02T00:00:00Z")
	_, err = chunks(t0, t0, 0, 10)
	require.EqualError(t, err, "slorec error: code=invalid message=range query: step 0s is not positive")
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"120", 2 * time.Minute},
		{" 3 ", 3 * time.Second},
		{"Tue, 01 Dec 2026 10:01:00 GMT", time.Minute},
		{"Tue, 01 Dec 2026 09:59:00 GMT", 0}, // in the past
		{"tomorrow", 0},
		{"1.5", 0}, // not delay-seconds
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, retryAfter(tt.in, now), "%q", tt.in)
	}
}

func TestWindowFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 2 * time.Hour: "2h", 90 * time.Minute: "90m", 15 * time.Minute: "15m", 90 * time.Second: "90s",
	} {
		require.Equal(t, want, window(d))
	}
}

// FuzzDecode checks that the answer parser never panics on arbitrary
// bodies, and that whatever it accepts is well formed: labels never nil,
// every series in strictly increasing time order, series unique.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1788310800,"1"],[1788314400.5,"NaN"]]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1788310800,"+Inf"]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"histograms":[[1,{}]]}]}}`,
		`{"status":"error","errorType":"bad_data","error":"x"}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1e400,"1"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"1e400"]]}]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1e300,"1"]]}]}}`,
		`{"status":"success","data":null}`,
		`<html>`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, want := range []string{resultMatrix, resultVector} {
			result, _, aerr := decodeEnvelope(body, "application/json", want)
			if aerr != nil {
				if aerr.reason == "" || aerr.code == "" {
					t.Fatalf("error without reason or code: %+v", aerr)
				}
				continue
			}
			if want == resultMatrix {
				m, aerr := decodeMatrix(result)
				if aerr != nil {
					continue
				}
				seen := map[string]bool{}
				for _, s := range m {
					if s.Labels == nil {
						t.Fatal("nil labels")
					}
					key := labelString(s.Labels)
					if seen[key] {
						t.Fatalf("series %s twice", key)
					}
					seen[key] = true
					for i := 1; i < len(s.Points); i++ {
						if !s.Points[i].T.After(s.Points[i-1].T) {
							t.Fatalf("series %s out of order", key)
						}
					}
					for _, p := range s.Points {
						if math.Abs(float64(p.T.Unix())) > maxUnixSeconds+1 {
							t.Fatalf("time %v out of range", p.T)
						}
					}
				}
				continue
			}
			v, aerr := decodeVector(result)
			if aerr != nil {
				continue
			}
			for _, s := range v {
				if s.Labels == nil {
					t.Fatal("nil labels")
				}
			}
		}
	})
}
