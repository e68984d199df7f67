package embed_test

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// entry is one word of a hand-built GloVe file: component j of its vector
// is scale*q[j].
type entry struct {
	word  string
	rank  uint32
	scale float32
	q     []int8
}

// gloveFile lays out a GloVe file byte by byte as the format comment in
// glove.go specifies, independently of the package's writer.
func gloveFile(dims, vocab int, entries ...entry) []byte {
	le := binary.LittleEndian
	var body []byte
	for _, e := range entries {
		body = append(body, byte(len(e.word)))
		body = append(body, e.word...)
	}
	wordsLen := len(body)
	for _, e := range entries {
		body = le.AppendUint32(body, e.rank)
	}
	for _, e := range entries {
		body = le.AppendUint32(body, math.Float32bits(e.scale))
	}
	for _, e := range entries {
		for _, q := range e.q {
			body = append(body, byte(q))
		}
	}
	out := []byte("SLRGLOVE")
	out = le.AppendUint32(out, 1)
	out = le.AppendUint32(out, uint32(dims))
	out = le.AppendUint32(out, uint32(len(entries)))
	out = le.AppendUint32(out, uint32(vocab))
	out = le.AppendUint32(out, uint32(wordsLen))
	out = le.AppendUint32(out, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
	return append(out, body...)
}

// resum recomputes the checksum after a test edited the body on purpose.
func resum(data []byte) []byte {
	binary.LittleEndian.PutUint32(data[28:], crc32.Checksum(data[32:], crc32.MakeTable(crc32.Castagnoli)))
	return data
}

// tinyVocab is the vocabulary size of tinyGloVe, which fixes the weights:
// with H = ln 1000 + 0.5772 + 1/2000 = 7.48547, rank 1000 weighs
// 0.001/(0.001 + 1/(1000*H)) = 0.882152 and rank 1 weighs
// 0.001/(0.001 + 1/H) = 0.00742985.
const tinyVocab = 1000

// tinyGloVe returns a 3-d file whose vectors are exact: alpha = (1,0,0),
// beta = (0,1,0), café = (0,0,-1), all of rank 1000, and "the" = (0,0,1) of
// rank 1.
func tinyGloVe() []byte {
	return gloveFile(3, tinyVocab,
		entry{"alpha", 1000, 0.5, []int8{2, 0, 0}},
		entry{"beta", 1000, 0.25, []int8{0, 4, 0}},
		entry{"the", 1, 1, []int8{0, 0, 1}},
		entry{"café", 1000, 1, []int8{0, 0, -1}},
	)
}

// writeFile writes data as the GloVe file of a fresh cache directory and
// returns the directory.
func writeFile(t testing.TB, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "glove-100d.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func cosine(a, b []float32) float64 {
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	return dot / (norm(a) * norm(b))
}
