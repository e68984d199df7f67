package embed_test

import (
	"context"
	"math"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval/embed"
)

// FuzzParseGloVe feeds arbitrary bytes to the file parser: it must never
// panic, must reject with EINVALID, and whatever it accepts must embed to
// vectors of its dimension that are zero or of unit length. Each input is
// tried as it is and with a correct checksum, so that the fuzzer gets past
// the checksum to the body's checks.
func FuzzParseGloVe(f *testing.F) {
	valid := tinyGloVe()
	f.Add(valid)
	f.Add(valid[:31])
	f.Add(valid[:len(valid)-3])
	f.Add(gloveFile(2, 5, entry{"x", 5, 3e38, []int8{127, -127}}, entry{"y", 1, 1e-45, []int8{1, 1}}))
	f.Add([]byte("SLRGLOVE"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
		if len(data) >= 32 {
			checkParse(t, resum(append([]byte(nil), data...)))
		}
	})
}

func checkParse(t *testing.T, data []byte) {
	t.Helper()
	g, err := embed.ParseGloVe(data)
	if err != nil {
		if code := slorec.ErrorCode(err); code != slorec.EINVALID {
			t.Fatalf("error code %q, want %q: %v", code, slorec.EINVALID, err)
		}
		return
	}
	v, err := g.EmbedQuery(context.Background(), "alpha the beta café x y zzz")
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != g.Dimensions() {
		t.Fatalf("vector of %d dims, want %d", len(v), g.Dimensions())
	}
	if n := norm(v); !embed.IsZero(v) && math.Abs(n-1) > 1e-5 {
		t.Fatalf("norm %v, want 0 or 1: %v", n, v)
	}
}
