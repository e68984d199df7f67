package gen_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/gen"
)

// shop is a small source topology: a gateway, two services, a database, a
// cache, a queue and an external.
const shop = `{"system": "test-shop", "services": [
  {"id": "web", "kind": "service", "deps": ["orders", "catalog"], "evidence": {"orders": "web.go:1"}},
  {"id": "orders", "kind": "service", "deps": ["orders-db", "events", "psp"]},
  {"id": "catalog", "kind": "service", "deps": ["catalog-cache", "orders-db"]},
  {"id": "orders-db", "kind": "datastore", "deps": []},
  {"id": "catalog-cache", "kind": "datastore", "deps": []},
  {"id": "events", "kind": "queue", "deps": []},
  {"id": "psp", "kind": "external", "deps": []}
]}`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func service(t *testing.T, g slorec.Graph, id string) slorec.Service {
	t.Helper()
	i := slices.IndexFunc(g.Services, func(s slorec.Service) bool { return s.ID == id })
	require.GreaterOrEqual(t, i, 0, "no service %q", id)
	return g.Services[i]
}

func dep(t *testing.T, g slorec.Graph, from, to string) slorec.Dependency {
	t.Helper()
	s := service(t, g, from)
	i := slices.IndexFunc(s.Deps, func(d slorec.Dependency) bool { return d.Target == to })
	require.GreaterOrEqual(t, i, 0, "no edge %s -> %s", from, to)
	return s.Deps[i]
}

