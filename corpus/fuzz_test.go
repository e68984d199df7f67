package corpus_test

import (
	"testing"

	"github.com/slorec/slorec/corpus"
)

// FuzzParse feeds arbitrary files to Parse. Parse must not panic, and a
// document it accepts must validate on its own.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"# Title\n\nbody\n",
		"---\nid: a\nkind: runbook\ntitle: T\n---\n## S\n\ntext\n",
		"---\ntitle: x\nweight: 20\n---\n",
		"---\n---\n",
		"---\nid: [\n---\nbody",
		"---",
		"\uFEFF---\r\nsource: [a, b]\r\n...\r\n# H\r\n",
		"```\n# in fence\n```\n# real\n",
		"---\nslas: [{offering: a, availability: 2}]\nkind: provider-sla\n---\n# T\nx",
	}
	for _, s := range seeds {
		f.Add("docs/SomeFile.md", []byte(s))
	}
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		d, err := corpus.Parse(path, data)
		if err != nil {
			return
		}
		if verr := d.Validate(); verr != nil {
			t.Fatalf("Parse accepted a document that does not validate: %v", verr)
		}
		if d.ID == "" || d.Title == "" || d.Body == "" || !corpus.ValidKind(d.Kind) {
			t.Fatalf("Parse accepted an incomplete document: %+v", d)
		}
	})
}
