package corpus

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// shippedDoc is a valid shipped document with the given id.
func shippedDoc(id string) string {
	return "---\nid: " + id + "\nkind: guide\ntitle: T\ntags: [a]\nsource: slorec authors\nlicense: CC-BY-4.0\n---\n## S\n\ntext\n"
}

func TestLoadIsStrictAboutShippedDocuments(t *testing.T) {
	fsys := fstest.MapFS{
		"docs/guides/good.md":      {Data: []byte(shippedDoc("good"))},
		"docs/guides/dup.md":       {Data: []byte(shippedDoc("good"))},
		"docs/guides/no-front.md":  {Data: []byte("# Title\n\ntext\n")},
		"docs/guides/unknown.md":   {Data: []byte("---\nid: unknown\nkind: guide\ntitle: T\nsource: slorec authors\nlicense: CC-BY-4.0\nweight: 3\n---\ntext\n")},
		"docs/guides/bare.md":      {Data: []byte("---\nid: bare\nkind: guide\ntitle: T\n---\ntext\n")},
		"docs/guides/badsource.md": {Data: []byte("---\nid: badsource\nkind: guide\ntitle: T\nsource: [http://insecure.example.com, internal wiki]\nlicense: CC-BY-4.0\ntags: [Not Kebab]\n---\ntext\n")},
		"docs/guides/nokind.md":    {Data: []byte("---\nid: nokind\ntitle: T\nsource: slorec authors\nlicense: CC-BY-4.0\n---\ntext\n")},
		"docs/guides/readme.txt":   {Data: []byte("not markdown, ignored")},
	}
	docs, err := load(fsys, "docs")
	require.Nil(t, docs)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)

	got := map[string][]string{}
	for _, p := range ve.Problems {
		got[p.Path] = append(got[p.Path], p.Field+": "+p.Message)
	}
	require.Equal(t, map[string][]string{
		"docs/guides/badsource.md": {
			`tags: entry 0: "Not Kebab" is not kebab-case`,
			`source: entry 0: "http://insecure.example.com" is neither an https URL nor "slorec authors"`,
			`source: entry 1: "internal wiki" is neither an https URL nor "slorec authors"`,
		},
		"docs/guides/bare.md": {
			`source: missing (URLs the facts come from, or "slorec authors")`,
			"license: missing (the project's own text is CC-BY-4.0)",
		},
		"docs/guides/no-front.md": {"front matter: missing: shipped documents start with a --- block giving id, kind, title, source and license"},
		"docs/guides/nokind.md":   {"kind: missing (want one of runbook, slo-template, policy, provider-sla, postmortem, guide)"},
		"docs/guides/unknown.md":  {"front matter: line 7: field weight is not a known front matter field"},
		"docs/guides/good.md":     {`id: duplicate id "good" (first used by docs/guides/dup.md)`},
	}, got)
}

func TestLoadSortsByID(t *testing.T) {
	fsys := fstest.MapFS{
		"docs/z/a-file.md": {Data: []byte(shippedDoc("zeta"))},
		"docs/a/z-file.md": {Data: []byte(shippedDoc("alpha"))},
		"docs/m.md":        {Data: []byte(shippedDoc("mu"))},
	}
	docs, err := load(fsys, "docs")
	require.NoError(t, err)
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	require.Equal(t, []string{"alpha", "mu", "zeta"}, ids)
}

func TestLoadReportsAMissingRoot(t *testing.T) {
	_, err := load(fstest.MapFS{}, "docs")
	require.ErrorContains(t, err, "walk docs")
}
