package embed

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"unicode"
	"unicode/utf8"

	"github.com/slorec/slorec"
)

// GloVeModel is the model name of the GloVe embedder. It must change
// whenever the file format, the vocabulary, the tokenizer or the weighting
// changes what vectors a text gets, so that the index re-embeds.
const GloVeModel = "glove-6b-100d-int8"

// GloVeFile is the name of the converted GloVe file inside the cache
// directory.
const GloVeFile = "glove-100d.bin"

// The converted file, all integers little-endian:
//
//	offset  size             field
//	0       8                magic "SLRGLOVE"
//	8       4                version, gloveVersion
//	12      4                dims, the vector length
//	16      4                count, the number of words
//	20      4                vocab, the source vocabulary's size (for weights)
//	24      4                wordsLen, the size of the words section in bytes
//	28      4                CRC-32C (Castagnoli) of every byte after the header
//	32      wordsLen         count words, each a 1-byte length and its UTF-8
//	        4*count          ranks: each word's 1-based rank in the source list
//	        4*count          scales: float32 per word
//	        dims*count       vectors: int8; component j of word i is
//	                         scales[i] * vectors[i*dims+j]
//
// The file size must be exactly 32 + wordsLen + count*(8+dims).
const (
	gloveMagic      = "SLRGLOVE"
	gloveVersion    = 1
	gloveHeaderSize = 32
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sifA is the smoothing constant of SIF weighting; Arora, Liang and Ma, "A
// Simple but Tough-to-Beat Baseline for Sentence Embeddings" (ICLR 2017),
// find a in [1e-4, 1e-3] works well and use 1e-3.
const sifA = 1e-3

// GloVe embeds text as the weighted mean of its words' GloVe vectors. It is
// immutable after loading and safe for concurrent use.
//
// Tokens are the maximal runs of Unicode letters and digits, lowercased, so
// "fail-over" gives "fail" and "over", and "p99.9" gives "p99" and "9".
// Tokens outside the vocabulary are ignored. Each known word is weighted by
// SIF, a/(a+p(w)) with a = 1e-3, where p(w), the word's corpus frequency, is
// estimated from its frequency rank r by Zipf's law, p = 1/(r*H(V)), H(V)
// being the harmonic number of the source vocabulary size V: "the" (r = 1)
// weighs about 0.013, a word of rank 100 about 0.57, of rank 5000 about 0.99.
// That down-weights stopwords without a stopword list. The weighted sum is
// L2-normalized; a text without known words gives the zero vector.
type GloVe struct {
	dims   int
	index  map[string]int32
	factor []float32 // per word: SIF weight times quantization scale
	vecs   []int8    // count*dims
}

var _ Embedder = (*GloVe)(nil)

// LoadGloVe reads and validates a file written by SetupGloVe. A missing file
// gives an error for which errors.Is(err, fs.ErrNotExist) holds; a damaged
// one an EINVALID error saying what is wrong.
func LoadGloVe(path string) (*GloVe, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load glove: %w", err)
	}
	g, err := ParseGloVe(data)
	if err != nil {
		return nil, fmt.Errorf("load glove %s: %w", path, err)
	}
	return g, nil
}

// ParseGloVe decodes the contents of a GloVe file (the format is documented
// in the source). Errors are EINVALID. The GloVe does not retain data.
func ParseGloVe(data []byte) (*GloVe, error) {
	invalid := func(format string, args ...any) error {
		return slorec.Errorf(slorec.EINVALID, "glove file: "+format, args...)
	}
	if len(data) < gloveHeaderSize {
		return nil, invalid("truncated header: %d bytes, want at least %d", len(data), gloveHeaderSize)
	}
	if string(data[:8]) != gloveMagic {
		return nil, invalid("bad magic %q, want %q", data[:8], gloveMagic)
	}
	le := binary.LittleEndian
	version := le.Uint32(data[8:])
	dims := uint64(le.Uint32(data[12:]))
	count := uint64(le.Uint32(data[16:]))
	vocab := uint64(le.Uint32(data[20:]))
	wordsLen := uint64(le.Uint32(data[24:]))
	sum := le.Uint32(data[28:])
	switch {
	case version != gloveVersion:
		return nil, invalid("version %d, want %d", version, gloveVersion)
	case dims == 0 || dims > 4096:
		return nil, invalid("dims %d out of range 1..4096", dims)
	case count == 0:
		return nil, invalid("no words")
	case vocab < count:
		return nil, invalid("vocabulary size %d below word count %d", vocab, count)
	}
	// All operands fit in 32 bits, so the uint64 arithmetic cannot overflow.
	want := gloveHeaderSize + wordsLen + count*(8+dims)
	if uint64(len(data)) != want {
		return nil, invalid("size %d bytes, want %d for %d words of %d dims (truncated or padded)", len(data), want, count, dims)
	}
	if got := crc32.Checksum(data[gloveHeaderSize:], castagnoli); got != sum {
		return nil, invalid("checksum %08x, want %08x (corrupted)", got, sum)
	}

	n := int(count)
	// One string for all words: the map keys are substrings of it, which
	// saves an allocation per word.
	words := string(data[gloveHeaderSize : gloveHeaderSize+wordsLen])
	ranks := data[gloveHeaderSize+wordsLen:][:4*n]
	scales := data[gloveHeaderSize+wordsLen+4*count:][:4*n]
	vecs := data[gloveHeaderSize+wordsLen+8*count:]

	g := &GloVe{
		dims:   int(dims),
		index:  make(map[string]int32, n),
		factor: make([]float32, n),
		vecs:   make([]int8, len(vecs)),
	}
	h := harmonic(float64(vocab))
	for i := 0; i < n; i++ {
		if len(words) == 0 {
			return nil, invalid("words section ends after %d of %d words", i, n)
		}
		l := int(words[0])
		if l == 0 || 1+l > len(words) {
			return nil, invalid("word %d: bad length %d", i, l)
		}
		w := words[1 : 1+l]
		words = words[1+l:]
		if _, dup := g.index[w]; dup {
			return nil, invalid("word %q appears twice", w)
		}
		g.index[w] = int32(i)

		rank := le.Uint32(ranks[4*i:])
		if rank == 0 || uint64(rank) > vocab {
			return nil, invalid("word %q: rank %d out of range 1..%d", w, rank, vocab)
		}
		scale := math.Float32frombits(le.Uint32(scales[4*i:]))
		if !(scale >= 0) || math.IsInf(float64(scale), 0) {
			return nil, invalid("word %q: bad scale %v", w, scale)
		}
		g.factor[i] = float32(sifWeight(float64(rank), h)) * scale
	}
	if len(words) != 0 {
		return nil, invalid("%d stray bytes after the words", len(words))
	}
	for i, b := range vecs {
		g.vecs[i] = int8(b)
	}
	return g, nil
}

