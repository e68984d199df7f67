package embed_test

import (
	"path/filepath"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval/embed"
	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	tests := map[string]struct {
		cfg       func(t *testing.T) embed.Config
		wantModel string
		wantCode  string
		wantErr   string
	}{
		"An empty name should load GloVe from the cache directory.": {
			cfg:       func(t *testing.T) embed.Config { return embed.Config{CacheDir: writeFile(t, tinyGloVe())} },
			wantModel: "glove-6b-100d-int8",
		},
		"The name should be case-insensitive.": {
			cfg: func(t *testing.T) embed.Config {
				return embed.Config{Name: " GloVe ", CacheDir: writeFile(t, tinyGloVe())}
			},
			wantModel: "glove-6b-100d-int8",
		},
		"A missing GloVe file should say to run the setup.": {
			cfg:      func(t *testing.T) embed.Config { return embed.Config{Name: "glove", CacheDir: t.TempDir()} },
			wantCode: slorec.EUNAVAILABLE,
			wantErr:  "not set up (",
		},
		"A damaged GloVe file should say to run the setup again.": {
			cfg:      func(t *testing.T) embed.Config { return embed.Config{CacheDir: writeFile(t, tinyGloVe()[:100])} },
			wantCode: slorec.EUNAVAILABLE,
			wantErr:  "cannot be used",
		},
		"An unknown name should error.": {
			cfg:      func(*testing.T) embed.Config { return embed.Config{Name: "word2vec"} },
			wantCode: slorec.EINVALID,
			wantErr:  `unknown embedder "word2vec": want "glove" or "openai"`,
		},
		"An openai embedder should take its model from the config.": {
			cfg: func(*testing.T) embed.Config {
				return embed.Config{Name: "openai", BaseURL: "http://127.0.0.1:1/v1", Model: "m"}
			},
			wantModel: "m",
		},
		"An openai embedder without a base URL should error.": {
			cfg:      func(*testing.T) embed.Config { return embed.Config{Name: "openai", Model: "m"} },
			wantCode: slorec.EINVALID,
			wantErr:  "is not an http(s) URL",
		},
		"An openai embedder with a base URL without scheme should error.": {
			cfg: func(*testing.T) embed.Config {
				return embed.Config{Name: "openai", BaseURL: "127.0.0.1:8089/v1", Model: "m"}
			},
			wantCode: slorec.EINVALID,
			wantErr:  "is not an http(s) URL",
		},
		"An openai embedder without a model should error.": {
			cfg:      func(*testing.T) embed.Config { return embed.Config{Name: "openai", BaseURL: "http://127.0.0.1:1/v1"} },
			wantCode: slorec.EINVALID,
			wantErr:  "no model name",
		},
		"An openai embedder with a negative timeout should error.": {
			cfg: func(*testing.T) embed.Config {
				return embed.Config{Name: "openai", BaseURL: "http://127.0.0.1:1/v1", Model: "m", Timeout: -1}
			},
			wantCode: slorec.EINVALID,
			wantErr:  "negative",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := embed.New(tt.cfg(t))
			if tt.wantErr != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantCode, slorec.ErrorCode(err))
				require.Contains(t, slorec.ErrorMessage(err), tt.wantErr)
				if tt.wantCode == slorec.EUNAVAILABLE {
					require.Contains(t, slorec.ErrorMessage(err), "run `slorec corpus setup`")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantModel, e.Model())
		})
	}
}

func TestCacheDir(t *testing.T) {
	tests := map[string]struct {
		env     map[string]string
		want    string
		wantErr bool
	}{
		"SLOREC_CACHE_DIR should win.": {
			env:  map[string]string{"SLOREC_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"},
			want: "/c/embeddings",
		},
		"XDG_CACHE_HOME should come next.": {
			env:  map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/h"},
			want: "/x/slorec/embeddings",
		},
		"A relative XDG_CACHE_HOME should be ignored, as the spec says.": {
			env:  map[string]string{"XDG_CACHE_HOME": "x", "HOME": "/h"},
			want: "/h/.cache/slorec/embeddings",
		},
		"HOME should be the fallback.": {
			env:  map[string]string{"HOME": "/h"},
			want: "/h/.cache/slorec/embeddings",
		},
		"No variable at all should error.": {
			env:     map[string]string{},
			wantErr: true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := embed.CacheDir(func(k string) string { return tt.env[k] })
			if tt.wantErr {
				require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, filepath.FromSlash(tt.want), got)
		})
	}
}

func TestIsZero(t *testing.T) {
	require.True(t, embed.IsZero(nil))
	require.True(t, embed.IsZero([]float32{0, 0}))
	require.False(t, embed.IsZero([]float32{0, 1e-30}))
}
