package corpus_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/corpus"
)

// doc builds a Markdown file from front matter lines and a body.
func doc(front string, body string) []byte {
	return []byte("---\n" + front + "\n---\n" + body)
}

const okBody = "## Section\n\nSome text.\n"

func problems(t *testing.T, err error) []corpus.Problem {
	t.Helper()
	var ve *corpus.ValidationError
	require.ErrorAs(t, err, &ve)
	return ve.Problems
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		path  string
		data  []byte
		field string
		msg   string
	}{
		"An unknown kind should error.": {
			path: "x.md", data: doc("id: x\nkind: cookbook\ntitle: X", okBody),
			field: "kind", msg: `unknown kind "cookbook" (want one of runbook, slo-template, policy, provider-sla, postmortem, guide)`,
		},
		"An id with bad characters should error.": {
			path: "x.md", data: doc("id: Bad_ID\ntitle: X", okBody),
			field: "id", msg: `bad id "Bad_ID"`,
		},
		"An id with a double hyphen should error.": {
			path: "x.md", data: doc("id: a--b\ntitle: X", okBody),
			field: "id", msg: `bad id "a--b"`,
		},
		"An overlong id should error.": {
			path: "x.md", data: doc("id: "+strings.Repeat("a", 101)+"\ntitle: X", okBody),
			field: "id", msg: "longer than 100",
		},
		"A file name without letters or digits and no id should error.": {
			path: "docs/___.md", data: []byte("# Title\n\nBody.\n"),
			field: "id", msg: "missing",
		},
		"No title in front matter and no heading should error.": {
			path: "notes.md", data: []byte("Just text, no heading.\n"),
			field: "title", msg: "no title in front matter and no Markdown heading",
		},
		"A heading only inside a code fence is not a title.": {
			path: "notes.md", data: []byte("```\n# not a heading\n```\ntext\n"),
			field: "title", msg: "missing",
		},
		"An empty body should error.": {
			path: "x.md", data: doc("id: x\ntitle: X", "\n\n  \n"),
			field: "body", msg: "empty",
		},
		"Front matter without a closing line should error.": {
			path: "x.md", data: []byte("---\nid: x\ntitle: X\n# Body\n"),
			field: "front matter", msg: `opening "---" has no closing "---" line`,
		},
		"Malformed YAML should error.": {
			path: "x.md", data: doc("id: x\ntitle: [unclosed", okBody),
			field: "front matter", msg: "did not find expected ',' or ']'",
		},
		"A type error should name the file line.": {
			path: "x.md", data: doc("id: x\ntitle: X\nslas: 3", okBody),
			field: "front matter", msg: "line 4: cannot unmarshal !!int `3` into []SLA",
		},
		"Front matter that is not a mapping should error.": {
			path: "x.md", data: doc("- a\n- b", okBody),
			field: "front matter", msg: "cannot unmarshal !!seq into front matter (want key: value fields)",
		},
		"A field of the wrong type should error.": {
			path: "x.md", data: doc("id: x\ntitle: X\ntags: {a: b}", okBody),
			field: "front matter", msg: "want a string or a list of strings",
		},
		"A malformed date should error.": {
			path: "x.md", data: doc("id: x\ntitle: X\ndate: 25/11/2020", okBody),
			field: "date", msg: "not a date in the form YYYY-MM-DD",
		},
		"SLAs on a document that is not a provider SLA should error.": {
			path: "x.md", data: doc("id: x\ntitle: X\nslas: [{offering: a, availability: 0.999}]", okBody),
			field: "slas", msg: `only provider-sla documents list SLAs`,
		},
		"An SLA written as a percentage should error.": {
			path: "x.md", data: doc("id: x\nkind: provider-sla\ntitle: X\nslas: [{offering: a, availability: 99.95}]", okBody),
			field: "slas", msg: "not a ratio in (0,1]",
		},
		"An SLA without an offering should error.": {
			path: "x.md", data: doc("id: x\nkind: provider-sla\ntitle: X\nslas: [{availability: 0.999}]", okBody),
			field: "slas", msg: "offering is missing",
		},
		"An empty tag should error.": {
			path: "x.md", data: doc("id: x\ntitle: X\ntags: [a, '']", okBody),
			field: "tags", msg: "entry 1: empty",
		},
		"Invalid UTF-8 should error.": {
			path: "x.md", data: []byte("# T\n\xff\xfe\n"),
			field: "body", msg: "not valid UTF-8",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := corpus.Parse(tc.path, tc.data)
			require.Error(t, err)
			require.Zero(t, d, "no partial document on error")
			probs := problems(t, err)
			require.NotEmpty(t, probs)
			var found bool
			for _, p := range probs {
				require.Equal(t, tc.path, p.Path)
				if p.Field == tc.field && strings.Contains(p.Message, tc.msg) {
					found = true
				}
			}
			require.True(t, found, "want %s problem containing %q, got %v", tc.field, tc.msg, probs)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			require.Contains(t, slorec.ErrorMessage(err), tc.path)
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	_, err := corpus.Parse("bad.md", doc("id: Bad ID\nkind: nope\ndate: soon", ""))
	var fields []string
	for _, p := range problems(t, err) {
		fields = append(fields, p.Field)
	}
	require.Equal(t, []string{"id", "kind", "title", "body", "date"}, fields)
	require.Contains(t, err.Error(), "5 problems")
}

func TestParseWithoutFrontMatter(t *testing.T) {
	data := []byte("Intro line.\n\n# Node disk almost full\n\n## Meaning\n\nThe disk fills.\n")
	d, err := corpus.Parse("runbooks/NodeDiskAlmostFull.md", data)
	require.NoError(t, err)
	require.Equal(t, "node-disk-almost-full", d.ID)
	require.Equal(t, corpus.KindGuide, d.Kind)
	require.Equal(t, "Node disk almost full", d.Title)
	require.Equal(t, "runbooks/NodeDiskAlmostFull.md", d.Path)
	require.Equal(t, strings.TrimSpace(string(data)), d.Body)
	require.Empty(t, d.Sources)
	require.Empty(t, d.License)
	require.Equal(t, "guide/node-disk-almost-full", d.Ref())
}

func TestParseDerivesIDsFromFileNames(t *testing.T) {
	tests := map[string]string{
		"NodeFilesystemFilesFillingUp.md":       "node-filesystem-files-filling-up",
		"etcdHighNumberOfFailedGRPCRequests.md": "etcd-high-number-of-failed-grpc-requests",
		"KubePodCrashLooping.markdown":          "kube-pod-crash-looping",
		"dir/already-kebab.md":                  "already-kebab",
		"My Runbook (v2).md":                    "my-runbook-v2",
		"HTTPServerDown.md":                     "http-server-down",
		"ipv4_Exhaustion.md":                    "ipv4-exhaustion",
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			d, err := corpus.Parse(file, []byte("# T\n\nbody\n"))
			require.NoError(t, err)
			require.Equal(t, want, d.ID)
		})
	}
}

