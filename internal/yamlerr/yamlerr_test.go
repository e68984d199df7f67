package yamlerr

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestLineAndMessage(t *testing.T) {
	tests := []struct {
		in   string
		line int
		msg  string
	}{
		// A parser problem: yaml.v3 says line 1 (0-based) for the flow
		// mapping opened on line 2.
		{"a: 1\nb: {c: 2\nd: 3\n", 2, "did not find expected ',' or '}'"},
		// Scanner problems: the line is already 1-based.
		{"a: 1\nb: \"open\n", 2, "found unexpected end of stream"},
		{"a: 1\n\tb: 2\n", 2, "found a tab character that violates indentation"},
	}
	for _, tt := range tests {
		var v any
		err := yaml.Unmarshal([]byte(tt.in), &v)
		if err == nil {
			t.Fatalf("%q: no error", tt.in)
		}
		if got := Line(err); got != tt.line {
			t.Errorf("Line(%q) = %d, want %d (%v)", tt.in, got, tt.line, err)
		}
		if got := Message(err); got != tt.msg {
			t.Errorf("Message(%q) = %q, want %q", tt.in, got, tt.msg)
		}
	}
}

func TestDescribe(t *testing.T) {
	var doc yaml.Node
	src := "a: x\nb: 3\nc: [1]\nd: {e: 1}\nf: null\ng: true\nh: &h 1\ni: *h\nj: 2024-01-01\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	want := map[string]string{
		"a": `the string "x"`, "b": `the number "3"`, "c": "a list", "d": "a mapping",
		"f": "null", "g": `the boolean "true"`, "i": `the number "1"`, "j": `the timestamp value "2024-01-01"`,
	}
	for i := 0; i < len(m.Content); i += 2 {
		k := m.Content[i].Value
		if w, ok := want[k]; ok {
			if got := Describe(m.Content[i+1]); got != w {
				t.Errorf("Describe(%s) = %q, want %q", k, got, w)
			}
		}
	}
	// An alias cycle cannot be built by the parser; a hand-made one
	// resolves to nothing.
	loop := &yaml.Node{Kind: yaml.AliasNode}
	loop.Alias = loop
	if Deref(loop) != nil || Describe(loop) != "an unresolvable alias" {
		t.Errorf("alias cycle: Deref = %v, Describe = %q", Deref(loop), Describe(loop))
	}
}
