package embed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/retrieval/embed"
	"github.com/stretchr/testify/require"
)

// embeddingsRequest is the body of POST /v1/embeddings.
type embeddingsRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

// fakeOpenAI speaks the OpenAI embeddings protocol. By default it answers
// each input with (len(text), index in batch, 1, 0); reply overrides that.
type fakeOpenAI struct {
	t     *testing.T
	reply func(w http.ResponseWriter, r *http.Request, req embeddingsRequest) bool

	mu       sync.Mutex
	requests []embeddingsRequest
	auth     []string
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.Error(w, "wrong endpoint "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	var req embeddingsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if f.reply != nil && f.reply(w, r, req) {
		return
	}
	vecs := make([][]float32, len(req.Input))
	for i, s := range req.Input {
		vecs[i] = []float32{float32(len(s)), float32(i), 1, 0}
	}
	writeEmbeddings(w, req.Model, vecs)
}

// got returns the requests and Authorization headers seen so far.
func (f *fakeOpenAI) got() ([]embeddingsRequest, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]embeddingsRequest(nil), f.requests...), append([]string(nil), f.auth...)
}

func writeEmbeddings(w http.ResponseWriter, model string, vecs [][]float32) {
	type datum struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	data := make([]datum, len(vecs))
	for i, v := range vecs {
		data[i] = datum{"embedding", i, v}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list",
		"data":   data,
		"model":  model,
		"usage":  map[string]int{"prompt_tokens": 1, "total_tokens": 1},
	})
}

func newFake(t *testing.T, reply func(http.ResponseWriter, *http.Request, embeddingsRequest) bool) (*fakeOpenAI, *httptest.Server) {
	f := &fakeOpenAI{t: t, reply: reply}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func TestOpenAIEmbedDocuments(t *testing.T) {
	f, srv := newFake(t, nil)
	e, err := embed.NewOpenAI(embed.Config{BaseURL: srv.URL + "/v1/", Model: "test-embed", APIKey: "sk-test", BatchSize: 2})
	require.NoError(t, err)
	require.Equal(t, "test-embed", e.Model())
	require.Equal(t, 0, e.Dimensions(), "unknown before the first response")

	texts := []string{"a", "bb\nline", "ccc", "dddd", "eeeee"}
	vecs, err := e.EmbedDocuments(context.Background(), texts)
	require.NoError(t, err)
	require.Equal(t, [][]float32{{1, 0, 1, 0}, {7, 1, 1, 0}, {3, 0, 1, 0}, {4, 1, 1, 0}, {5, 0, 1, 0}}, vecs)
	require.Equal(t, 4, e.Dimensions())
	require.Equal(t, []string{"a", "bb\nline", "ccc", "dddd", "eeeee"}, texts, "the caller's slice is not edited")

	requests, auth := f.got()
	require.Equal(t, []embeddingsRequest{
		{Model: "test-embed", Input: []string{"a", "bb\nline"}},
		{Model: "test-embed", Input: []string{"ccc", "dddd"}},
		{Model: "test-embed", Input: []string{"eeeee"}},
	}, requests)
	require.Equal(t, []string{"Bearer sk-test", "Bearer sk-test", "Bearer sk-test"}, auth)

	q, err := e.EmbedQuery(context.Background(), "xy")
	require.NoError(t, err)
	require.Equal(t, []float32{2, 0, 1, 0}, q)

	none, err := e.EmbedDocuments(context.Background(), nil)
	require.NoError(t, err)
	require.Empty(t, none)
	requests, _ = f.got()
	require.Len(t, requests, 4, "no request for no texts")
}

func TestOpenAIErrors(t *testing.T) {
	tests := map[string]struct {
		reply   func(http.ResponseWriter, *http.Request, embeddingsRequest) bool
		cfg     embed.Config
		wantErr string
	}{
		"A 500 should be unavailable with the status and the server's message.": {
			reply: func(w http.ResponseWriter, _ *http.Request, _ embeddingsRequest) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"error":{"message":"model crashed","type":"server_error"}}`)
				return true
			},
			wantErr: "status code: 500: model crashed",
		},
		"Malformed JSON should be unavailable and say so.": {
			reply: func(w http.ResponseWriter, _ *http.Request, _ embeddingsRequest) bool {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"object":"list","data":[{"embedding":[0.1,`)
				return true
			},
			wantErr: "sent malformed JSON",
		},
		"A response without data should be unavailable.": {
			reply: func(w http.ResponseWriter, _ *http.Request, req embeddingsRequest) bool {
				writeEmbeddings(w, req.Model, nil)
				return true
			},
			wantErr: "returned no vectors",
		},
		"Fewer vectors than texts should be unavailable.": {
			reply: func(w http.ResponseWriter, _ *http.Request, req embeddingsRequest) bool {
				writeEmbeddings(w, req.Model, [][]float32{{1, 2}})
				return true
			},
			wantErr: "returned a different number of vectors than the 2 texts sent",
		},
		"Vectors of unequal length should be unavailable.": {
			reply: func(w http.ResponseWriter, _ *http.Request, req embeddingsRequest) bool {
				writeEmbeddings(w, req.Model, [][]float32{{1, 2}, {1, 2, 3}})
				return true
			},
			wantErr: "returned 3-d vectors, want 2-d",
		},
		"An empty vector should be unavailable.": {
			reply: func(w http.ResponseWriter, _ *http.Request, req embeddingsRequest) bool {
				writeEmbeddings(w, req.Model, [][]float32{{}, {}})
				return true
			},
			wantErr: "returned an empty vector",
		},
		"Vectors of another length than configured should be unavailable.": {
			cfg:     embed.Config{Dimensions: 8},
			wantErr: "returned 4-d vectors, want 8-d",
		},
		"A slow endpoint should time out and be unavailable.": {
			reply: func(w http.ResponseWriter, r *http.Request, _ embeddingsRequest) bool {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
				return true
			},
			cfg:     embed.Config{Timeout: 100 * time.Millisecond},
			wantErr: "did not answer within 100ms",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, srv := newFake(t, tt.reply)
			cfg := tt.cfg
			cfg.BaseURL, cfg.Model = srv.URL+"/v1", "test-embed"
			e, err := embed.NewOpenAI(cfg)
			require.NoError(t, err)
			_, err = e.EmbedDocuments(context.Background(), []string{"a", "b"})
			require.Error(t, err)
			require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err), "error %v", err)
			require.Contains(t, slorec.ErrorMessage(err), tt.wantErr)
			require.Contains(t, slorec.ErrorMessage(err), srv.URL+"/v1/embeddings", "names the endpoint")
			if cfg.Timeout != 0 {
				require.ErrorIs(t, err, context.DeadlineExceeded)
			}
		})
	}
}

