package draft_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/draft"
)

const testKey = "sk-test-secret-0123456789"

// validDraft is a reply a model might give.
const validDraft = `{"summary":"For checkout-service, slorec recommends 99% availability.","targets":[{"sli":"availability","target":0.99}],"rationale":[{"claim":"Measured 99.506%.","fact_ids":["F1"],"citation_ids":[]}],"risks":[],"chosen_tier":"balanced","confidence_note":"Confidence 1.00 (high)."}`

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sleeps records the waits asked for, without waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// chatServer is an OpenAI-compatible server whose nth request (from 1)
// is answered by reply.
type chatServer struct {
	*httptest.Server
	hits   atomic.Int32
	mu     sync.Mutex
	bodies []map[string]any
	auth   []string
}

func newChatServer(t *testing.T, reply func(n int, w http.ResponseWriter, r *http.Request)) *chatServer {
	t.Helper()
	s := &chatServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.hits.Add(1))
		var body map[string]any
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		reply(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func completion(content string) string {
	c, _ := json.Marshal(content)
	return `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":` +
		string(c) + `},"finish_reason":"stop"}],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500}}`
}

func ok(content string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, completion(content))
	}
}

func status(code int, headers ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"error":{"message":"status %d (key %s)","type":"test"}}`, code, testKey)
	}
}

// sequence answers request n with steps[n-1], the last one repeating.
func sequence(steps ...func(http.ResponseWriter)) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		steps[min(n, len(steps))-1](w)
	}
}

func success(content string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, completion(content))
	}
}

type harness struct {
	clock  *fakeClock
	sleeps *sleeps
}

// openAIDrafter is the drafter New builds for an OpenAI-compatible server
// at srv, with a fake clock, recorded sleeps and no jitter.
func openAIDrafter(t *testing.T, srv *chatServer, tune func(*draft.Config)) (*draft.LLM, harness) {
	t.Helper()
	h := harness{clock: newClock(), sleeps: &sleeps{}}
	cfg := draft.Config{Provider: "openai", BaseURL: srv.URL + "/v1", Model: "test-model", APIKey: testKey, Timeout: 2 * time.Second,
		LLM: draft.LLMConfig{Now: h.clock.Now, Sleep: h.sleeps.Sleep, Jitter: func() float64 { return 0 }}}
	if tune != nil {
		tune(&cfg)
	}
	d, info, err := draft.New(cfg, srv.Client())
	require.NoError(t, err)
	require.Equal(t, "llm:openai/test-model", info.Drafter)
	l, isLLM := d.(*draft.LLM)
	require.True(t, isLLM)
	return l, h
}

func request(t *testing.T) draft.Request {
	return draft.Request{Recommendation: checkout(t), Sources: sources(), Tier: "balanced"}
}

func TestLLMDraftsThroughAnOpenAICompatibleServer(t *testing.T) {
	srv := newChatServer(t, ok(validDraft))
	l, _ := openAIDrafter(t, srv, nil)
	req := request(t)
	res, err := l.Draft(context.Background(), req)
	require.NoError(t, err)
	require.JSONEq(t, validDraft, string(res.Raw))
	require.Equal(t, "llm:openai/test-model", res.Drafter)
	require.Equal(t, 1, res.Attempts)
	require.Equal(t, 1200, res.InputTokens)
	require.Equal(t, 300, res.OutputTokens)
	p, err := draft.RenderPrompt(req)
	require.NoError(t, err)
	require.Equal(t, p.Hash(), res.PromptHash)

	// What went over the wire: the exact prompt, temperature 0, bounded
	// tokens, JSON mode, the key as a bearer token.
	require.Len(t, srv.bodies, 1)
	body := srv.bodies[0]
	require.Equal(t, "test-model", body["model"])
	require.Equal(t, 0.0, body["temperature"])
	require.Equal(t, float64(draft.DefaultMaxTokens), body["max_completion_tokens"])
	require.Equal(t, map[string]any{"type": "json_object"}, body["response_format"])
	msgs := body["messages"].([]any)
	require.Len(t, msgs, 2)
	require.Equal(t, map[string]any{"role": "system", "content": p.System}, msgs[0])
	require.Equal(t, map[string]any{"role": "user", "content": p.User}, msgs[1])
	require.Equal(t, "Bearer "+testKey, srv.auth[0])
}

func TestLLMReplies(t *testing.T) {
	tests := map[string]struct {
		body  func(w http.ResponseWriter)
		raw   string // the Raw returned, when there is no error
		fails bool
	}{
		"A reply in a json fence should be unwrapped.": {
			body: success("```json\n" + validDraft + "\n```"),
			raw:  validDraft,
		},
		"A reply with prose around the object should keep the object only.": {
			body: success("Here is the draft:\n" + validDraft + "\nI hope this helps."),
			raw:  validDraft,
		},
		"A reply that is not JSON should be returned raw for the guardrails to reject.": {
			body: success("I cannot write that draft."),
			raw:  "I cannot write that draft.",
		},
		"Truncated JSON should be returned as it is, not repaired.": {
			body: success(`{"summary": "For checkout-service`),
			raw:  `{"summary": "For checkout-service`,
		},
		"A body that is not JSON should be an error, not retried.": {
			body: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<html>proxy error</html>")
			},
			fails: true,
		},
		"A reply without choices should be an error, not retried.": {
			body: func(w http.ResponseWriter) {
				_, _ = io.WriteString(w, `{"id":"x","object":"chat.completion","choices":[]}`)
			},
			fails: true,
		},
		"A reply with empty content should be an error, not retried.": {
			body:  success("  "),
			fails: true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newChatServer(t, sequence(tt.body))
			l, h := openAIDrafter(t, srv, nil)
			res, err := l.Draft(context.Background(), request(t))
			require.Equal(t, 1, res.Attempts)
			require.Equal(t, int32(1), srv.hits.Load())
			require.Empty(t, h.sleeps.Waits())
			if tt.fails {
				require.Error(t, err)
				require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err), "%v", err)
				require.Nil(t, res.Raw)
				require.NotEmpty(t, res.PromptHash, "a failed result still carries its prompt hash")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.raw, string(res.Raw))
		})
	}
}

