package embed

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slorec/slorec"
	"github.com/tmc/langchaingo/embeddings"
)

// Names accepted by New in Config.Name.
const (
	NameGloVe  = "glove"
	NameOpenAI = "openai"
)

// Named describes the vectors an embedder produces. The index stores both
// values with every chunk and re-embeds chunks whose model or dimension
// differs from the current embedder's.
type Named interface {
	// Model returns a stable name of the model and of everything that
	// changes its vectors, such as "glove-6b-100d-int8".
	Model() string
	// Dimensions returns the length of the vectors. An embedder that learns
	// it from its backend returns 0 until the first successful call.
	Dimensions() int
}

// Embedder is what New returns: a langchaingo embedder that names its
// vectors. Implementations are safe for concurrent use.
type Embedder interface {
	embeddings.Embedder
	Named
}

// Config selects and configures an embedder. The CLI fills the openai fields
// from SLOREC_EMBED_BASE_URL, SLOREC_EMBED_MODEL and SLOREC_EMBED_API_KEY.
type Config struct {
	// Name is NameGloVe (the default when empty) or NameOpenAI.
	Name string

	// CacheDir is the directory holding GloVeFile (glove only). Empty means
	// CacheDir(os.Getenv).
	CacheDir string

	// BaseURL is the endpoint's API root, to which "/embeddings" is
	// appended, e.g. "http://127.0.0.1:8089/v1" (openai only, required).
	BaseURL string
	// Model is the embedding model name sent with every request (openai
	// only, required).
	Model string
	// APIKey is sent as a bearer token (openai only). Local servers may not
	// need one.
	APIKey string
	// Dimensions, if not zero, is the vector length the endpoint must return
	// (openai only). Zero means: learn it from the first response.
	Dimensions int
	// Timeout bounds each request to the endpoint (openai only). Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// BatchSize is the largest number of texts sent in one request (openai
	// only). Zero means DefaultBatchSize.
	BatchSize int
	// HTTPClient, if set, sends the requests (openai only).
	HTTPClient *http.Client
}

// New returns the embedder that cfg.Name selects. A GloVe file that is
// missing or damaged is an EUNAVAILABLE error telling the user to run
// `slorec corpus setup`; an unknown name is EINVALID.
func New(cfg Config) (Embedder, error) {
	switch name := strings.ToLower(strings.TrimSpace(cfg.Name)); name {
	case "", NameGloVe:
		return newGloVeFromCache(cfg.CacheDir)
	case NameOpenAI:
		return NewOpenAI(cfg)
	default:
		return nil, slorec.Errorf(slorec.EINVALID, "unknown embedder %q: want %q or %q", cfg.Name, NameGloVe, NameOpenAI)
	}
}

func newGloVeFromCache(dir string) (*GloVe, error) {
	if dir == "" {
		d, err := CacheDir(os.Getenv)
		if err != nil {
			return nil, err
		}
		dir = d
	}
	path := filepath.Join(dir, GloVeFile)
	g, err := LoadGloVe(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "the GloVe embeddings are not set up (%s is missing): run `slorec corpus setup`", path)
	case err != nil:
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "the GloVe embeddings at %s cannot be used (%s): run `slorec corpus setup` to rebuild them", path, errText(err))
	}
	return g, nil
}

// CacheDir returns the directory that holds slorec's embedding files:
// $SLOREC_CACHE_DIR/embeddings if SLOREC_CACHE_DIR is set, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/slorec/embeddings. getenv is usually
// os.Getenv.
func CacheDir(getenv func(string) string) (string, error) {
	if d := getenv("SLOREC_CACHE_DIR"); d != "" {
		return filepath.Join(d, "embeddings"), nil
	}
	// The XDG base directory spec ignores relative values.
	if d := getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "slorec", "embeddings"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "slorec", "embeddings"), nil
	}
	return "", slorec.Errorf(slorec.EINVALID, "no cache directory: set SLOREC_CACHE_DIR, XDG_CACHE_HOME or HOME")
}

// IsZero reports whether v has no non-zero component, the vector that stands
// for "no semantic signal" (see the package documentation).
func IsZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// errText returns the user-safe message of a slorec error, or the error's
// text for others: the errors it is used on (file and format problems) carry
// no secrets.
func errText(err error) string {
	var e *slorec.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
