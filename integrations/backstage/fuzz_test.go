package backstage_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/integrations/backstage"
)

// FuzzParse checks that Parse never panics on arbitrary bytes, that its
// errors are located problems, and that whatever it accepts is a valid,
// deterministic graph that dataset's topology reader accepts with the same
// missing nodes. Seeds beyond the ones below live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join(exampleDir, "all-entities.yaml")); err == nil {
		f.Add(string(data))
	}
	for _, s := range []string{
		"",
		"---\n",
		entities(
			"Component web@shop type=website consumesApis=orders,maps dependsOn=resource:db,ghost dependencyOf=component:x",
			"Component orders type=service providesApis=orders a:slorec.io/tier=critical a:slorec.io/published-sla=0.999",
			"Resource db@shop type=postgres dependencyOf=component:orders",
			"API maps type=openapi a:slorec.io/kind=external a:slorec.io/providers=redundant",
			"Component lib type=library", "Group team-a type=team", "Widget w",
		),
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: &m {name: a}\nspec: {dependsOn: [*m]}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  <<: {name: a, annotations: {slorec.io/tier: high}}\nspec: {type: service}\n",
		"a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: A}\nspec: {type: x}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: [Component\n",
		"\t- : {",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res, err := backstage.Parse(strings.NewReader(in), "fuzz.yaml")
		if err != nil {
			var perr *backstage.ParseError
			require.ErrorAs(t, err, &perr)
			require.NotEmpty(t, perr.Problems)
			require.LessOrEqual(t, len(perr.Problems), backstage.MaxProblems)
			for _, p := range perr.Problems {
				require.Equal(t, "fuzz.yaml", p.File)
				require.Positive(t, p.Document, p.String())
			}
			return
		}
		require.NoError(t, res.Graph.Validate())
		require.Len(t, res.Entities, len(res.Graph.Services))
		require.True(t, slices.IsSorted(res.MissingNodes))
		again, err := backstage.Parse(strings.NewReader(in), "fuzz.yaml")
		require.NoError(t, err)
		require.Equal(t, res, again)
		if len(res.Graph.Services) == 0 {
			require.Empty(t, res.MissingNodes)
			return
		}
		data, err := json.Marshal(res.Graph)
		require.NoError(t, err)
		g, missing, err := dataset.ReadTopology(bytes.NewReader(data))
		require.NoError(t, err)
		require.Equal(t, res.Graph, g)
		require.Equal(t, res.MissingNodes, missing)
	})
}
