package backstage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/backstage"
)

const file = "catalog-info.yaml"

// parse imports one stream and checks what every result must satisfy.
func parse(t *testing.T, in string) *backstage.Result {
	t.Helper()
	res, err := backstage.Parse(strings.NewReader(in), file)
	require.NoError(t, err)
	require.NoError(t, res.Graph.Validate())
	require.Len(t, res.Entities, len(res.Graph.Services))
	return res
}

// graph returns the services as id -> service.
func graph(res *backstage.Result) map[string]slorec.Service {
	m := map[string]slorec.Service{}
	for _, s := range res.Graph.Services {
		m[s.ID] = s
	}
	return m
}

func messages(res *backstage.Result) []string {
	var out []string
	for _, w := range res.Warnings {
		out = append(out, w.Message)
	}
	return out
}

func soft(target string) slorec.Dependency {
	d := dep(target)
	d.Criticality = slorec.Soft
	return d
}

func async(target string) slorec.Dependency {
	d := dep(target)
	d.Type = slorec.Async
	return d
}

func grouped(target, group string) slorec.Dependency {
	d := dep(target)
	d.RedundancyGroup = group
	return d
}

func TestParseErrors(t *testing.T) {
	const good = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: good
spec:
  type: service
`
	tests := map[string]struct {
		in   string
		want []backstage.Problem // messages compared by prefix
	}{
		"Malformed YAML should error, naming the file, document and line.": {
			in:   good + "---\napiVersion: backstage.io/v1alpha1\nkind: [Component\n",
			want: []backstage.Problem{{File: file, Document: 2, Line: 9, Message: "malformed YAML: did not find expected ',' or ']'"}},
		},
		"An entity without metadata.name should error.": {
			in:   good + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  title: Nameless\n",
			want: []backstage.Problem{{File: file, Document: 2, Line: 11, Message: "metadata.name is missing"}},
		},
		"An entity with an empty name should error.": {
			in:   "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ''\n",
			want: []backstage.Problem{{File: file, Document: 1, Line: 4, Message: "metadata.name is empty"}},
		},
		"An entity without metadata should error.": {
			in:   "apiVersion: backstage.io/v1alpha1\nkind: Component\nspec: {}\n",
			want: []backstage.Problem{{File: file, Document: 1, Line: 1, Message: "metadata is missing"}},
		},
		"A document without kind should error.": {
			in:   "apiVersion: backstage.io/v1alpha1\nmetadata:\n  name: x\n",
			want: []backstage.Problem{{File: file, Document: 1, Line: 1, Message: "kind is missing"}},
		},
		"A document without apiVersion should error.": {
			in:   "kind: Component\nmetadata:\n  name: x\n",
			want: []backstage.Problem{{File: file, Document: 1, Line: 1, Message: "apiVersion is missing"}},
		},
		"A document that is a list should error.": {
			in:   "- a\n- b\n",
			want: []backstage.Problem{{File: file, Document: 1, Line: 1, Message: "document is not a mapping"}},
		},
		"A repeated mapping key should error as malformed YAML.": {
			in:   "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  name: y\n",
			want: []backstage.Problem{{File: file, Document: 1, Line: 5, Message: `malformed YAML: mapping key "name" is defined twice`}},
		},
		"Every bad document of a stream should be reported at once.": {
			in: "kind: Component\n---\n" + good + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: [x]}\n",
			want: []backstage.Problem{
				{File: file, Document: 1, Line: 1, Message: "apiVersion is missing"},
				{File: file, Document: 3, Line: 12, Message: "metadata.name is a list, want a string"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := backstage.Parse(strings.NewReader(tc.in), file)
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			var perr *backstage.ParseError
			require.ErrorAs(t, err, &perr)
			require.Len(t, perr.Problems, len(tc.want), "%v", perr)
			for i, w := range tc.want {
				got := perr.Problems[i]
				require.True(t, strings.HasPrefix(got.Message, w.Message), "problem %d: %q does not start with %q", i, got.Message, w.Message)
				got.Message = w.Message
				require.Equal(t, w, got)
			}
			require.Contains(t, slorec.ErrorMessage(err), file+":")
		})
	}
}

func TestParseDirReportsEveryFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("a/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {}\n")
	write("b/catalog-info.yml", "apiVersion: backstage.io/v1alpha1\nkind: [Component\n")
	write("c/README.md", "not yaml: [")
	write(".git/config.yaml", "not: [yaml")
	_, err := backstage.ParseDir(dir)
	var perr *backstage.ParseError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Problems, 2, "%v", perr)
	require.Equal(t, "a/catalog-info.yaml", perr.Problems[0].File)
	require.Equal(t, "metadata.name is missing", perr.Problems[0].Message)
	require.Equal(t, "b/catalog-info.yml", perr.Problems[1].File)
	require.Equal(t, 1, perr.Problems[1].Document)
	require.Equal(t, 2, perr.Problems[1].Line)
}

func TestParseFilesAndDirNotFound(t *testing.T) {
	_, err := backstage.ParseFiles(filepath.Join(t.TempDir(), "nope.yaml"))
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	_, err = backstage.ParseDir(filepath.Join(t.TempDir(), "nope"))
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	_, err = backstage.ParseDir(t.TempDir())
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err), "a tree without YAML files is not a catalog")
}

func TestSkippedEntities(t *testing.T) {
	tests := map[string]struct {
		in       string
		services []string
		skipped  string // reason of the one skipped entity
		warning  string // substring of the one warning; "" for none
	}{
		"An unknown kind should be skipped with a warning.": {
			in: `apiVersion: backstage.io/v1alpha1
kind: Widget
metadata: {name: w}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: a}
spec: {type: service}
`,
			services: []string{"a"},
			skipped:  `unknown kind "Widget" (slorec reads Component, Resource, API, System and Domain)`,
			warning:  `unknown kind "Widget"`,
		},
		"Another apiVersion should be skipped with a warning.": {
			in:       "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
			services: []string{},
			skipped:  `apiVersion "apps/v1" is not a backstage.io one; not a catalog entity slorec reads`,
			warning:  `apiVersion "apps/v1"`,
		},
		"An invalid name should be skipped with a warning.": {
			in:       "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: 'two words'}\n",
			services: []string{},
			skipped:  `metadata.name "two words" is not sequences of [a-zA-Z0-9] separated by one of "-_."`,
			warning:  "metadata.name",
		},
		"Groups should be skipped without a warning.": {
			in:       "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n",
			services: []string{},
			skipped:  "Group entities are not runtime nodes",
		},
		"A library should be skipped without a warning.": {
			in:       "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: lib}\nspec: {type: library}\n",
			services: []string{},
			skipped:  "library: linked into its dependents, not a runtime node (set slorec.io/kind to make it one)",
		},
		"A malformed dependsOn should skip the entity with a warning.": {
			in:       "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: service, dependsOn: 'resource:db'}\n",
			services: []string{},
			skipped:  `bad values: spec.dependsOn is the string "resource:db", want a list of entity references`,
			warning:  "entity skipped",
		},
		"A bad reference in consumesApis should skip the entity with a warning.": {
			in:       "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: service, consumesApis: ['api:']}\n",
			services: []string{},
			skipped:  `bad values: spec.consumesApis: entity reference "api:": name is empty`,
			warning:  "entity skipped",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := parse(t, tc.in)
			ids := []string{}
			for _, s := range res.Graph.Services {
				ids = append(ids, s.ID)
			}
			require.Equal(t, tc.services, ids)
			require.Len(t, res.Skipped, 1)
			require.Equal(t, tc.skipped, res.Skipped[0].Reason)
			require.Equal(t, file, res.Skipped[0].File)
			require.Equal(t, 1, res.Skipped[0].Document)
			if tc.warning == "" {
				require.Empty(t, res.Warnings)
				return
			}
			require.Len(t, res.Warnings, 1, "%v", res.Warnings)
			require.Contains(t, res.Warnings[0].Message, tc.warning)
			require.Equal(t, 1, res.Warnings[0].Document)
			require.Positive(t, res.Warnings[0].Line)
		})
	}
}

func TestEmptyDocumentsAreIgnored(t *testing.T) {
	res := parse(t, "---\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {type: service}\n---\n")
	require.Len(t, res.Graph.Services, 1)
	require.Equal(t, 2, res.Entities[0].Document, "empty documents count, so indexes match the file")
	require.Empty(t, res.Warnings)
}

// entities is a tiny fixture language: one entity per line,
// "Kind name[@namespace] field=value,value field=value ...". A field whose
// name starts with "a:" is an annotation, "l:" a label.
func entities(lines ...string) string {
	var b strings.Builder
	for i, line := range lines {
		if i > 0 {
			b.WriteString("---\n")
		}
		f := strings.Fields(line)
		name, ns, _ := strings.Cut(f[1], "@")
		b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: " + f[0] + "\nmetadata:\n  name: " + name + "\n")
		if ns != "" {
			b.WriteString("  namespace: " + ns + "\n")
		}
		var spec, ann, lab []string
		for _, kv := range f[2:] {
			k, v, _ := strings.Cut(kv, "=")
			switch {
			case strings.HasPrefix(k, "a:"):
				ann = append(ann, "    "+k[2:]+": '"+strings.ReplaceAll(v, ",", ", ")+"'")
			case strings.HasPrefix(k, "l:"):
				lab = append(lab, "    "+k[2:]+": '"+v+"'")
			case k == "tags":
				b.WriteString("  tags: [" + v + "]\n")
			case k == "dependsOn" || k == "dependencyOf" || k == "consumesApis" || k == "providesApis":
				spec = append(spec, "  "+k+": ["+v+"]")
			default:
				spec = append(spec, "  "+k+": "+v)
			}
		}
		if len(ann) > 0 {
			b.WriteString("  annotations:\n" + strings.Join(ann, "\n") + "\n")
		}
		if len(lab) > 0 {
			b.WriteString("  labels:\n" + strings.Join(lab, "\n") + "\n")
		}
		if len(spec) > 0 {
			b.WriteString("spec:\n" + strings.Join(spec, "\n") + "\n")
		}
	}
	return b.String()
}

func TestReferences(t *testing.T) {
	tests := map[string]struct {
		in       []string
		deps     map[string][]slorec.Dependency // id -> deps, for the ids listed
		missing  []backstage.Missing
		warnings []string
	}{
		"A dangling dependsOn should become a missing node.": {
			in:      []string{"Component a type=service dependsOn=resource:db,component:b"},
			deps:    map[string][]slorec.Dependency{"a": {dep("b"), dep("db")}},
			missing: []backstage.Missing{{ID: "b", Ref: "component:default/b", Reason: "not in the catalog", From: []string{"a"}}, {ID: "db", Ref: "resource:default/db", Reason: "not in the catalog", From: []string{"a"}}},
		},
		"References should default to the entity's own namespace.": {
			in: []string{
				"Component a@ops type=service dependsOn=resource:db",
				"Resource db@ops type=postgres",
				"Resource db type=postgres",
			},
			deps: map[string][]slorec.Dependency{"ops/a": {dep("ops/db")}, "ops/db": nil, "db": nil},
		},
		"A namespace given in full should be honoured.": {
			in: []string{
				"Component a@ops type=service dependsOn=resource:default/db,component:payments/charge",
				"Resource db type=postgres",
			},
			deps:    map[string][]slorec.Dependency{"ops/a": {dep("db"), dep("payments/charge")}},
			missing: []backstage.Missing{{ID: "payments/charge", Ref: "component:payments/charge", Reason: "not in the catalog", From: []string{"ops/a"}}},
		},
		"References should be case-insensitive.": {
			in: []string{
				"Component Front type=service dependsOn=Component:Default/Back",
				"component BACK type=service",
			},
			deps: map[string][]slorec.Dependency{"front": {dep("back")}, "back": nil},
		},
		"A kindless dependsOn should resolve to the resource of that name, with a warning.": {
			in:       []string{"Component a type=service dependsOn=db", "Resource db type=database"},
			deps:     map[string][]slorec.Dependency{"a": {dep("db")}},
			warnings: []string{`spec.dependsOn entry "db" has no kind, which Backstage rejects; read as resource:default/db`},
		},
		"A kindless dependsOn naming nothing should be taken for a component.": {
			in:       []string{"Component a type=service dependsOn=ghost"},
			deps:     map[string][]slorec.Dependency{"a": {dep("ghost")}},
			missing:  []backstage.Missing{{ID: "ghost", Ref: "component:default/ghost", Reason: "not in the catalog", From: []string{"a"}}},
			warnings: []string{`spec.dependsOn entry "ghost" has no kind, which Backstage rejects; read as component:default/ghost`},
		},
		"dependencyOf should make the reverse edge.": {
			in:   []string{"Component a type=service", "Resource db type=redis dependencyOf=component:a"},
			deps: map[string][]slorec.Dependency{"a": {dep("db")}, "db": nil},
		},
		"dependencyOf naming an undeclared entity should drop the edge with a warning.": {
			in:       []string{"Resource db type=redis dependencyOf=component:ghost"},
			deps:     map[string][]slorec.Dependency{"db": nil},
			warnings: []string{"spec.dependencyOf names component:default/ghost, which is not a node of the graph; edge dropped"},
		},
		"A component and a resource sharing a name should get distinct ids.": {
			in:   []string{"Component search type=service dependsOn=resource:search", "Resource search type=elasticsearch"},
			deps: map[string][]slorec.Dependency{"search": {dep("resource:search")}, "resource:search": nil},
		},
		"A cycle should be kept, not rejected.": {
			in:   []string{"Component a type=service dependsOn=component:b", "Component b type=service dependsOn=component:a"},
			deps: map[string][]slorec.Dependency{"a": {dep("b")}, "b": {dep("a")}},
		},
		"A dependency on a library should be dropped with a warning.": {
			in:       []string{"Component a type=service dependsOn=component:lib", "Component lib type=library"},
			deps:     map[string][]slorec.Dependency{"a": nil},
			warnings: []string{"depends on component:default/lib, a library, which is linked into its dependents; edge dropped"},
		},
		"A dependency on a system should be ignored with a warning.": {
			in:       []string{"Component a type=service dependsOn=system:shop"},
			deps:     map[string][]slorec.Dependency{"a": nil},
			warnings: []string{"spec.dependsOn names system:default/shop; a system is not a runtime dependency, ignored"},
		},
		"A dependency on an entity skipped for bad values should be a missing node saying so.": {
			in:   []string{"Component a type=service dependsOn=component:b", "Component b type=[service]"},
			deps: map[string][]slorec.Dependency{"a": {dep("b")}},
			missing: []backstage.Missing{{ID: "b", Ref: "component:default/b", From: []string{"a"},
				Reason: "the entity was skipped: bad values: spec.type is a list, want a string"}},
			warnings: []string{"spec.type is a list, want a string; entity skipped"},
		},
		"Resource types should map to kinds, unknown ones to datastore with a warning.": {
			in: []string{
				"Component a type=service dependsOn=resource:db,resource:events,resource:k8s,resource:stripe",
				"Resource db type=PostgreSQL", "Resource events type=kafka-topic", "Resource k8s type=kubernetes-cluster", "Resource stripe type=saas",
			},
			deps:     map[string][]slorec.Dependency{"a": {dep("db"), dep("events"), dep("k8s"), dep("stripe")}},
			warnings: []string{`spec.type "kubernetes-cluster" is not in the resource mapping; treated as a datastore (set slorec.io/kind to choose)`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := parse(t, entities(tc.in...))
			g := graph(res)
			for id, deps := range tc.deps {
				s, ok := g[id]
				require.True(t, ok, "no service %q in %v", id, res.Graph.Services)
				require.Equal(t, deps, s.Deps, id)
			}
			require.Equal(t, tc.missing, res.Missing)
			require.Equal(t, tc.warnings, messages(res))
		})
	}
}

func TestResourceKinds(t *testing.T) {
	res := parse(t, entities("Resource db type=PostgreSQL", "Resource events type=kafka-topic", "Resource k8s type=kubernetes-cluster", "Resource stripe type=saas", "Resource bucket type=s3-bucket a:slorec.io/kind=external"))
	kinds := map[string]slorec.ServiceKind{}
	for _, s := range res.Graph.Services {
		kinds[s.ID] = s.Kind
	}
	require.Equal(t, map[string]slorec.ServiceKind{
		"db": slorec.KindDatastore, "events": slorec.KindQueue, "k8s": slorec.KindDatastore,
		"stripe": slorec.KindExternal, "bucket": slorec.KindExternal,
	}, kinds)
}

func TestAPIResolution(t *testing.T) {
	tests := map[string]struct {
		in       []string
		deps     map[string][]slorec.Dependency
		api      backstage.API // the API whose Ref matches
		missing  []backstage.Missing
		warnings []string
	}{
		"A consumer of an API should depend on its provider.": {
			in:   []string{"Component web type=website consumesApis=orders", "Component orders-svc type=service providesApis=orders", "API orders type=openapi"},
			deps: map[string][]slorec.Dependency{"web": {dep("orders-svc")}, "orders-svc": nil},
			api:  backstage.API{Ref: "api:default/orders", Declared: true, Providers: []string{"orders-svc"}, Consumers: []string{"web"}},
		},
		"A consumer of an API with several providers should depend on every one, with a warning.": {
			in: []string{
				"Component web type=website consumesApis=orders",
				"Component orders-eu type=service providesApis=orders",
				"Component orders-us type=service providesApis=api:default/orders",
			},
			deps:     map[string][]slorec.Dependency{"web": {dep("orders-eu"), dep("orders-us")}},
			api:      backstage.API{Ref: "api:default/orders", Providers: []string{"orders-eu", "orders-us"}, Consumers: []string{"web"}},
			warnings: []string{"2 components provide the API; its consumers depend on every one (annotate the API with slorec.io/providers: redundant if any one serves a call)"},
		},
		"Redundant providers should form one redundancy group named after the API.": {
			in: []string{
				"Component web type=website consumesApis=orders",
				"Component orders-eu type=service providesApis=orders",
				"Component orders-us type=service providesApis=orders",
				"API orders type=grpc a:slorec.io/providers=redundant",
			},
			deps: map[string][]slorec.Dependency{"web": {grouped("orders-eu", "orders"), grouped("orders-us", "orders")}},
			api:  backstage.API{Ref: "api:default/orders", Declared: true, Redundant: true, Providers: []string{"orders-eu", "orders-us"}, Consumers: []string{"web"}},
		},
		"A provider also named in dependsOn should not stay in the redundancy group.": {
			in: []string{
				"Component web type=website consumesApis=orders dependsOn=component:orders-eu",
				"Component orders-eu type=service providesApis=orders",
				"Component orders-us type=service providesApis=orders",
				"API orders type=grpc a:slorec.io/providers=redundant",
			},
			deps: map[string][]slorec.Dependency{"web": {dep("orders-eu"), grouped("orders-us", "orders")}},
			api:  backstage.API{Ref: "api:default/orders", Declared: true, Redundant: true, Providers: []string{"orders-eu", "orders-us"}, Consumers: []string{"web"}},
		},
		"A declared API without provider should be a missing node.": {
			in:   []string{"Component web type=website consumesApis=maps", "API maps type=openapi"},
			deps: map[string][]slorec.Dependency{"web": {dep("api:maps")}},
			api:  backstage.API{Ref: "api:default/maps", Declared: true, Consumers: []string{"web"}, Node: "api:maps"},
			missing: []backstage.Missing{{ID: "api:maps", Ref: "api:default/maps", From: []string{"web"},
				Reason: "no component provides the API (annotate it with slorec.io/kind if it is a third party's)"}},
		},
		"An API without provider annotated with a kind should be a node with its SLA.": {
			in:   []string{"Component web type=website consumesApis=maps", "API maps type=openapi a:slorec.io/kind=external a:slorec.io/published-sla=0.9995"},
			deps: map[string][]slorec.Dependency{"web": {dep("api:maps")}, "api:maps": nil},
			api:  backstage.API{Ref: "api:default/maps", Declared: true, Consumers: []string{"web"}, Node: "api:maps"},
		},
		"A component consuming its own API should not depend on itself.": {
			in:       []string{"Component a type=service providesApis=x consumesApis=x"},
			deps:     map[string][]slorec.Dependency{"a": nil},
			api:      backstage.API{Ref: "api:default/x", Providers: []string{"a"}, Consumers: []string{"a"}},
			warnings: []string{"depends on itself through api:default/x; edge dropped"},
		},
		"An API in another namespace should be resolved there.": {
			in: []string{
				"Component web type=website consumesApis=payments/charge",
				"Component charger@payments type=service providesApis=charge",
			},
			deps: map[string][]slorec.Dependency{"web": {dep("payments/charger")}},
			api:  backstage.API{Ref: "api:payments/charge", Providers: []string{"payments/charger"}, Consumers: []string{"web"}},
		},
		"dependsOn naming an API should resolve like consumesApis.": {
			in:   []string{"Component web type=website dependsOn=api:orders", "Component orders-svc type=service providesApis=orders"},
			deps: map[string][]slorec.Dependency{"web": {dep("orders-svc")}},
			api:  backstage.API{Ref: "api:default/orders", Providers: []string{"orders-svc"}, Consumers: []string{"web"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := parse(t, entities(tc.in...))
			g := graph(res)
			for id, deps := range tc.deps {
				s, ok := g[id]
				require.True(t, ok, "no service %q in %v", id, res.Graph.Services)
				require.Equal(t, deps, s.Deps, id)
			}
			var got *backstage.API
			for i := range res.APIs {
				if res.APIs[i].Ref == tc.api.Ref {
					got = &res.APIs[i]
				}
			}
			require.NotNil(t, got, "no API %s in %v", tc.api.Ref, res.APIs)
			require.Equal(t, tc.api, *got)
			require.Equal(t, tc.missing, res.Missing)
			require.Equal(t, tc.warnings, messages(res))
		})
	}
	t.Run("An annotated API node should carry its kind, tier and SLA.", func(t *testing.T) {
		res := parse(t, entities("Component web type=website consumesApis=maps", "API maps type=openapi owner=geo a:slorec.io/kind=external a:slorec.io/published-sla=0.9995 a:slorec.io/tier=high"))
		require.Equal(t, slorec.Service{ID: "api:maps", Kind: slorec.KindExternal, Tier: slorec.TierHigh, Owner: "geo", PublishedSLA: 0.9995}, graph(res)["api:maps"])
		require.Empty(t, res.Missing)
	})
}

func TestTierAndPublishedSLA(t *testing.T) {
	tests := map[string]struct {
		line     string
		tier     slorec.Tier
		source   string
		sla      float64
		warnings []string
	}{
		"The tier annotation should win.": {
			line: "Component a type=service lifecycle=experimental tags=tier-low a:slorec.io/tier=Critical l:slorec.io/tier=high",
			tier: slorec.TierCritical, source: backstage.TierFromAnnotation,
		},
		"The tier label should come next.": {
			line: "Component a type=service lifecycle=experimental tags=tier-low l:slorec.io/tier=high",
			tier: slorec.TierHigh, source: backstage.TierFromLabel,
		},
		"A tier tag should come next.": {
			line: "Component a type=service lifecycle=experimental tags=java,tier:high",
			tier: slorec.TierHigh, source: backstage.TierFromTag,
		},
		"An experimental lifecycle should make the tier low.": {
			line: "Component a type=service lifecycle=experimental",
			tier: slorec.TierLow, source: backstage.TierFromLifecycle,
		},
		"Without any hint the tier should be standard.": {
			line: "Component a type=service lifecycle=production",
			tier: slorec.TierStandard, source: backstage.TierFromDefault,
		},
		"A bad tier annotation should be ignored with a warning.": {
			line: "Component a type=service a:slorec.io/tier=gold",
			tier: slorec.TierStandard, source: backstage.TierFromDefault,
			warnings: []string{`annotation slorec.io/tier is "gold", want critical, high, standard or low; ignored`},
		},
		"The published SLA should be read as a ratio.": {
			line: "Component a type=service a:slorec.io/published-sla=0.9995",
			tier: slorec.TierStandard, source: backstage.TierFromDefault, sla: 0.9995,
		},
		"A published SLA given as a percentage should be refused with a warning.": {
			line: "Component a type=service a:slorec.io/published-sla=99.95",
			tier: slorec.TierStandard, source: backstage.TierFromDefault,
			warnings: []string{`annotation slorec.io/published-sla is "99.95", which looks like a percentage; it is a ratio ("0.9995" for 99.95%); ignored`},
		},
		"A published SLA that is no number should be refused with a warning.": {
			line: "Component a type=service a:slorec.io/published-sla=99.95%",
			tier: slorec.TierStandard, source: backstage.TierFromDefault,
			warnings: []string{`annotation slorec.io/published-sla is "99.95%", want a ratio such as "0.9995"; ignored`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := parse(t, entities(tc.line))
			require.Len(t, res.Graph.Services, 1)
			require.Equal(t, tc.tier, res.Graph.Services[0].Tier)
			require.Equal(t, tc.source, res.Entities[0].TierSource)
			require.Equal(t, tc.sla, res.Graph.Services[0].PublishedSLA)
			require.Equal(t, tc.warnings, messages(res))
		})
	}
}

func TestSoftAndAsyncAnnotations(t *testing.T) {
	tests := map[string]struct {
		in       []string
		deps     []slorec.Dependency // of a
		warnings []string
	}{
		"Listed dependencies should be soft or async.": {
			in: []string{
				"Component a type=service dependsOn=resource:cache,resource:events,resource:db a:slorec.io/soft-dependencies=resource:cache a:slorec.io/async-dependencies=events",
				"Resource cache type=redis", "Resource events type=kafka-topic", "Resource db type=postgres",
			},
			deps: []slorec.Dependency{soft("cache"), dep("db"), async("events")},
		},
		"An API listed as soft should soften the edges to its providers.": {
			in:   []string{"Component a type=service consumesApis=recs a:slorec.io/soft-dependencies=api:recs", "Component recs-svc type=service providesApis=recs"},
			deps: []slorec.Dependency{soft("recs-svc")},
		},
		"A target reached both softly and hardly should stay hard.": {
			in: []string{
				"Component a type=service consumesApis=recs dependsOn=component:recs-svc a:slorec.io/soft-dependencies=api:recs",
				"Component recs-svc type=service providesApis=recs",
			},
			deps: []slorec.Dependency{dep("recs-svc")},
		},
		"A listed entry that is no dependency should be warned about.": {
			in:       []string{"Component a type=service dependsOn=resource:db a:slorec.io/soft-dependencies=resource:cache", "Resource db type=postgres"},
			deps:     []slorec.Dependency{dep("db")},
			warnings: []string{`annotation slorec.io/soft-dependencies names "resource:cache", which is no dependency of this entity; ignored`},
		},
		"The dependent's annotations should apply to dependencyOf edges.": {
			in:   []string{"Component a type=service a:slorec.io/soft-dependencies=cache", "Resource cache type=redis dependencyOf=component:a"},
			deps: []slorec.Dependency{soft("cache")},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := parse(t, entities(tc.in...))
			require.Equal(t, tc.deps, graph(res)["a"].Deps)
			require.Equal(t, tc.warnings, messages(res))
		})
	}
}

func TestRepeatedEntities(t *testing.T) {
	a := entities("Component a type=service owner=team-a")
	b := entities("Component a type=service owner=team-b")
	t.Run("An identical repeat should be skipped quietly.", func(t *testing.T) {
		res := parse(t, a+"---\n"+a)
		require.Len(t, res.Graph.Services, 1)
		require.Equal(t, []backstage.Skipped{{Ref: "component:default/a", Kind: "Component", File: file, Document: 2, Line: 9, Reason: "repeats the definition in catalog-info.yaml document 1"}}, res.Skipped)
		require.Empty(t, res.Warnings)
	})
	t.Run("A differing repeat should lose to the first, with a warning.", func(t *testing.T) {
		res := parse(t, a+"---\n"+b)
		require.Equal(t, "team-a", res.Graph.Services[0].Owner)
		require.Equal(t, []string{"conflicts with the definition in catalog-info.yaml document 1, which wins"}, messages(res))
	})
}

func TestParseIsDeterministic(t *testing.T) {
	lines := []string{
		"Component web type=website consumesApis=orders,maps dependsOn=resource:db,component:ghost",
		"Component orders-eu type=service providesApis=orders dependsOn=resource:db",
		"Component orders-us type=service providesApis=orders dependsOn=resource:db",
		"Resource db type=postgres system=shop",
		"API maps type=openapi",
		"System shop owner=team-a domain=retail",
	}
	first := parse(t, entities(lines...))
	again := parse(t, entities(lines...))
	require.Equal(t, first, again)
	reversed := make([]string, len(lines))
	for i, l := range lines {
		reversed[len(lines)-1-i] = l
	}
	other := parse(t, entities(reversed...))
	require.Equal(t, first.Graph, other.Graph)
	require.Equal(t, first.MissingNodes, other.MissingNodes)
	require.Equal(t, first.APIs, other.APIs)
	require.Equal(t, first.Systems, other.Systems)
	require.Equal(t, first.Domains, other.Domains)
}

func TestParseErrorUnwrapsToEINVALID(t *testing.T) {
	_, err := backstage.Parse(strings.NewReader("- not an entity\n"), "")
	var appErr *slorec.Error
	require.True(t, errors.As(err, &appErr))
	require.Equal(t, slorec.EINVALID, appErr.Code)
	require.Contains(t, appErr.Message, "-:1: document 1: document is not a mapping")
}

func TestYAMLAnchorsAndMergeKeys(t *testing.T) {
	res := parse(t, `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  <<: {name: checkout, annotations: &ann {slorec.io/tier: critical}}