func TestLLMRetries(t *testing.T) {
	retryAt := newClock().Now().Add(12 * time.Second).Format(http.TimeFormat)
	tests := map[string]struct {
		steps    []func(http.ResponseWriter)
		attempts int
		waits    []time.Duration
		fails    bool
	}{
		"A 500 then a 200 should succeed on the second attempt.": {
			steps:    []func(http.ResponseWriter){status(500), success(validDraft)},
			attempts: 2,
			waits:    []time.Duration{250 * time.Millisecond}, // half of the 500 ms base, no jitter
		},
		"Three 503s should fail after three attempts with growing backoff.": {
			steps:    []func(http.ResponseWriter){status(503)},
			attempts: 3,
			waits:    []time.Duration{250 * time.Millisecond, 500 * time.Millisecond},
			fails:    true,
		},
		"A 429 with Retry-After in seconds should wait exactly that long.": {
			steps:    []func(http.ResponseWriter){status(429, "Retry-After", "7"), success(validDraft)},
			attempts: 2,
			waits:    []time.Duration{7 * time.Second},
		},
		"A 429 with Retry-After as a date should wait until then.": {
			steps:    []func(http.ResponseWriter){status(429, "Retry-After", retryAt), success(validDraft)},
			attempts: 2,
			waits:    []time.Duration{12 * time.Second},
		},
		"A 429 without Retry-After should back off longer than a 5xx.": {
			steps:    []func(http.ResponseWriter){status(429), success(validDraft)},
			attempts: 2,
			waits:    []time.Duration{draft.DefaultRateLimitDelay},
		},
		"A Retry-After beyond the limit should fail at once rather than wait.": {
			steps:    []func(http.ResponseWriter){status(429, "Retry-After", "3600")},
			attempts: 1,
			fails:    true,
		},
		"A 503 with Retry-After should honour it.": {
			steps:    []func(http.ResponseWriter){status(503, "Retry-After", "2"), success(validDraft)},
			attempts: 2,
			waits:    []time.Duration{2 * time.Second},
		},
		"A 400 should not be retried.": {
			steps:    []func(http.ResponseWriter){status(400)},
			attempts: 1,
			fails:    true,
		},
		"A 401 should not be retried.": {
			steps:    []func(http.ResponseWriter){status(401)},
			attempts: 1,
			fails:    true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newChatServer(t, sequence(tt.steps...))
			l, h := openAIDrafter(t, srv, nil)
			res, err := l.Draft(context.Background(), request(t))
			require.Equal(t, tt.attempts, res.Attempts)
			require.Equal(t, int32(tt.attempts), srv.hits.Load())
			require.Equal(t, tt.waits, h.sleeps.Waits())
			if !tt.fails {
				require.NoError(t, err)
				require.JSONEq(t, validDraft, string(res.Raw))
				return
			}
			require.Error(t, err)
			require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
			require.NotContains(t, err.Error(), testKey, "the key leaked into the error")
			require.NotContains(t, slorec.ErrorMessage(err), testKey)
			require.Equal(t, draft.BreakerClosed, l.Breaker().State(), "below the breaker's threshold")
		})
	}
}

func TestLLMAttemptTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	srv := newChatServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	l, h := openAIDrafter(t, srv, func(c *draft.Config) { c.Timeout = 15 * time.Millisecond })
	start := time.Now()
	res, err := l.Draft(context.Background(), request(t))
	require.Error(t, err)
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
	require.Contains(t, slorec.ErrorMessage(err), "timed out after 15ms")
	require.Equal(t, 3, res.Attempts)
	require.Len(t, h.sleeps.Waits(), 2)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestLLMCallerCancellationIsNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := newChatServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	l, h := openAIDrafter(t, srv, nil)
	res, err := l.Draft(ctx, request(t))
	require.Error(t, err)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, res.Attempts)
	require.Empty(t, h.sleeps.Waits())
	require.Equal(t, draft.BreakerClosed, l.Breaker().State())
}

func TestLLMCircuitBreaker(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	srv := newChatServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		if failing.Load() {
			status(503)(w)
			return
		}
		success(validDraft)(w)
	})
	clock := newClock()
	l, _ := openAIDrafter(t, srv, func(c *draft.Config) {
		c.LLM.Retry.Attempts = 1
		c.LLM.Now = clock.Now
		c.LLM.Breaker = draft.NewBreaker(draft.BreakerConfig{Failures: 2, Cooldown: time.Minute, Now: clock.Now})
	})
	ctx := context.Background()

	for range 2 {
		_, err := l.Draft(ctx, request(t))
		require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
	}
	require.Equal(t, draft.BreakerOpen, l.Breaker().State())
	require.Equal(t, int32(2), srv.hits.Load())

	// Open: refused at once, without touching the server.
	res, err := l.Draft(ctx, request(t))
	require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
	require.Contains(t, slorec.ErrorMessage(err), "circuit breaker open")
	require.Zero(t, res.Attempts)
	require.Equal(t, int32(2), srv.hits.Load())

	// Half-open after the cooldown: a failed probe reopens it.
	clock.Advance(time.Minute)
	require.Equal(t, draft.BreakerHalfOpen, l.Breaker().State())
	_, err = l.Draft(ctx, request(t))
	require.Error(t, err)
	require.Equal(t, int32(3), srv.hits.Load())
	require.Equal(t, draft.BreakerOpen, l.Breaker().State())
	_, err = l.Draft(ctx, request(t))
	require.Error(t, err)
	require.Equal(t, int32(3), srv.hits.Load(), "reopened: no call")

	// A successful probe closes it.
	clock.Advance(time.Minute)
	failing.Store(false)
	res, err = l.Draft(ctx, request(t))
	require.NoError(t, err)
	require.Equal(t, 1, res.Attempts)
	require.Equal(t, draft.BreakerClosed, l.Breaker().State())
	require.Equal(t, int32(4), srv.hits.Load())
}

func TestBreakerLetsOneProbeThrough(t *testing.T) {
	clock := newClock()
	b := draft.NewBreaker(draft.BreakerConfig{Failures: 1, Cooldown: time.Second, Now: clock.Now})
	block := make(chan struct{})
	entered := make(chan struct{}, 4)
	calls := atomic.Int32{}
	model := &scriptedModel{fn: func(ctx context.Context) (*llms.ContentResponse, error) {
		n := calls.Add(1)
		if n == 1 {
			return nil, errors.New("API returned unexpected status code: 502")
		}
		entered <- struct{}{}
		<-block
		return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: validDraft}}}, nil
	}}
	l, err := draft.NewLLM(model, draft.LLMConfig{Name: "llm:test/m", Breaker: b, Now: clock.Now, Retry: draft.RetryPolicy{Attempts: 1}})
	require.NoError(t, err)
	_, err = l.Draft(context.Background(), request(t))
	require.Error(t, err)
	require.Equal(t, draft.BreakerOpen, b.State())

	clock.Advance(time.Second)
	done := make(chan error, 1)
	go func() {
		_, err := l.Draft(context.Background(), request(t))
		done <- err
	}()
	<-entered // the probe is in flight
	_, err = l.Draft(context.Background(), request(t))
	require.Error(t, err, "a second call while the probe is in flight is refused")
	require.Contains(t, slorec.ErrorMessage(err), "probe is in flight")
	close(block)
	require.NoError(t, <-done)
	require.Equal(t, draft.BreakerClosed, b.State())
}