func TestDetectFormat(t *testing.T) {
	tests := map[string]struct {
		data    string
		want    gen.Format
		wantErr string
	}{
		"Object dependencies should read as the dataset format.": {
			data: `{"services":[{"id":"a","kind":"service","tier":"high","deps":[{"target":"b","type":"sync","criticality":"hard"}]}]}`, want: gen.FormatDataset},
		"Plain id dependencies should read as the source format.": {
			data: `{"services":[{"id":"a","kind":"service","deps":["b"]}]}`, want: gen.FormatSource},
		"Without dependencies, tiers should mean the dataset format.": {
			data: `{"services":[{"id":"a","kind":"service","tier":"high"}]}`, want: gen.FormatDataset},
		"Without dependencies, a system field should mean the source format.": {
			data: `{"system":"x","services":[{"id":"a","kind":"service","deps":[]}]}`, want: gen.FormatSource},
		"Mixed dependency shapes should be refused.": {
			data: `{"services":[{"id":"a","kind":"service","deps":["b",{"target":"c"}]}]}`, wantErr: "mix"},
		"A file without services should be refused.": {
			data: `{"nodes":[]}`, wantErr: `no "services" array`},
		"A dependency that is neither an id nor an object should be refused.": {
			data: `{"services":[{"id":"a","deps":[3]}]}`, wantErr: "want an object"},
		"A file that is not JSON should be refused.": {
			data: `services: []`, wantErr: "not JSON"},
		"A file with nothing to tell the shapes apart should be refused.": {
			data: `{"services":[{"id":"a","kind":"service"}]}`, wantErr: "cannot tell"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := gen.DetectFormat([]byte(tc.data))
			if tc.wantErr != "" {
				require.Error(t, err)
				require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
				require.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestConvertSourceDefaults(t *testing.T) {
	g, err := gen.Convert([]byte(shop), gen.Assumptions{})
	require.NoError(t, err)
	require.Len(t, g.Services, 7)
	for _, s := range g.Services {
		for _, d := range s.Deps {
			require.Equal(t, slorec.Sync, d.Type, "%s -> %s", s.ID, d.Target)
			require.Equal(t, slorec.Hard, d.Criticality, "%s -> %s", s.ID, d.Target)
			require.Equal(t, slorec.Declared, d.Provenance)
			require.Zero(t, d.CallRatio)
		}
	}
	// Derived tiers: the entry point is critical, what it calls high, the
	// rest standard; datastores and friends take their callers' best.
	for id, want := range map[string]slorec.Tier{
		"web": slorec.TierCritical, "orders": slorec.TierHigh, "catalog": slorec.TierHigh,
		"orders-db": slorec.TierHigh, "events": slorec.TierHigh, "psp": slorec.TierHigh,
	} {
		require.Equal(t, want, service(t, g, id).Tier, id)
	}
}

func TestConvertHeuristics(t *testing.T) {
	g, err := gen.Convert([]byte(shop), gen.DefaultAssumptions())
	require.NoError(t, err)
	require.Equal(t, slorec.Async, dep(t, g, "orders", "events").Type, "an edge to a queue is asynchronous")
	require.Equal(t, slorec.Soft, dep(t, g, "catalog", "catalog-cache").Criticality, "a cache is soft")
	require.Equal(t, slorec.Hard, dep(t, g, "catalog", "orders-db").Criticality)
	require.Equal(t, slorec.Sync, dep(t, g, "orders", "psp").Type)
}

func TestConvertAppliesRules(t *testing.T) {
	a := gen.Assumptions{
		Services: []gen.ServiceRule{
			{ID: "psp", Tier: slorec.TierCritical, PublishedSLA: 0.999, Why: "card payments"},
		},
		Edges: []gen.EdgeRule{
			{From: "orders", To: "events", Type: slorec.Async, CallRatio: 0.5},
			{From: "web", To: "catalog", Criticality: slorec.Soft, ParallelGroup: "page"},
			{From: "web", To: "orders", ParallelGroup: "page", CallRatio: 0.1},
			{From: "catalog", To: "orders-db", RedundancyGroup: "db"},
		},
		Drop: []gen.DropRule{{ID: "catalog-cache", Why: "unused"}},
	}
	g, err := gen.Convert([]byte(shop), a)
	require.NoError(t, err)

	psp := service(t, g, "psp")
	require.Equal(t, slorec.TierCritical, psp.Tier)
	require.InDelta(t, 0.999, psp.PublishedSLA, 0)
	require.Equal(t, slorec.Dependency{Target: "events", Type: slorec.Async, Criticality: slorec.Hard, CallRatio: 0.5, Provenance: slorec.Declared},
		dep(t, g, "orders", "events"))
	require.Equal(t, slorec.Dependency{Target: "catalog", Type: slorec.Sync, Criticality: slorec.Soft, ParallelGroup: "page", Provenance: slorec.Declared},
		dep(t, g, "web", "catalog"))
	require.InDelta(t, 0.1, dep(t, g, "web", "orders").CallRatio, 0)
	require.Equal(t, "db", dep(t, g, "catalog", "orders-db").RedundancyGroup)
	require.False(t, slices.ContainsFunc(g.Services, func(s slorec.Service) bool { return s.ID == "catalog-cache" }), "dropped")
	require.Len(t, service(t, g, "catalog").Deps, 1, "the edge to a dropped node goes too")
}

func TestConvertRejectsBadRules(t *testing.T) {
	tests := map[string]struct {
		a    gen.Assumptions
		want string
	}{
		"A rule for an unknown service should be refused.": {
			gen.Assumptions{Services: []gen.ServiceRule{{ID: "nope", Tier: slorec.TierLow}}}, `service rule for "nope"`},
		"A rule for an edge the source lacks should be refused.": {
			gen.Assumptions{Edges: []gen.EdgeRule{{From: "web", To: "psp"}}}, "edge rule for web -> psp"},
		"Two rules for one edge should be refused.": {
			gen.Assumptions{Edges: []gen.EdgeRule{{From: "web", To: "orders"}, {From: "web", To: "orders"}}}, "two edge rules"},
		"A drop rule for an unknown node should be refused.": {
			gen.Assumptions{Drop: []gen.DropRule{{ID: "nope"}}}, `drop rule for "nope"`},
		"A rule for a dropped node should be refused.": {
			gen.Assumptions{Drop: []gen.DropRule{{ID: "psp"}}, Services: []gen.ServiceRule{{ID: "psp"}}}, "which a drop rule removes"},
		"An unknown tier should be refused.": {
			gen.Assumptions{Services: []gen.ServiceRule{{ID: "web", Tier: "gold"}}}, `unknown tier "gold"`},
		"A call ratio above 1 should be refused.": {
			gen.Assumptions{Edges: []gen.EdgeRule{{From: "web", To: "orders", CallRatio: 2}}}, "call ratio 2"},
		"An unknown policy for unknown targets should be refused.": {
			gen.Assumptions{Unknown: "ignore"}, "unknown-target policy"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := gen.Convert([]byte(shop), tc.a)
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestConvertRejectsInvalidTopologies(t *testing.T) {
	tests := map[string]struct {
		data string
		want string
	}{
		"A source kind outside the dataset vocabulary should be refused.": {
			`{"services":[{"id":"a","kind":"lambda","deps":["b"]},{"id":"b","kind":"service","deps":[]}]}`, `unknown kind "lambda"`},
		"A self-dependency should be refused.": {
			`{"services":[{"id":"a","kind":"service","deps":["a"]}]}`, "depends on itself"},
		"A duplicate id should be refused.": {
			`{"services":[{"id":"a","kind":"service","deps":["b"]},{"id":"a","kind":"service","deps":[]}]}`, `declared twice`},
		"An invalid dataset-format file should be refused with its problems.": {
			`{"services":[{"id":"a","kind":"service","tier":"gold","deps":[{"target":"b","type":"sometimes","criticality":"hard"}]}]}`, "unknown type"},
		"An id with a comma should be refused.": {
			`{"services":[{"id":"a,b","kind":"service","deps":["c"]}]}`, "comma"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := gen.Convert([]byte(tc.data), gen.Assumptions{})
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestUnknownTargets(t *testing.T) {
	src := `{"services":[{"id":"web","kind":"service","deps":["ghost","api"]},{"id":"api","kind":"service","deps":["ghost"]}]}`

	t.Run("Unknown targets should stay missing nodes by default.", func(t *testing.T) {
		g, err := gen.Convert([]byte(src), gen.Assumptions{})
		require.NoError(t, err)
		require.Len(t, g.Services, 2)
		data, err := json.Marshal(g)
		require.NoError(t, err)
		_, missing, err := dataset.ReadTopology(bytes.NewReader(data))
		require.NoError(t, err)
		require.Equal(t, []string{"ghost"}, missing)
	})
	t.Run("Unknown targets should become externals when asked.", func(t *testing.T) {
		g, err := gen.Convert([]byte(src), gen.Assumptions{Unknown: gen.AddExternal})
		require.NoError(t, err)
		ghost := service(t, g, "ghost")
		require.Equal(t, slorec.KindExternal, ghost.Kind)
		require.Equal(t, slorec.TierCritical, ghost.Tier, "the highest tier among its callers (web)")
	})
}

func TestFromSourceTopologyErrors(t *testing.T) {
	_, err := gen.FromSourceTopology(filepath.Join(t.TempDir(), "nope.json"), gen.Assumptions{})
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))

	path := writeFile(t, "topology.json", `{"services":[{"id":"a","kind":"service","deps":["a"]}]}`)
	_, err = gen.FromSourceTopology(path, gen.Assumptions{})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	require.True(t, strings.HasPrefix(slorec.ErrorMessage(err), path+": "), "the message names the file: %v", err)
}

func TestLoadTopology(t *testing.T) {
	t.Run("A dataset-format file should come back as it is.", func(t *testing.T) {
		want := slorec.Graph{Services: []slorec.Service{
			{ID: "a", Kind: slorec.KindService, Tier: slorec.TierLow, Deps: []slorec.Dependency{{Target: "b", Type: slorec.Async, Criticality: slorec.Soft, CallRatio: 0.3}}},
			{ID: "b", Kind: slorec.KindQueue, Tier: slorec.TierHigh},
		}}
		data, err := json.Marshal(want)
		require.NoError(t, err)
		g, err := gen.LoadTopology(writeFile(t, "topology.json", string(data)))
		require.NoError(t, err)
		require.Equal(t, want, g)
	})
	t.Run("An unknown source system should get the default assumptions.", func(t *testing.T) {
		g, err := gen.LoadTopology(writeFile(t, "source-topology.json", shop))
		require.NoError(t, err)
		want, err := gen.Convert([]byte(shop), gen.DefaultAssumptions())
		require.NoError(t, err)
		require.Equal(t, want, g)
	})
	t.Run("A built-in source system should get its dataset's assumptions.", func(t *testing.T) {
		root := dataRoot(t)
		spec, ok := gen.Lookup("sock-shop")
		require.True(t, ok)
		path := filepath.Join(root, spec.Source)
		g, err := gen.LoadTopology(path)
		require.NoError(t, err)
		want, err := gen.FromSourceTopology(path, spec.Assumptions)
		require.NoError(t, err)
		require.Equal(t, want, g)
		require.Equal(t, slorec.Async, dep(t, g, "queue-master", "rabbitmq").Type)
	})
}

// TestOnlineBoutiqueFormatsAgree converts both Online Boutique files with
// the dataset's assumptions: they describe the same system, so the graphs
// must agree (up to service order and edge provenance, which only the
// source format sets).
func TestOnlineBoutiqueFormatsAgree(t *testing.T) {
	root := dataRoot(t)
	spec, ok := gen.Lookup("online-boutique")
	require.True(t, ok)
	norm := func(g slorec.Graph) slorec.Graph {
		slices.SortFunc(g.Services, func(a, b slorec.Service) int { return strings.Compare(a.ID, b.ID) })
		for i := range g.Services {
			for j := range g.Services[i].Deps {
				g.Services[i].Deps[j].Provenance = ""
			}
		}
		return g
	}
	a, err := gen.FromSourceTopology(filepath.Join(root, "topology/online-boutique/topology.json"), spec.Assumptions)
	require.NoError(t, err)
	b, err := gen.FromSourceTopology(filepath.Join(root, "topology/online-boutique/source-topology.json"), spec.Assumptions)
	require.NoError(t, err)
	require.Equal(t, norm(a), norm(b))
}
