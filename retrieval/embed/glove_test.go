package embed_test

import (
	"context"
	"encoding/binary"
	"io/fs"
	"math"
	"path/filepath"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval/embed"
	"github.com/stretchr/testify/require"
)

func TestParseGloVe(t *testing.T) {
	le := binary.LittleEndian
	tests := map[string]struct {
		data    func() []byte
		wantErr string
	}{
		"A valid file should load.": {
			data: tinyGloVe,
		},
		"A file shorter than the header should error.": {
			data:    func() []byte { return tinyGloVe()[:20] },
			wantErr: "truncated header: 20 bytes",
		},
		"A file with another magic should error.": {
			data: func() []byte {
				d := tinyGloVe()
				copy(d, "GLOVE100")
				return d
			},
			wantErr: "bad magic",
		},
		"A file of another version should error.": {
			data: func() []byte {
				d := tinyGloVe()
				le.PutUint32(d[8:], 2)
				return d
			},
			wantErr: "version 2, want 1",
		},
		"A file with zero dimensions should error.": {
			data: func() []byte {
				d := tinyGloVe()
				le.PutUint32(d[12:], 0)
				return d
			},
			wantErr: "dims 0",
		},
		"A file without words should error.": {
			data:    func() []byte { return gloveFile(3, 10) },
			wantErr: "no words",
		},
		"A truncated file should error.": {
			data:    func() []byte { d := tinyGloVe(); return d[:len(d)-1] },
			wantErr: "truncated or padded",
		},
		"A file with trailing bytes should error.": {
			data:    func() []byte { return append(tinyGloVe(), 0) },
			wantErr: "truncated or padded",
		},
		"A file with a flipped vector byte should fail the checksum.": {
			data:    func() []byte { d := tinyGloVe(); d[len(d)-1] ^= 1; return d },
			wantErr: "corrupted",
		},
		"A rank beyond the vocabulary should error.": {
			data: func() []byte {
				return gloveFile(3, 10, entry{"alpha", 11, 1, []int8{1, 0, 0}})
			},
			wantErr: `word "alpha": rank 11 out of range 1..10`,
		},
		"A negative scale should error.": {
			data: func() []byte {
				return gloveFile(3, 10, entry{"alpha", 1, -1, []int8{1, 0, 0}})
			},
			wantErr: "bad scale",
		},
		"A word listed twice should error.": {
			data: func() []byte {
				return gloveFile(3, 10, entry{"alpha", 1, 1, []int8{1, 0, 0}}, entry{"alpha", 2, 1, []int8{0, 1, 0}})
			},
			wantErr: `"alpha" appears twice`,
		},
		"A word length running past the words section should error.": {
			data: func() []byte {
				d := gloveFile(3, 10, entry{"alpha", 1, 1, []int8{1, 0, 0}})
				d[32] = 200 // the length byte of "alpha"
				return resum(d)
			},
			wantErr: "word 0: bad length 200",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			g, err := embed.ParseGloVe(tt.data())
			if tt.wantErr != "" {
				require.Error(t, err)
				require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
				require.Contains(t, slorec.ErrorMessage(err), tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, 3, g.Dimensions())
			require.Equal(t, 4, g.Words())
			require.Equal(t, "glove-6b-100d-int8", g.Model())
		})
	}
}

func TestLoadGloVe(t *testing.T) {
	t.Run("A missing file should be reported as not existing.", func(t *testing.T) {
		_, err := embed.LoadGloVe(filepath.Join(t.TempDir(), "glove-100d.bin"))
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("A damaged file should name the path and the problem.", func(t *testing.T) {
		dir := writeFile(t, tinyGloVe()[:40])
		path := filepath.Join(dir, "glove-100d.bin")
		_, err := embed.LoadGloVe(path)
		require.ErrorContains(t, err, path)
		require.ErrorContains(t, err, "truncated or padded")
		require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	})
	t.Run("A valid file should load.", func(t *testing.T) {
		g, err := embed.LoadGloVe(filepath.Join(writeFile(t, tinyGloVe()), "glove-100d.bin"))
		require.NoError(t, err)
		require.Equal(t, 4, g.Words())
		require.Equal(t, []string{"alpha", "beta", "the", "café"}, g.Vocabulary(), "in the file's order")
	})
}

func TestGloVeEmbed(t *testing.T) {
	g, err := embed.ParseGloVe(tinyGloVe())
	require.NoError(t, err)
	r2 := 1 / math.Sqrt2
	r5 := 1 / math.Sqrt(5)
	tests := map[string]struct {
		text string
		want []float64
	}{
		"One word should give its unit vector.":                      {"alpha", []float64{1, 0, 0}},
		"Case and punctuation should not matter.":                    {"ALPHA, beta!", []float64{r2, r2, 0}},
		"Words of equal rank should average equally.":                {"alpha beta", []float64{r2, r2, 0}},
		"A repeated word should count each time.":                    {"alpha alpha beta", []float64{2 * r5, r5, 0}},
		"Hyphenated parts should be separate words.":                 {"alpha-beta", []float64{r2, r2, 0}},
		"Unknown words should be ignored.":                           {"alpha zzz qqq", []float64{1, 0, 0}},
		"Non-ASCII words should be lowercased.":                      {"CAFÉ", []float64{0, 0, -1}},
		"A frequent word should be down-weighted by its SIF weight.": {"the alpha", []float64{0.882152 / 0.882183, 0, 0.00742985 / 0.882183}},
		"A text of unknown words should give the zero vector.":       {"zzz qqq", []float64{0, 0, 0}},
		"An empty text should give the zero vector.":                 {"", []float64{0, 0, 0}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := g.EmbedQuery(context.Background(), tt.text)
			require.NoError(t, err)
			require.Len(t, got, 3)
			for j := range tt.want {
				require.InDelta(t, tt.want[j], got[j], 1e-5, "component %d of %v", j, got)
			}
			if embed.IsZero(got) {
				require.Equal(t, []float64{0, 0, 0}, tt.want)
			} else {
				require.InDelta(t, 1, norm(got), 1e-6)
			}
		})
	}
}

func TestGloVeEmbedDocuments(t *testing.T) {
	g, err := embed.ParseGloVe(tinyGloVe())
	require.NoError(t, err)
	texts := []string{"alpha", "zzz", "the beta"}
	docs, err := g.EmbedDocuments(context.Background(), texts)
	require.NoError(t, err)
	require.Len(t, docs, len(texts))
	for i, text := range texts {
		q, err := g.EmbedQuery(context.Background(), text)
		require.NoError(t, err)
		require.Equal(t, q, docs[i], "text %q", text)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = g.EmbedDocuments(ctx, texts)
	require.ErrorIs(t, err, context.Canceled)
	_, err = g.EmbedQuery(ctx, "alpha")
	require.ErrorIs(t, err, context.Canceled)
}

func TestTokens(t *testing.T) {
	tests := map[string]struct {
		text string
		want []string
	}{
		"Words should be lowercased.":                      {"Database FailOver", []string{"database", "failover"}},
		"Hyphens and dots should split.":                   {"fail-over p99.9", []string{"fail", "over", "p99", "9"}},
		"Apostrophes should split.":                        {"don't", []string{"don", "t"}},
		"Letters beyond ASCII should stay in a word.":      {"Straße naïve", []string{"straße", "naïve"}},
		"Punctuation and spaces alone should give nothing": {" ,;-- \n\t", nil},
		"Digits should be tokens.":                         {"HTTP 503 in 2024", []string{"http", "503", "in", "2024"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tt.want, embed.Tokens(tt.text))
		})
	}
}