// scriptedModel is an llms.Model whose replies a function makes.
type scriptedModel struct {
	fn func(ctx context.Context) (*llms.ContentResponse, error)
}

func (m *scriptedModel) GenerateContent(ctx context.Context, _ []llms.MessageContent, _ ...llms.CallOption) (*llms.ContentResponse, error) {
	return m.fn(ctx)
}

func (m *scriptedModel) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, opts...)
}

func TestLLMClassifiesErrorsOfModelsWithoutInstrumentedHTTP(t *testing.T) {
	tests := map[string]struct {
		err      error
		attempts int
	}{
		"A status code in the error text should be retried when it is a 5xx.": {
			err: errors.New("API returned unexpected status code: 503: overloaded"), attempts: 3},
		"A langchaingo rate-limit error should be retried.": {
			err: llms.NewError(llms.ErrCodeRateLimit, "test", "slow down"), attempts: 3},
		"A langchaingo authentication error should not be retried.": {
			err: llms.NewError(llms.ErrCodeAuthentication, "test", "bad key"), attempts: 1},
		"A network error should be retried.": {
			err: errors.New("network error: failed to reach API server"), attempts: 3},
		"An unknown error should not be retried.": {
			err: errors.New("json: cannot unmarshal string"), attempts: 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			calls := 0
			model := &scriptedModel{fn: func(context.Context) (*llms.ContentResponse, error) { calls++; return nil, tt.err }}
			s := &sleeps{}
			l, err := draft.NewLLM(model, draft.LLMConfig{Name: "llm:test/m", Sleep: s.Sleep, Jitter: func() float64 { return 0 }})
			require.NoError(t, err)
			res, err := l.Draft(context.Background(), request(t))
			require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
			require.Equal(t, tt.attempts, res.Attempts)
			require.Equal(t, tt.attempts, calls)
		})
	}
}

// canned is an llms.Model that replies with fixed content, as
// langchaingo's llms/fake does (which this test does not import: its own
// test dependencies would have go mod tidy add go.sum entries).
func canned(content string) llms.Model {
	return &scriptedModel{fn: func(context.Context) (*llms.ContentResponse, error) {
		return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: content}}}, nil
	}}
}

func TestLLMWithACannedModel(t *testing.T) {
	l, err := draft.NewLLM(canned("```json\n"+validDraft+"\n```"), draft.LLMConfig{Name: draft.LLMName("fake", "canned")})
	require.NoError(t, err)
	res, err := l.Draft(context.Background(), request(t))
	require.NoError(t, err)
	require.Equal(t, validDraft, string(res.Raw))
	require.Equal(t, "llm:fake/canned", res.Drafter)
	require.Equal(t, 1, res.Attempts)
	require.Zero(t, res.InputTokens, "the model reports no tokens")
}

func TestLLMRefusesARecommendationWithoutObjectives(t *testing.T) {
	l, err := draft.NewLLM(canned(validDraft), draft.LLMConfig{Name: "llm:fake/x"})
	require.NoError(t, err)
	rec := checkout(t)
	rec.Objectives = nil
	res, err := l.Draft(context.Background(), draft.Request{Recommendation: rec})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	require.Zero(t, res.Attempts)
}

func TestNewLLMValidates(t *testing.T) {
	_, err := draft.NewLLM(nil, draft.LLMConfig{Name: "llm:x/y"})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	_, err = draft.NewLLM(canned(""), draft.LLMConfig{})
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
}

