package backstage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/integrations/backstage"
	"github.com/slorec/slorec/store/inmem"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// exampleDir is Backstage's example catalog (Apache-2.0, Spotify AB), shared
// by the slorec sessions: all-entities.yaml holds every entity, and the
// per-kind folders hold the same entities again, one per file.
const exampleDir = "../../../shared/data/catalog/backstage"

func parseExample(t *testing.T) *backstage.Result {
	t.Helper()
	_, err := os.Stat(filepath.Join(exampleDir, "all-entities.yaml"))
	require.NoError(t, err, "the shared example catalog must be at %s", exampleDir)
	res, err := backstage.ParseDir(exampleDir)
	require.NoError(t, err)
	return res
}

func dep(target string) slorec.Dependency {
	return slorec.Dependency{Target: target, Type: slorec.Sync, Criticality: slorec.Hard, Provenance: slorec.Declared}
}

// TestParseDirImportsTheSharedExample lists everything the example catalog
// becomes, so that a change in the mapping shows up as a readable diff.
func TestParseDirImportsTheSharedExample(t *testing.T) {
	res := parseExample(t)

	svc := func(id string, kind slorec.ServiceKind, tier slorec.Tier, owner string, deps ...slorec.Dependency) slorec.Service {
		return slorec.Service{ID: id, Kind: kind, Tier: tier, Owner: owner, Deps: deps}
	}
	const (
		service   = slorec.KindService
		datastore = slorec.KindDatastore
		low       = slorec.TierLow
		standard  = slorec.TierStandard
	)
	// 12 components (websites are services too) and 1 resource. The two
	// API entities are no nodes: their consumers depend on their
	// providers. Experimental components are low tier.
	require.Equal(t, []slorec.Service{
		svc("artist-lookup", service, low, "team-a", dep("artists-db")),            // dependsOn resource:artists-db
		svc("artists-db", datastore, standard, "team-a"),                           // Resource, spec.type database
		svc("example", service, standard, "user:guest"),                            // website
		svc("petstore", service, standard, "sre", dep("api:searcher")),             // consumesApis searcher: nobody provides it
		svc("playback-order", service, standard, "user:guest"),                     // system audio-playback
		svc("podcast-api", service, low, "team-b"),                                 // experimental
		svc("queue-proxy", service, standard, "team-b"),                            // website
		svc("shuffle-api", service, standard, "user:guest"),                        // system audio-playback
		svc("wayback-archive", service, standard, "team-a"),                        // provides api wayback-archive
		svc("wayback-archive-ingestion", service, standard, "team-d"),              // subcomponentOf: no edge
		svc("wayback-archive-storage", service, standard, "team-a"),                // subcomponentOf: no edge
		svc("wayback-search", service, standard, "team-a", dep("wayback-archive")), // consumes api wayback-archive
		svc("www-artist", service, standard, "team-a", dep("artist-lookup")),       // consumesApis component:artist-lookup
	}, res.Graph.Services)

	// Every service comes from all-entities.yaml, the first file in
	// lexical order; the per-kind files repeat it and are skipped.
	ids := make([]string, len(res.Entities))
	for i, e := range res.Entities {
		ids[i] = e.ID
		require.Equal(t, res.Graph.Services[i].ID, e.ID)
		require.Equal(t, "backstage:all-entities.yaml", e.Provenance)
		require.Equal(t, "all-entities.yaml", e.File)
		require.Positive(t, e.Document)
		require.Positive(t, e.Line)
	}
	lookup := res.Entities[0]
	require.Equal(t, backstage.Entity{
		ID: "artist-lookup", Ref: "component:default/artist-lookup", Provenance: "backstage:all-entities.yaml",
		File: "all-entities.yaml", Document: 3, Line: 25, Type: "service", Lifecycle: "experimental",
		System: "system:default/artist-engagement-portal", Domain: "domain:default/artists",
		Tags: []string{"java", "data"}, TierSource: backstage.TierFromLifecycle,
	}, lookup)
	db := res.Entities[1]
	require.Equal(t, "resource:default/artists-db", db.Ref)
	require.Equal(t, "database", db.Type)
	require.Equal(t, "component:default/wayback-archive", res.Entities[9].SubcomponentOf)

	require.Equal(t, []string{"api:searcher"}, res.MissingNodes)
	require.Equal(t, []backstage.Missing{{
		ID: "api:searcher", Ref: "api:default/searcher",
		Reason: "no component provides the API and no file declares it", From: []string{"petstore"},
	}}, res.Missing)

	require.Equal(t, []backstage.API{
		{Ref: "api:default/petstore", Providers: []string{"petstore"}},
		{Ref: "api:default/playback-order", Providers: []string{"petstore"}},
		{Ref: "api:default/searcher", Consumers: []string{"petstore"}, Node: "api:searcher"},
		{Ref: "api:default/streetlights", Providers: []string{"petstore"}},
		{Ref: "api:default/wayback-archive", Declared: true, Providers: []string{"wayback-archive"}, Consumers: []string{"wayback-search"}},
		{Ref: "api:default/wayback-search", Declared: true, Providers: []string{"wayback-search"}},
	}, res.APIs)

	require.Equal(t, []backstage.System{
		{Ref: "system:default/artist-engagement-portal", Declared: true, Title: "Artist Engagement Portal", Owner: "team-a",
			Domain: "domain:default/artists", Services: []string{"artist-lookup", "artists-db", "www-artist"}},
		{Ref: "system:default/audio-playback", Declared: true, Owner: "team-c",
			Domain: "domain:default/playback", Services: []string{"playback-order", "shuffle-api"}},
		{Ref: "system:default/podcast", Declared: true, Owner: "user:team-b",
			Domain: "domain:default/playback", Services: []string{"podcast-api", "queue-proxy"}},
	}, res.Systems)
	require.Equal(t, []backstage.Domain{
		{Ref: "domain:default/artists", Declared: true, Title: "Artists", Owner: "team-a", Systems: []string{"system:default/artist-engagement-portal"}},
		{Ref: "domain:default/playback", Declared: true, Owner: "user:frank.tiernan", Systems: []string{"system:default/audio-playback", "system:default/podcast"}},
	}, res.Domains)

	// The 20 entities of the per-kind files repeat all-entities.yaml.
	require.Len(t, res.Skipped, 20)
	for _, s := range res.Skipped {
		require.NotEqual(t, "all-entities.yaml", s.File)
		require.Contains(t, s.Reason, "repeats the definition in all-entities.yaml document ")
	}

	require.Equal(t, []backstage.Problem{{
		File: "all-entities.yaml", Document: 14, Line: 212, Ref: "component:default/www-artist",
		Message: "spec.consumesApis names component:default/artist-lookup, which is not an API; read as a dependency on it",
	}}, res.Warnings)
}

