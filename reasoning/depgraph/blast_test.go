package depgraph_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// blastFleet: gateway fans out to web and mobile, which both call api,
// which calls db; reports reads db asynchronously and batch calls reports.
//
//	gateway -> web (critical) -> api (high) -> db (critical)
//	        -> mobile (high)  ->
//	batch (standard) -> reports (low) ~async~> db
func blastFleet() []slorec.Service {
	return []slorec.Service{
		svc("gateway", hard("web"), hard("mobile")),
		ofTier(slorec.TierCritical, svc("web", hard("api"))),
		ofTier(slorec.TierHigh, svc("mobile", hard("api"))),
		ofTier(slorec.TierHigh, svc("api", hard("db"))),
		ofTier(slorec.TierLow, svc("reports", async("db"))),
		svc("batch", hard("reports")),
		ofTier(slorec.TierCritical, ofKind(slorec.KindDatastore, svc("db"))),
	}
}

func TestBlastRadius(t *testing.T) {
	g := depgraph.New(blastFleet())
	affected := func(share func(id string) float64) []depgraph.Affected {
		return []depgraph.Affected{
			{ID: "api", Tier: slorec.TierHigh, Distance: 1, Paths: 1, Hard: true, Weight: 3, Share: share("api")},
			{ID: "reports", Tier: slorec.TierLow, Distance: 1, Paths: 1, Weight: 1, Share: share("reports")},
			{ID: "batch", Tier: slorec.TierStandard, Distance: 2, Paths: 1, Weight: 2, Share: share("batch")},
			{ID: "mobile", Tier: slorec.TierHigh, Distance: 2, Paths: 1, Hard: true, Weight: 3, Share: share("mobile")},
			{ID: "web", Tier: slorec.TierCritical, Distance: 2, Paths: 1, Hard: true, Weight: 4, Share: share("web")},
			{ID: "gateway", Tier: slorec.TierStandard, Distance: 3, Paths: 2, Hard: true, Weight: 2, Share: share("gateway")},
		}
	}
	// Traffic sums to 2000 over the fleet; gateway has no figure (share 0).
	traffic := map[string]float64{"web": 400, "mobile": 200, "api": 600, "reports": 100, "batch": 100, "db": 600}
	shares := map[string]float64{"web": 0.2, "mobile": 0.1, "api": 0.3, "reports": 0.05, "batch": 0.05}

	tests := map[string]struct {
		traffic map[string]float64
		want    depgraph.BlastRadius
	}{
		// Score: api 3×0.3 + reports 1×0.05 + batch 2×0.05 + mobile 3×0.1
		// + web 4×0.2 + gateway 2×0 = 0.9+0.05+0.1+0.3+0.8 = 2.15.
		// Hard (api, mobile, web, gateway): 0.9+0.3+0.8 = 2.0.
		"A datastore failure reaches dependents weighted by tier and traffic share.": {
			traffic: traffic,
			want: depgraph.BlastRadius{
				ID:               "db",
				Affected:         affected(func(id string) float64 { return shares[id] }),
				Hard:             4,
				Depth:            3,
				HardDepth:        3,
				Paths:            7, // gateway has two shortest paths (via web and via mobile)
				Score:            2.15,
				HardScore:        2.0,
				TrafficShare:     0.7,
				HardTrafficShare: 0.6,
				NoTraffic:        []string{"gateway"},
			},
		},
		// Seven services, 1/7 each. Weights 3+1+2+3+4+2 = 15; hard 3+3+4+2 = 12.
		"Without traffic every service has an equal share.": {
			want: depgraph.BlastRadius{
				ID:               "db",
				Affected:         affected(func(string) float64 { return 1.0 / 7 }),
				Hard:             4,
				Depth:            3,
				HardDepth:        3,
				Paths:            7,
				Score:            15.0 / 7,
				HardScore:        12.0 / 7,
				TrafficShare:     6.0 / 7,
				HardTrafficShare: 4.0 / 7,
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := g.BlastRadius("db", tt.traffic)
			require.NoError(t, err)
			requireBlastInDelta(t, tt.want, got)
		})
	}

	t.Run("A service nobody depends on has an empty blast radius.", func(t *testing.T) {
		got, err := g.BlastRadius("gateway", traffic)
		require.NoError(t, err)
		require.Empty(t, got.Affected)
		require.Zero(t, got.Score)
	})
	t.Run("An unknown service is not found.", func(t *testing.T) {
		_, err := g.BlastRadius("nope", nil)
		require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	})
	t.Run("A cycle does not count the failing service among its dependents.", func(t *testing.T) {
		g := depgraph.New([]slorec.Service{svc("a", hard("b")), svc("b", hard("a"))})
		got, err := g.BlastRadius("a", nil)
		require.NoError(t, err)
		require.Len(t, got.Affected, 1)
		require.Equal(t, "b", got.Affected[0].ID)
	})
}

func requireBlastInDelta(t *testing.T, want, got depgraph.BlastRadius) {
	t.Helper()
	const eps = 1e-12
	require.Len(t, got.Affected, len(want.Affected))
	for i := range want.Affected {
		require.InDelta(t, want.Affected[i].Share, got.Affected[i].Share, eps, want.Affected[i].ID)
		got.Affected[i].Share = want.Affected[i].Share
	}
	require.InDelta(t, want.Score, got.Score, eps)
	require.InDelta(t, want.HardScore, got.HardScore, eps)
	require.InDelta(t, want.TrafficShare, got.TrafficShare, eps)
	require.InDelta(t, want.HardTrafficShare, got.HardTrafficShare, eps)
	got.Score, got.HardScore, got.TrafficShare, got.HardTrafficShare = want.Score, want.HardScore, want.TrafficShare, want.HardTrafficShare
	require.Equal(t, want, got)
}