spec: &spec
  type: service
  dependsOn: [resource:db]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: payments, annotations: *ann}
spec: *spec
`)
	require.Equal(t, []slorec.Service{
		{ID: "checkout", Kind: slorec.KindService, Tier: slorec.TierCritical, Deps: []slorec.Dependency{dep("db")}},
		{ID: "payments", Kind: slorec.KindService, Tier: slorec.TierCritical, Deps: []slorec.Dependency{dep("db")}},
	}, res.Graph.Services)
	require.Equal(t, []string{"db"}, res.MissingNodes)
}

func TestSystemsAndDomains(t *testing.T) {
	res := parse(t, entities(
		"Component a type=service system=shop",
		"Resource db type=postgres system=shop",
		"Component b type=service system=ghost",
		"System shop owner=team-a domain=retail",
	))
	require.Equal(t, []backstage.System{
		{Ref: "system:default/ghost", Services: []string{"b"}},
		{Ref: "system:default/shop", Declared: true, Owner: "team-a", Domain: "domain:default/retail", Services: []string{"a", "db"}},
	}, res.Systems)
	require.Equal(t, []backstage.Domain{{Ref: "domain:default/retail", Systems: []string{"system:default/shop"}}}, res.Domains)
	require.Equal(t, "domain:default/retail", graphEntity(res, "db").Domain)
	require.Equal(t, []string{"spec.system names system:default/ghost, which no file declares"}, messages(res))
}

func graphEntity(res *backstage.Result, id string) backstage.Entity {
	for _, e := range res.Entities {
		if e.ID == id {
			return e
		}
	}
	return backstage.Entity{}
}

func TestOwnersAreCompact(t *testing.T) {
	res := parse(t, entities(
		"Component a type=service owner=team-a",
		"Component b@ops type=service owner=sre",
		"Component c type=service owner=user:default/jane",
		"Component d type=service owner=group:ops/sre",
		"Component e type=service owner=petstore@example.com",
	))
	owners := map[string]string{}
	for _, s := range res.Graph.Services {
		owners[s.ID] = s.Owner
	}
	require.Equal(t, map[string]string{
		"a": "team-a", "ops/b": "ops/sre", "c": "user:jane", "d": "ops/sre",
		"e": "petstore@example.com", // no valid reference: kept as written
	}, owners)
	require.Empty(t, res.Warnings)
}
