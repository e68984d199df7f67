package depgraph

import (
	"math"
	"slices"

	"github.com/slorec/slorec"
)

// BlastRadius is what a failure of one service reaches: its transitive
// dependents.
//
// Scores are Σ tier weight × traffic share over the affected dependents.
// The traffic share of a service is its traffic divided by the total
// traffic of all the graph's services in the traffic map, so the shares of
// the whole fleet sum to 1 and a score lies in [0, 4]: 4 would mean every
// request of the fleet is served by a critical service that is affected.
// (Shares are per service, so a request crossing three services counts in
// three shares.) With no usable traffic (nil map, or a total of zero)
// every service has the share 1/n. When traffic is given, a service absent
// from the map has share 0 and is listed in NoTraffic.
type BlastRadius struct {
	ID string `json:"id"`
	// Affected lists every transitive dependent, by distance then id.
	Affected []Affected `json:"affected"`
	// Hard is the number of affected dependents that fail with ID: they
	// reach ID over hard synchronous edges only.
	Hard int `json:"hard"`
	// Depth is the largest distance (in edges) of an affected dependent;
	// HardDepth the largest over hard synchronous paths.
	Depth     int `json:"depth"`
	HardDepth int `json:"hard_depth"`
	// Paths is the number of shortest dependency paths from all affected
	// dependents to ID (saturating at the largest int).
	Paths int `json:"paths"`
	// Score sums over every affected dependent; HardScore only over those
	// that fail with ID (failure propagates). The others are degraded at
	// worst: they reach ID through a soft or async edge.
	Score     float64 `json:"score"`
	HardScore float64 `json:"hard_score"`
	// TrafficShare and HardTrafficShare are the summed traffic shares.
	TrafficShare     float64 `json:"traffic_share"`
	HardTrafficShare float64 `json:"hard_traffic_share"`
	// NoTraffic lists affected dependents absent from a non-empty traffic
	// map, in ascending order; they count with share 0.
	NoTraffic []string `json:"no_traffic,omitempty"`
}

// Affected is one transitive dependent of a failing service.
type Affected struct {
	ID   string      `json:"id"`
	Tier slorec.Tier `json:"tier"`
	// Distance is the number of edges on the shortest dependency path to
	// the failing service, over any kind of edge.
	Distance int `json:"distance"`
	// Paths is the number of shortest paths (saturating).
	Paths int `json:"paths"`
	// Hard is true when a path of hard synchronous edges exists, so a
	// failure propagates to this dependent.
	Hard bool `json:"hard"`
	// Weight is the tier weight (see [slorec.Tier.Weight]) and Share the
	// traffic share; the dependent adds Weight × Share to the score.
	Weight float64 `json:"weight"`
	Share  float64 `json:"share"`
}

// BlastRadius returns the transitive dependents of id, weighted by tier and
// traffic (see the type for the normalization). traffic maps ids to a
// request rate in any unit; it may be nil. It returns an ENOTFOUND error
// when id is not in the graph.
func (g *Graph) BlastRadius(id string, traffic map[string]float64) (BlastRadius, error) {
	src, ok := g.lookup(id)
	if !ok {
		return BlastRadius{}, slorec.Errorf(slorec.ENOTFOUND, "service %q is not in the dependency graph", id)
	}
	n := len(g.ids)
	share := g.shares(traffic)

	dist, paths, order := bfs(g.allIn, src, n)
	hardDist, _, _ := bfs(g.hardIn, src, n)

	br := BlastRadius{ID: id, Affected: make([]Affected, 0, len(order))}
	for _, u := range order {
		a := Affected{
			ID:       g.ids[u],
			Tier:     g.svcs[u].Tier,
			Distance: int(dist[u]),
			Paths:    paths[u],
			Hard:     hardDist[u] > 0,
			Weight:   g.svcs[u].Tier.Weight(),
			Share:    share[u],
		}
		br.Affected = append(br.Affected, a)
		br.Depth = max(br.Depth, a.Distance)
		br.Paths = addSat(br.Paths, a.Paths)
		br.Score += a.Weight * a.Share
		br.TrafficShare += a.Share
		if a.Hard {
			br.Hard++
			br.HardDepth = max(br.HardDepth, int(hardDist[u]))
			br.HardScore += a.Weight * a.Share
			br.HardTrafficShare += a.Share
		}
		if len(traffic) > 0 {
			if _, ok := traffic[a.ID]; !ok {
				br.NoTraffic = append(br.NoTraffic, a.ID)
			}
		}
	}
	return br, nil
}

// shares normalizes traffic into per-node shares summing to 1.
func (g *Graph) shares(traffic map[string]float64) []float64 {
	n := len(g.ids)
	share := make([]float64, n)
	total := 0.0
	for u, id := range g.ids {
		if t := traffic[id]; t > 0 && !math.IsInf(t, 0) {
			share[u] = t
			total += t
		}
	}
	if total == 0 {
		for u := range share {
			share[u] = 1 / float64(n)
		}
		return share
	}
	for u := range share {
		share[u] /= total
	}
	return share
}

// bfs walks adj from src and returns, per node, the distance (0 for src and
// for unreached nodes), the number of shortest paths, and the reached nodes
// other than src ordered by distance, then id.
func bfs(adj csr, src int32, n int) (dist []int32, paths []int, order []int32) {
	dist = make([]int32, n)
	paths = make([]int, n)
	seen := make([]bool, n)
	seen[src] = true
	paths[src] = 1
	level := []int32{src}
	for d := int32(1); len(level) > 0; d++ {
		var next []int32
		for _, u := range level {
			for _, v := range adj.of(u) {
				if !seen[v] {
					seen[v] = true
					dist[v] = d
					next = append(next, v)
				}
				if dist[v] == d {
					paths[v] = addSat(paths[v], paths[u])
				}
			}
		}
		slices.Sort(next)
		order = append(order, next...)
		level = next
	}
	return dist, paths, order
}

// addSat adds two non-negative ints, saturating at the largest int.
func addSat(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}
