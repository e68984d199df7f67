package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slorec/slorec"
	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/openai"
)

// Defaults of the openai embedder.
const (
	// DefaultTimeout bounds one request to the endpoint.
	DefaultTimeout = 30 * time.Second
	// DefaultBatchSize is the largest number of texts per request: small
	// enough for a CPU-bound local model to answer well within
	// DefaultTimeout (scripts/embed-server does about 60 short texts/s),
	// and far below hosted APIs' limits (OpenAI allows 2048).
	DefaultBatchSize = 64
)

// OpenAI embeds through an OpenAI-compatible POST {BaseURL}/embeddings
// endpoint with langchaingo's openai client. It learns the dimension from
// the first response (or takes Config.Dimensions) and rejects responses that
// disagree with it. It is safe for concurrent use.
type OpenAI struct {
	inner    *embeddings.EmbedderImpl
	model    string
	endpoint string
	timeout  time.Duration
	batch    int
	dims     atomic.Int64
}

var _ Embedder = (*OpenAI)(nil)

// NewOpenAI returns an embedder for cfg's BaseURL and Model; the other
// openai fields of Config are optional. It sends nothing until the first
// call. Bad configuration is EINVALID.
//
// The OPENAI_* environment variables that langchaingo reads are overridden:
// only cfg configures the client. Newlines are sent as they are.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	u, err := url.Parse(cfg.BaseURL)
	if cfg.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, slorec.Errorf(slorec.EINVALID, "openai embedder: base URL %q is not an http(s) URL such as http://127.0.0.1:8089/v1", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, slorec.Errorf(slorec.EINVALID, "openai embedder: no model name")
	}
	if cfg.Dimensions < 0 || cfg.Timeout < 0 || cfg.BatchSize < 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "openai embedder: negative dimensions, timeout or batch size")
	}
	o := &OpenAI{
		model:    cfg.Model,
		endpoint: strings.TrimSuffix(u.Redacted(), "/") + "/embeddings",
		timeout:  cfg.Timeout,
		batch:    cfg.BatchSize,
	}
	if o.timeout == 0 {
		o.timeout = DefaultTimeout
	}
	if o.batch == 0 {
		o.batch = DefaultBatchSize
	}
	o.dims.Store(int64(cfg.Dimensions))

	// langchaingo refuses an empty token; keyless local servers ignore it.
	key := cfg.APIKey
	if key == "" {
		key = "unused"
	}
	opts := []openai.Option{
		openai.WithBaseURL(strings.TrimSuffix(cfg.BaseURL, "/")),
		openai.WithToken(key),
		openai.WithModel(cfg.Model),
		openai.WithEmbeddingModel(cfg.Model),
		openai.WithOrganization(""),
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, openai.WithHTTPClient(cfg.HTTPClient))
	}
	llm, err := openai.New(opts...)
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "openai embedder: %v", err)
	}
	// Batching happens here, one request per batch with its own timeout, and
	// without langchaingo's newline stripping, which edits the caller's slice.
	o.inner, err = embeddings.NewEmbedder(llm, embeddings.WithBatchSize(o.batch), embeddings.WithStripNewLines(false))
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "openai embedder: %v", err)
	}
	return o, nil
}

// Model returns the configured model name.
func (o *OpenAI) Model() string { return o.model }

// Dimensions returns the vector length: Config.Dimensions if set, else what
// the first successful response had, else 0.
func (o *OpenAI) Dimensions() int { return int(o.dims.Load()) }

// EmbedQuery embeds one text with one request.
func (o *OpenAI) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vecs, err := o.request(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed query: %w", err)
	}
	return vecs[0], nil
}

// EmbedDocuments embeds texts in requests of at most Config.BatchSize texts,
// each bounded by Config.Timeout. The endpoint being unreachable, answering
// an error status, sending malformed or inconsistent data, or timing out is
// an EUNAVAILABLE error; a timeout, by Config.Timeout or by ctx's deadline,
// also matches context.DeadlineExceeded. The caller's cancellation is
// returned as ctx.Err(), wrapped, without a code.
func (o *OpenAI) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += o.batch {
		end := min(start+o.batch, len(texts))
		vecs, err := o.request(ctx, texts[start:end])
		if err != nil {
			return nil, fmt.Errorf("embed documents %d-%d of %d: %w", start, end-1, len(texts), err)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// request sends one batch and checks the answer.
func (o *OpenAI) request(parent context.Context, texts []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(parent, o.timeout)
	defer cancel()
	vecs, err := o.inner.EmbedDocuments(ctx, texts)
	if err != nil {
		// Timeouts are outages of the endpoint, and still match
		// context.DeadlineExceeded; a cancellation is the caller's choice.
		if perr := parent.Err(); perr != nil {
			if errors.Is(perr, context.DeadlineExceeded) {
				return nil, fmt.Errorf("%w: %w", slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s did not answer before the caller's deadline", o.endpoint), perr)
			}
			return nil, perr
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("%w: %w", slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s did not answer within %s", o.endpoint, o.timeout), cerr)
		}
		// langchaingo reports a body that is not the expected JSON as
		// "decode response: ..." and the rest (refused connections, error
		// statuses with the server's message) in its own words, with
		// secrets already removed.
		msg := err.Error()
		if errors.Is(err, openai.ErrUnexpectedResponseLength) {
			return nil, slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s returned a different number of vectors than the %d texts sent", o.endpoint, len(texts))
		}
		if strings.HasSuffix(msg, "empty response") || errors.Is(err, openai.ErrEmptyResponse) {
			return nil, slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s returned no vectors", o.endpoint)
		}
		if strings.Contains(msg, "decode response") {
			return nil, slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s sent malformed JSON: %s", o.endpoint, lastPart(msg))
		}
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s failed: %s", o.endpoint, lastPart(msg))
	}
	if len(vecs) != len(texts) {
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s returned %d vectors for %d texts", o.endpoint, len(vecs), len(texts))
	}
	for i, v := range vecs {
		if err := o.checkDims(len(v)); err != nil {
			return nil, err
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s returned a non-finite number in vector %d", o.endpoint, i)
			}
		}
	}
	return vecs, nil
}

// checkDims fixes the dimension on first use and rejects any other one.
func (o *OpenAI) checkDims(n int) error {
	if n == 0 {
		return slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s returned an empty vector", o.endpoint)
	}
	if o.dims.CompareAndSwap(0, int64(n)) {
		return nil
	}
	if want := o.dims.Load(); int64(n) != want {
		return slorec.Errorf(slorec.EUNAVAILABLE, "embedding endpoint %s returned %d-d vectors, want %d-d", o.endpoint, n, want)
	}
	return nil
}

// lastPart strips langchaingo's "error embedding batch: failed to create
// openai embeddings: " prefixes, keeping the informative end.
func lastPart(msg string) string {
	for _, p := range []string{"error embedding batch: ", "error embedding query: ", "failed to create openai embeddings: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}