func TestLLMSpeaksOllama(t *testing.T) {
	var body map[string]any
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/chat" {
			http.NotFound(w, r)
			return
		}
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&body)
		// langchaingo's client leaves "stream" out, so Ollama streams
		// NDJSON chunks; the client joins them.
		half := len(validDraft) / 2
		w.Header().Set("Content-Type", "application/x-ndjson")
		for _, part := range []string{validDraft[:half], validDraft[half:]} {
			c, _ := json.Marshal(part)
			_, _ = fmt.Fprintf(w, `{"model":"llama3.1","created_at":"2026-03-01T12:00:00Z","message":{"role":"assistant","content":%s},"done":false}`+"\n", c)
		}
		_, _ = io.WriteString(w, `{"model":"llama3.1","created_at":"2026-03-01T12:00:01Z","message":{"role":"assistant","content":""},"done":true,"prompt_eval_count":900,"eval_count":250}`+"\n")
	}))
	t.Cleanup(srv.Close)
	d, info, err := draft.NewFromEnv(env(map[string]string{
		"SLOREC_LLM_PROVIDER": "ollama", "SLOREC_LLM_BASE_URL": srv.URL, "SLOREC_LLM_MODEL": "llama3.1", "SLOREC_LLM_API_KEY": "proxy-token",
	}), srv.Client())
	require.NoError(t, err)
	require.Equal(t, "llm:ollama/llama3.1", info.Drafter)
	res, err := d.Draft(context.Background(), request(t))
	require.NoError(t, err)
	require.Equal(t, validDraft, string(res.Raw))
	require.Equal(t, 900, res.InputTokens)
	require.Equal(t, 250, res.OutputTokens)
	require.Equal(t, "llama3.1", body["model"])
	require.Equal(t, "json", body["format"])
	require.NotContains(t, body, "stream")
	opts := body["options"].(map[string]any)
	require.Equal(t, 0.0, opts["temperature"])
	require.Equal(t, float64(draft.DefaultMaxTokens), opts["num_predict"])
	require.Len(t, body["messages"].([]any), 2)
	require.Equal(t, "Bearer proxy-token", auth)
}

func TestLLMSpeaksAnthropic(t *testing.T) {
	var body map[string]any
	var key, version string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
			http.NotFound(w, r)
			return
		}
		key, version = r.Header.Get("x-api-key"), r.Header.Get("anthropic-version")
		_ = json.NewDecoder(r.Body).Decode(&body)
		c, _ := json.Marshal(validDraft)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":%s}],"stop_reason":"end_turn","usage":{"input_tokens":1100,"output_tokens":280}}`, c)
	}))
	t.Cleanup(srv.Close)
	d, info, err := draft.NewFromEnv(env(map[string]string{
		"SLOREC_LLM_PROVIDER": "anthropic", "SLOREC_LLM_BASE_URL": srv.URL + "/v1", "SLOREC_LLM_MODEL": "claude-test", "ANTHROPIC_API_KEY": testKey,
	}), srv.Client())
	require.NoError(t, err)
	require.True(t, info.APIKeySet)
	res, err := d.Draft(context.Background(), request(t))
	require.NoError(t, err)
	require.Equal(t, validDraft, string(res.Raw))
	require.Equal(t, 1100, res.InputTokens)
	require.Equal(t, 280, res.OutputTokens)
	require.Equal(t, testKey, key)
	require.NotEmpty(t, version)
	require.Equal(t, "claude-test", body["model"])
	require.Equal(t, float64(draft.DefaultMaxTokens), body["max_tokens"])
	require.Equal(t, 0.0, body["temperature"])
	p, err := draft.RenderPrompt(request(t))
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(body["system"]), "explanation writer of slorec")
	msgs := body["messages"].([]any)
	require.Len(t, msgs, 1, "the system prompt travels in the system field")
	require.Contains(t, fmt.Sprint(msgs[0]), strings.SplitN(p.User, "\n", 2)[0])
}

func TestExtractJSON(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"A bare object should be kept.":                     {`{"a":1}`, `{"a":1}`},
		"Whitespace around it should be trimmed.":           {"\n  {\"a\":1}\n", `{"a":1}`},
		"A json fence should be unwrapped.":                 {"```json\n{\"a\":1}\n```", `{"a":1}`},
		"A fence without a language should be unwrapped.":   {"```\n{\"a\":1}\n```", `{"a":1}`},
		"Text before and after a fence should be dropped.":  {"Sure!\n```json\n{\"a\":{\"b\":2}}\n```\nDone.", `{"a":{"b":2}}`},
		"Text without braces should be returned trimmed.":   {"  no json here ", "no json here"},
		"An object without its end should not be repaired.": {`{"a": [1, 2`, `{"a": [1, 2`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tt.want, string(draft.ExtractJSON(tt.in)))
		})
	}
}