// harmonic approximates the n-th harmonic number, ln n + γ + 1/(2n).
func harmonic(n float64) float64 {
	return math.Log(n) + 0.5772156649015329 + 1/(2*n)
}

// sifWeight is a/(a+p) with p = 1/(rank*h), the Zipf estimate of the
// frequency of the word of that rank in a vocabulary whose harmonic number
// is h.
func sifWeight(rank, h float64) float64 {
	p := 1 / (rank * h)
	return sifA / (sifA + p)
}

// Model returns GloVeModel.
func (g *GloVe) Model() string { return GloVeModel }

// Dimensions returns the vector length, 100 for the shipped vectors.
func (g *GloVe) Dimensions() int { return g.dims }

// Words returns the number of words in the vocabulary.
func (g *GloVe) Words() int { return len(g.factor) }

// Vocabulary returns the words, most frequent first (the file's order).
func (g *GloVe) Vocabulary() []string {
	out := make([]string, len(g.index))
	for w, i := range g.index {
		out[i] = w
	}
	return out
}

// EmbedQuery embeds one text. It fails only when ctx is done.
func (g *GloVe) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embed query: %w", err)
	}
	var buf [64]byte
	return g.embed(text, buf[:0]), nil
}

// EmbedDocuments embeds each text. It fails only when ctx is done.
func (g *GloVe) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var buf [64]byte
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("embed documents: %w", err)
		}
		out[i] = g.embed(t, buf[:0])
	}
	return out, nil
}

// embed computes the normalized weighted sum; buf is scratch for tokens.
// It sums in float64, so that no file, however odd its scales, can make the
// result overflow to Inf or NaN.
func (g *GloVe) embed(text string, buf []byte) []float32 {
	var stack [128]float64
	acc := stack[:0]
	if g.dims <= len(stack) {
		acc = stack[:g.dims]
	} else {
		acc = make([]float64, g.dims)
	}
	known := false
	forEachToken(text, buf, func(tok []byte) {
		i, ok := g.index[string(tok)]
		if !ok {
			return
		}
		known = true
		f := float64(g.factor[i])
		off := int(i) * g.dims
		v := g.vecs[off : off+len(acc) : off+len(acc)]
		for j := range acc {
			acc[j] += f * float64(v[j])
		}
	})
	out := make([]float32, g.dims)
	if !known {
		return out
	}
	var ss float64
	for _, x := range acc {
		ss += x * x
	}
	if ss == 0 {
		return out
	}
	inv := 1 / math.Sqrt(ss)
	for j, x := range acc {
		out[j] = float32(x * inv)
	}
	return out
}

// forEachToken calls fn with each token of text, lowercased, in buf's
// storage: the maximal runs of letters and digits. fn must not retain the
// slice.
func forEachToken(text string, buf []byte, fn func([]byte)) {
	tok := buf[:0]
	flush := func() {
		if len(tok) > 0 {
			fn(tok)
			tok = tok[:0]
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				tok = append(tok, c)
			case 'A' <= c && c <= 'Z':
				tok = append(tok, c+('a'-'A'))
			default:
				flush()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			tok = utf8.AppendRune(tok, unicode.ToLower(r))
		} else {
			flush()
		}
	}
	flush()
}

// isToken reports whether w is exactly one token as forEachToken cuts them,
// so whether a text can ever look it up.
func isToken(w string) bool {
	n, same := 0, false
	forEachToken(w, nil, func(t []byte) {
		n++
		same = string(t) == w
	})
	return n == 1 && same
}
