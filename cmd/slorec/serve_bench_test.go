package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/inmem"
)

// BenchmarkServeCachedRecommendation measures GET
// /api/v1/services/checkout-service/slo-recommendations once it is
// cached, through a real listener and HTTP client with keep-alive, 16
// requests in flight, on the in-memory store and (with DATABASE_URL) on
// Postgres. It reports requests per second and the p50 and p99 latency.
func BenchmarkServeCachedRecommendation(b *testing.B) {
	for _, backend := range []string{"inmem", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			var st store.Store = inmem.New()
			if backend == "postgres" {
				if os.Getenv("DATABASE_URL") == "" {
					b.Skip("DATABASE_URL is not set")
				}
				st = openPostgres(b)
			}
			benchCached(b, st)
		})
	}
}

func benchCached(b *testing.B, st store.Store) {
	ctx := context.Background()
	_, secret, err := st.CreateToken(ctx, "acme", "bench", slorec.RoleEditor)
	if err != nil {
		b.Fatal(err)
	}
	base := startServerEnv(b, st, map[string]string{"SLOREC_RATE_LIMIT": "-1"})
	c := client{b, base, secret}
	topo, _ := os.ReadFile("../../examples/ecommerce/topology.json")
	csv, _ := os.ReadFile("../../examples/ecommerce/metrics.csv")
	if code, body, _ := c.do("POST", "/api/v1/services/dependencies", "application/json", topo); code != 200 {
		b.Fatalf("ingest: %d %s", code, body)
	}
	if code, body, _ := c.do("POST", "/api/v1/metrics", "text/csv", csv); code != 200 {
		b.Fatalf("metrics: %d %s", code, body)
	}
	url := base + "/api/v1/services/checkout-service/slo-recommendations"
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	get := func() (time.Duration, error) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return time.Since(t0), nil
	}
	if _, err := get(); err != nil { // compute and cache
		b.Fatal(err)
	}
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8) // 8 × GOMAXPROCS (2) = 16 in flight
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			d, err := get()
			if err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, d)
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	elapsed := time.Since(start)
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
