package problems

import "testing"

type p string

func (s p) String() string { return string(s) }

func TestFormat(t *testing.T) {
	tests := []struct {
		ps    []p
		trunc bool
		want  string
	}{
		{[]p{"a: bad"}, false, "invalid x: 1 problem\n\ta: bad"},
		{[]p{"a", "b"}, true, "invalid x: 2 problems\n\ta\n\tb\n\t(stopped after 2 problems; fix these)"},
		{nil, false, "invalid x: 0 problems"},
	}
	for _, tt := range tests {
		if got := Format("invalid x: ", tt.ps, tt.trunc, 2, "; fix these"); got != tt.want {
			t.Errorf("Format(%q) = %q, want %q", tt.ps, got, tt.want)
		}
	}
}
