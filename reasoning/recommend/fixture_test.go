package recommend_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/slorec/slorec"
	"github.com/slorec/slorec/schemas"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// steady returns days of hourly buckets with req requests and errs errors
// an hour, and fixed latency percentiles.
func steady(id string, days int, req, errs int64, p50, p95, p99 float64) []slorec.MetricBucket {
	out := make([]slorec.MetricBucket, 0, days*24)
	for h := range days * 24 {
		out = append(out, slorec.MetricBucket{Service: id, Start: t0.Add(time.Duration(h) * time.Hour),
			Requests: req, Errors: errs, LatencyP50Ms: p50, LatencyP95Ms: p95, LatencyP99Ms: p99})
	}
	return out
}

func svc(id string, kind slorec.ServiceKind, deps ...slorec.Dependency) slorec.Service {
	return slorec.Service{ID: id, Kind: kind, Tier: slorec.TierHigh, Deps: deps}
}

func hard(target string) slorec.Dependency {
	return slorec.Dependency{Target: target, Type: slorec.Sync, Criticality: slorec.Hard}
}

// validator compiles the embedded Recommendation schema.
func validator(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(schemas.RecommendationURL, bytes.NewReader(schemas.Recommendation)))
	s, err := c.Compile(schemas.RecommendationURL)
	require.NoError(t, err)
	return s
}

// requireSchemaValid checks rec against the schema, through JSON, as an
// API client would see it.
func requireSchemaValid(t *testing.T, s *jsonschema.Schema, rec slorec.Recommendation) {
	t.Helper()
	raw, err := json.Marshal(rec)
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NoError(t, s.Validate(doc), "%s: %s", rec.Service, raw)
}

// randomFleet is a layered DAG of n services with about five hard or
// soft, sync or async edges each, plus days of hourly metrics per service
// in which failures propagate along hard synchronous edges, as they do in
// production. Services later in the order are dependencies of earlier ones.
func randomFleet(n, days int, seed uint64) ([]slorec.Service, map[string][]slorec.MetricBucket) {
	rng := rand.New(rand.NewPCG(seed, 99))
	services := make([]slorec.Service, n)
	kinds := []slorec.ServiceKind{slorec.KindService, slorec.KindService, slorec.KindService, slorec.KindDatastore, slorec.KindQueue, slorec.KindExternal}
	idx := func(i int) string { return fmt.Sprintf("svc-%05d", i) }
	for i := range n {
		s := svc(idx(i), kinds[rng.IntN(len(kinds))])
		seen := map[int]bool{}
		for range 5 {
			if i+1 >= n {
				break
			}
			j := i + 1 + rng.IntN(min(n-i-1, 50))
			if seen[j] {
				continue
			}
			seen[j] = true
			d := hard(idx(j))
			if rng.Float64() < 0.4 {
				d.Criticality = slorec.Soft
			}
			if rng.Float64() < 0.2 {
				d.Type = slorec.Async
			}
			if rng.Float64() < 0.5 {
				d.CallRatio = 0.01 + 0.5*rng.Float64()
			}
			s.Deps = append(s.Deps, d)
		}
		services[i] = s
	}
	// End-to-end error rates, dependencies first.
	rate := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		ok := 1 - (0.00005 + 0.0005*rng.Float64())
		for _, d := range services[i].Deps {
			if d.Type == slorec.Sync && d.Criticality == slorec.Hard {
				var j int
				fmt.Sscanf(d.Target, "svc-%05d", &j)
				ok *= 1 - d.Ratio()*rate[j]
			}
		}
		rate[i] = 1 - ok
	}
	metrics := make(map[string][]slorec.MetricBucket, n)
	for i := range n {
		base := int64(500 + rng.IntN(5000))
		p50 := 5 + 100*rng.Float64()
		b := make([]slorec.MetricBucket, 0, days*24)
		for h := range days * 24 {
			req := base + int64(rng.IntN(int(base/4)+1))
			errs := int64(float64(req)*rate[i]*2*rng.Float64() + 0.5)
			b = append(b, slorec.MetricBucket{Service: idx(i), Start: t0.Add(time.Duration(h) * time.Hour),
				Requests: req, Errors: min(errs, req), LatencyP50Ms: p50, LatencyP95Ms: p50 * (2 + rng.Float64()), LatencyP99Ms: p50 * (4 + rng.Float64())})
		}
		metrics[idx(i)] = b
	}
	return services, metrics
}
