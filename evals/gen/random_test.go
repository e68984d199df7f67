package gen_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/gen"
)

func TestRandomIsDeterministic(t *testing.T) {
	a, b, c := gen.Random(40, 7), gen.Random(40, 7), gen.Random(40, 8)
	require.Equal(t, a, b)
	require.NotEqual(t, a, c)
}

func TestRandomSizes(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 12, 100, 400} {
		g := gen.Random(n, int64(n))
		require.Len(t, g.Services, n, "n=%d", n)
		data, err := json.Marshal(g)
		require.NoError(t, err)
		_, missing, err := dataset.ReadTopology(bytes.NewReader(data))
		require.NoError(t, err, "n=%d: the graph passes the dataset validation", n)
		require.Empty(t, missing, "n=%d", n)
	}
	require.Empty(t, gen.Random(0, 1).Services)
	require.Empty(t, gen.Random(-3, 1).Services)
}

// TestRandomShape checks the promised structure over several seeds.
func TestRandomShape(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		g := gen.Random(100, seed)
		index := map[string]int{}
		for i, s := range g.Services {
			index[s.ID] = i
		}
		var (
			callers, edges, redundant int
			kinds                     = map[slorec.ServiceKind]int{}
			mix                       = map[string]int{}
			called                    = map[string]bool{}
			entries                   int
		)
		for i, s := range g.Services {
			kinds[s.Kind]++
			require.True(t, s.Tier.Valid(), s.ID)
			if len(s.Deps) > 0 {
				callers++
				require.Equal(t, slorec.KindService, s.Kind, "only services call: %s", s.ID)
			}
			for _, d := range s.Deps {
				edges++
				called[d.Target] = true
				mix[string(d.Type)+" "+string(d.Criticality)]++
				require.Greater(t, index[d.Target], i, "%s -> %s points down the layers: no cycles", s.ID, d.Target)
				if d.RedundancyGroup != "" {
					redundant++
				}
			}
		}
		for _, s := range g.Services {
			if !called[s.ID] {
				entries++
				require.Equal(t, slorec.TierCritical, s.Tier, "entry %s", s.ID)
			}
		}
		require.Equal(t, 5, entries, "seed %d: one entry gateway per 20 nodes", seed)
		avg := float64(edges) / float64(callers)
		require.True(t, avg >= 4 && avg <= 6.5, "seed %d: %.2f edges per calling service, want about 5", seed, avg)
		for _, k := range []slorec.ServiceKind{slorec.KindService, slorec.KindDatastore, slorec.KindQueue, slorec.KindExternal} {
			require.Positive(t, kinds[k], "seed %d: kind %s", seed, k)
		}
		for _, m := range []string{"sync hard", "sync soft", "async hard"} {
			require.Positive(t, mix[m], "seed %d: %s edges", seed, m)
		}
		require.Greater(t, mix["sync hard"], edges/2, "seed %d: mostly hard sync", seed)
		require.GreaterOrEqual(t, redundant, 2*3, "seed %d: about one redundancy group (two members) per 25 nodes", seed)
	}
}