// TestSharedExampleGraphIsAcceptedDownstream checks the graph against the
// rules of everything that takes one: the root validation, the store's
// UpsertGraph and dataset's topology reader, which must find the same
// missing nodes.
func TestSharedExampleGraphIsAcceptedDownstream(t *testing.T) {
	res := parseExample(t)
	require.NoError(t, res.Graph.Validate())

	st := inmem.New().Tenant(slorec.DefaultTenant)
	version, err := st.UpsertGraph(context.Background(), res.Graph)
	require.NoError(t, err)
	require.Equal(t, 1, version)
	stored, err := st.Services(context.Background())
	require.NoError(t, err)
	require.Len(t, stored, len(res.Graph.Services))

	data, err := json.Marshal(res.Graph)
	require.NoError(t, err)
	g, missing, err := dataset.ReadTopology(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, res.MissingNodes, missing)
	require.Equal(t, res.Graph, g)
}

// TestSharedExampleGraphGolden pins the graph JSON. Regenerate with
// go test ./integrations/backstage/ -update and review the diff.
func TestSharedExampleGraphGolden(t *testing.T) {
	res := parseExample(t)
	got, err := json.MarshalIndent(res.Graph, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	golden := filepath.Join("testdata", "backstage-graph.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create %s", golden)
	require.Equal(t, string(want), string(got))
}

// TestSharedExampleIsTheSameFileByFile checks that reading the per-kind
// files alone, in any order, gives the graph all-entities.yaml gives.
func TestSharedExampleIsTheSameFileByFile(t *testing.T) {
	all, err := backstage.ParseFiles(filepath.Join(exampleDir, "all-entities.yaml"))
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(exampleDir, "*", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 20)
	for i, j := 0, len(files)-1; i < j; i, j = i+1, j-1 {
		files[i], files[j] = files[j], files[i]
	}
	split, err := backstage.ParseFiles(files...)
	require.NoError(t, err)
	require.Equal(t, all.Graph, split.Graph)
	require.Equal(t, all.MissingNodes, split.MissingNodes)
	require.Equal(t, all.APIs, split.APIs)
	require.Equal(t, all.Systems, split.Systems)
	require.Empty(t, split.Skipped)
}