func TestParseIgnoresForeignFrontMatterFields(t *testing.T) {
	// The shape of Hugo-published runbooks: a title and a weight, no id.
	data := []byte("---\ntitle: Node Network Transmit Errors\nweight: 20\n---\n\n# NodeNetworkTransmitErrs\n\n## Meaning\n\nErrors.\n")
	d, err := corpus.Parse("node/NodeNetworkTransmitErrs.md", data)
	require.NoError(t, err)
	require.Equal(t, "node-network-transmit-errs", d.ID)
	require.Equal(t, "Node Network Transmit Errors", d.Title, "front matter title wins over the heading")
	require.Equal(t, corpus.KindGuide, d.Kind)
	require.True(t, strings.HasPrefix(d.Body, "# NodeNetworkTransmitErrs"))
}

func TestParseReadsEveryFrontMatterField(t *testing.T) {
	data := "\uFEFF---\r\n" +
		"id: rds-notes\r\n" +
		"kind: provider-sla\r\n" +
		"title: '  RDS notes  '\r\n" +
		"services: [datastore, orders-db]\r\n" +
		"tags: single-tag\r\n" +
		"source:\r\n  - https://aws.amazon.com/rds/sla/\r\n  - https://example.com/b\r\n" +
		"license: CC-BY-4.0\r\n" +
		"license_note: figures from the AWS page\r\n" +
		"date: 2024-01-22\r\n" +
		"slas:\r\n  - offering: multi-az\r\n    availability: 0.9995\r\n" +
		"...\r\n" +
		"\r\n## Body\r\n\r\nText.\r\n"
	d, err := corpus.Parse("rds.md", []byte(data))
	require.NoError(t, err)
	require.Equal(t, corpus.Document{
		ID:          "rds-notes",
		Kind:        corpus.KindProviderSLA,
		Title:       "RDS notes",
		Services:    []string{"datastore", "orders-db"},
		Tags:        []string{"single-tag"},
		Source:      "https://aws.amazon.com/rds/sla/, https://example.com/b",
		Sources:     []string{"https://aws.amazon.com/rds/sla/", "https://example.com/b"},
		License:     "CC-BY-4.0",
		LicenseNote: "figures from the AWS page",
		Date:        "2024-01-22",
		SLAs:        []corpus.SLA{{Offering: "multi-az", Availability: 0.9995}},
		Body:        "## Body\n\nText.",
		Path:        "rds.md",
	}, d)
}

func TestParseAcceptsEmptyFrontMatter(t *testing.T) {
	d, err := corpus.Parse("empty-front.md", []byte("---\n---\n# Heading\n\ntext\n"))
	require.NoError(t, err)
	require.Equal(t, "empty-front", d.ID)
	require.Equal(t, "Heading", d.Title)
}

func TestValidateRejectsDuplicateIDs(t *testing.T) {
	a, err := corpus.Parse("a/x.md", []byte("# A\n\ntext\n"))
	require.NoError(t, err)
	b, err := corpus.Parse("b/x.md", []byte("# B\n\ntext\n"))
	require.NoError(t, err)

	err = corpus.Validate([]corpus.Document{a, b})
	probs := problems(t, err)
	require.Equal(t, []corpus.Problem{{Path: "b/x.md", Field: "id", Message: `duplicate id "x" (first used by a/x.md)`}}, probs)
	require.EqualError(t, err, `corpus: b/x.md: id: duplicate id "x" (first used by a/x.md)`)
}

func TestValidateChecksEachDocument(t *testing.T) {
	d := corpus.Document{ID: "ok", Kind: corpus.KindRunbook, Title: "T", Body: "text", Path: "p.md"}
	require.NoError(t, d.Validate())

	d.Kind = "handbook"
	err := corpus.Validate([]corpus.Document{d})
	require.Error(t, err)
	require.Equal(t, "kind", problems(t, err)[0].Field)

	var se *slorec.Error
	require.True(t, errors.As(err, &se))
	require.Equal(t, slorec.EINVALID, se.Code)
}

func TestKinds(t *testing.T) {
	for _, k := range corpus.Kinds() {
		require.True(t, corpus.ValidKind(k), k)
	}
	require.False(t, corpus.ValidKind("Runbook"))
	require.False(t, corpus.ValidKind(""))
}
