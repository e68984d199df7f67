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