func TestOpenAICallerDeadline(t *testing.T) {
	_, srv := newFake(t, func(_ http.ResponseWriter, r *http.Request, _ embeddingsRequest) bool {
		<-r.Context().Done()
		return true
	})
	e, err := embed.NewOpenAI(embed.Config{BaseURL: srv.URL + "/v1", Model: "m"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = e.EmbedQuery(ctx, "a")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
	require.Contains(t, slorec.ErrorMessage(err), "did not answer before the caller's deadline")
}

func TestOpenAIEndpointDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	e, err := embed.NewOpenAI(embed.Config{BaseURL: url + "/v1", Model: "m", APIKey: "sk-secret"})
	require.NoError(t, err)
	_, err = e.EmbedQuery(context.Background(), "a")
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err), "error %v", err)
	require.Contains(t, slorec.ErrorMessage(err), "failed to reach API server")
	require.NotContains(t, err.Error(), "sk-secret")
}

func TestOpenAICallerCancel(t *testing.T) {
	started := make(chan struct{})
	_, srv := newFake(t, func(_ http.ResponseWriter, r *http.Request, _ embeddingsRequest) bool {
		close(started)
		<-r.Context().Done()
		return true
	})
	e, err := embed.NewOpenAI(embed.Config{BaseURL: srv.URL + "/v1", Model: "m"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	_, err = e.EmbedQuery(ctx, "a")
	require.ErrorIs(t, err, context.Canceled, "the caller's cancellation is not an outage")
	require.Equal(t, slorec.EINTERNAL, slorec.ErrorCode(err))
}

func TestOpenAIDimensionsStayFixed(t *testing.T) {
	var calls atomic.Int32
	_, srv := newFake(t, func(w http.ResponseWriter, _ *http.Request, req embeddingsRequest) bool {
		v := []float32{1, 2, 3}
		if calls.Add(1) > 1 {
			v = append(v, 4)
		}
		writeEmbeddings(w, req.Model, [][]float32{v})
		return true
	})
	e, err := embed.NewOpenAI(embed.Config{BaseURL: srv.URL + "/v1", Model: "m"})
	require.NoError(t, err)
	_, err = e.EmbedQuery(context.Background(), "a")
	require.NoError(t, err)
	require.Equal(t, 3, e.Dimensions())
	_, err = e.EmbedQuery(context.Background(), "a")
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
	require.Contains(t, slorec.ErrorMessage(err), "returned 4-d vectors, want 3-d")
	require.Equal(t, 3, e.Dimensions())
}
