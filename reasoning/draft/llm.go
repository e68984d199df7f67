package draft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/slorec/slorec"
)

// LLM defaults.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultMaxTokens = 4096 // a draft at every schema maximum is about 3,000 tokens
)

// Retry defaults.
const (
	DefaultAttempts       = 3
	DefaultBaseDelay      = 500 * time.Millisecond
	DefaultMaxDelay       = 8 * time.Second
	DefaultRateLimitDelay = 5 * time.Second
	DefaultMaxRetryAfter  = 30 * time.Second
)

// RetryPolicy says when and how long to wait before another attempt. The
// zero value is the default. Retried: per-attempt timeouts, transport
// errors, 408, 429 and 5xx. Not retried: other 4xx, malformed replies,
// and the caller's cancellation.
type RetryPolicy struct {
	// Attempts is the total number of attempts; zero means
	// DefaultAttempts, one means no retry.
	Attempts int
	// BaseDelay is the backoff before the second attempt; it doubles for
	// each further one, up to MaxDelay, with equal jitter (half fixed,
	// half random). Zero means DefaultBaseDelay.
	BaseDelay time.Duration
	// MaxDelay caps the backoff; zero means DefaultMaxDelay.
	MaxDelay time.Duration
	// RateLimitDelay is the least wait after a 429 without Retry-After,
	// plus up to half again of jitter; zero means DefaultRateLimitDelay.
	RateLimitDelay time.Duration
	// MaxRetryAfter is the longest Retry-After (on 429 or 503) honoured;
	// a longer one fails the call at once, so the caller falls back
	// instead of waiting. Zero means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = DefaultAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.RateLimitDelay <= 0 {
		p.RateLimitDelay = DefaultRateLimitDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// LLMConfig configures an LLM drafter. Only Name is required.
type LLMConfig struct {
	// Name is the drafter's name, "llm:<provider>/<model>" (LLMName).
	Name string
	// Timeout bounds each attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxTokens bounds the reply; zero means DefaultMaxTokens.
	MaxTokens int
	// NoJSONMode leaves out llms.WithJSONMode, for OpenAI-compatible
	// servers that reject response_format.
	NoJSONMode bool
	Retry      RetryPolicy
	// Breaker is shared by every call of the drafter; nil means a new
	// breaker with BreakerConfig defaults and this config's Now.
	Breaker *Breaker
	// Now is the clock of latencies and Retry-After dates; nil means
	// time.Now.
	Now func() time.Time
	// Sleep waits between attempts and returns early with ctx's error;
	// nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0,1) for backoff jitter; nil means
	// math/rand/v2.
	Jitter func() float64
	// Secrets (API keys) are scrubbed from every error text.
	Secrets []string
}

// LLM drafts with a language model through langchaingo's llms.Model: it
// renders the prompt (RenderPrompt), calls the model with temperature 0,
// bounded tokens and JSON mode, and returns the JSON object of the reply
// unvalidated for the guardrails to check. Attempts are bounded by a
// timeout each, retried with backoff (RetryPolicy) and guarded by a
// circuit breaker; every failure is an EUNAVAILABLE error, so the caller
// falls back to the deterministic drafter.
//
// The reply is the first choice with content. A fenced reply ("```json")
// is unwrapped, and text around the outermost braces dropped; nothing is
// repaired: a reply that is not JSON is returned raw and the guardrails
// reject it. An empty reply, a body that does not decode and an empty
// choice list are errors (not retried). An LLM is safe for concurrent
// use.
type LLM struct {
	model   llms.Model
	cfg     LLMConfig
	breaker *Breaker
}

var _ Drafter = (*LLM)(nil)

// LLMName is the drafter name of a provider's model.
func LLMName(provider, model string) string { return "llm:" + provider + "/" + model }

// NewLLM returns an LLM drafter on model. It returns an EINVALID error
// for a nil model or a config without a name.
func NewLLM(model llms.Model, cfg LLMConfig) (*LLM, error) {
	if model == nil {
		return nil, slorec.Errorf(slorec.EINVALID, "llm drafter: no model")
	}
	if strings.TrimSpace(cfg.Name) == "" {
		return nil, slorec.Errorf(slorec.EINVALID, "llm drafter: name required (llm:<provider>/<model>)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	cfg.Retry = cfg.Retry.withDefaults()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	b := cfg.Breaker
	if b == nil {
		b = NewBreaker(BreakerConfig{Now: cfg.Now})
	}
	return &LLM{model: model, cfg: cfg, breaker: b}, nil
}

// Name is the drafter's name.
func (l *LLM) Name() string { return l.cfg.Name }

// Breaker is the drafter's circuit breaker.
func (l *LLM) Breaker() *Breaker { return l.breaker }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Draft implements Drafter.
func (l *LLM) Draft(ctx context.Context, req Request) (res Result, err error) {
	start := l.cfg.Now()
	res.Drafter = l.cfg.Name
	defer func() { res.Latency = l.cfg.Now().Sub(start) }()
	if req.Recommendation != nil && len(req.Recommendation.Objectives) == 0 {
		return res, slorec.Errorf(slorec.EINVALID, "draft: the %s recommendation has no objective to explain", req.Recommendation.Service)
	}
	p, err := RenderPrompt(req)
	if err != nil {
		return res, err
	}
	res.PromptHash = p.Hash()
	msgs := p.Messages()
	opts := []llms.CallOption{llms.WithTemperature(0), llms.WithMaxTokens(l.cfg.MaxTokens)}
	if !l.cfg.NoJSONMode {
		opts = append(opts, llms.WithJSONMode())
	}
	for attempt := 1; ; attempt++ {
		probe, err := l.breaker.allow()
		if err != nil {
			return res, l.fail(slorec.ErrorMessage(err), res.Attempts, nil)
		}
		res.Attempts++
		f, reply := l.attempt(ctx, msgs, opts)
		l.breaker.done(probe, f.outcome)
		if f.outcome == outcomeSuccess {
			res.Raw, res.InputTokens, res.OutputTokens = reply.raw, reply.in, reply.out
			return res, nil
		}
		if ctx.Err() != nil {
			return res, l.fail("canceled by the caller", res.Attempts, ctx.Err())
		}
		if !f.retryable || attempt >= l.cfg.Retry.Attempts {
			return res, l.fail(f.desc, res.Attempts, f.cause)
		}
		wait, why := l.backoff(attempt, f)
		if why != "" {
			return res, l.fail(f.desc+"; "+why, res.Attempts, f.cause)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return res, l.fail(f.desc+"; no time left for a retry", res.Attempts, f.cause)
		}
		if err := l.cfg.Sleep(ctx, wait); err != nil {
			return res, l.fail("canceled by the caller", res.Attempts, err)
		}
	}
}

// reply is a successful attempt's output.
type reply struct {
	raw     []byte
	in, out int
}

// failure classifies a failed attempt.
type failure struct {
	outcome   outcome
	retryable bool
	// rateLimited: a 429; retryAfter/hasRetryAfter: the server said
	// how long to wait.
	rateLimited   bool
	retryAfter    time.Duration
	hasRetryAfter bool
	desc          string
	cause         error
}

func (l *LLM) attempt(ctx context.Context, msgs []llms.MessageContent, opts []llms.CallOption) (failure, reply) {
	actx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	actx, rec := withRecord(actx)
	resp, err := l.model.GenerateContent(actx, msgs, opts...)
	timedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	if err == nil {
		r, ferr := replyOf(resp)
		if ferr == nil {
			return failure{outcome: outcomeSuccess}, r
		}
		return failure{outcome: outcomeFailure, desc: ferr.Error()}, reply{}
	}
	status, retryAfter := rec.get()
	return l.classify(ctx, err, timedOut, status, retryAfter), reply{}
}

// replyOf picks the reply's content and token counts.
func replyOf(resp *llms.ContentResponse) (reply, error) {
	if resp == nil || len(resp.Choices) == 0 {
		return reply{}, errors.New("malformed reply: no choices")
	}
	for _, c := range resp.Choices {
		if c == nil || strings.TrimSpace(c.Content) == "" {
			continue
		}
		in, out := tokenCounts(c.GenerationInfo)
		return reply{raw: ExtractJSON(c.Content), in: in, out: out}, nil
	}
	return reply{}, errors.New("malformed reply: empty content")
}

// tokenCounts reads the providers' token counts: PromptTokens and
// CompletionTokens (OpenAI, Ollama), InputTokens and OutputTokens
// (Anthropic).
func tokenCounts(info map[string]any) (in, out int) {
	get := func(keys ...string) int {
		for _, k := range keys {
			switch v := info[k].(type) {
			case int:
				return v
			case int32:
				return int(v)
			case int64:
				return int(v)
			case float64:
				return int(v)
			}
		}
		return 0
	}
	return get("PromptTokens", "InputTokens"), get("CompletionTokens", "OutputTokens")
}

// statusInText finds an HTTP status in an error text, for models whose
// HTTP client is not instrumented ("API returned unexpected status code:
// 503").
var statusInText = regexp.MustCompile(`status(?: code)?:? (\d{3})\b`)

// classify says whether a failed attempt is worth retrying and what it
// says about the backend.
func (l *LLM) classify(ctx context.Context, err error, timedOut bool, status int, retryAfter string) failure {
	f := failure{outcome: outcomeFailure, cause: err}
	if status == 0 {
		if m := statusInText.FindStringSubmatch(err.Error()); m != nil {
			status, _ = strconv.Atoi(m[1])
		}
	}
	var le *llms.Error
	switch {
	case ctx.Err() != nil:
		f.outcome, f.desc = outcomeNeutral, "canceled by the caller"
	case status == 429:
		f.retryable, f.rateLimited, f.desc = true, true, "rate limited (HTTP 429)"
	case status == 408 || status >= 500:
		f.retryable, f.desc = true, fmt.Sprintf("HTTP %d", status)
	case status >= 400:
		f.outcome, f.desc = outcomeNeutral, fmt.Sprintf("HTTP %d, not retried", status)
	case timedOut:
		f.retryable, f.desc = true, fmt.Sprintf("attempt timed out after %s", l.cfg.Timeout)
	case errors.As(err, &le):
		switch le.Code {
		case llms.ErrCodeRateLimit:
			f.retryable, f.rateLimited, f.desc = true, true, "rate limited"
		case llms.ErrCodeTimeout, llms.ErrCodeProviderUnavailable:
			f.retryable, f.desc = true, string(le.Code)
		default:
			f.outcome, f.desc = outcomeNeutral, string(le.Code)+", not retried"
		}
	case isTransport(err):
		f.retryable, f.desc = true, "transport error"
	default:
		f.desc = "malformed reply"
	}
	if f.retryable {
		f.retryAfter, f.hasRetryAfter = parseRetryAfter(retryAfter, l.cfg.Now())
	}
	return f
}

// isTransport reports a network failure: a net.Error, a connection
// closed early, or the text langchaingo's clients make of them.
func isTransport(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	s := strings.ToLower(err.Error())
	for _, p := range []string{"network error", "connection refused", "connection reset", "request timeout", "eof", "no such host"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// backoff is the wait before attempt+1, or why there is none.
func (l *LLM) backoff(attempt int, f failure) (time.Duration, string) {
	p := l.cfg.Retry
	if f.hasRetryAfter {
		if f.retryAfter > p.MaxRetryAfter {
			return 0, fmt.Sprintf("Retry-After %s is longer than the %s honoured", f.retryAfter, p.MaxRetryAfter)
		}
		return f.retryAfter, ""
	}
	d := p.BaseDelay << (attempt - 1)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	if f.rateLimited {
		d = max(d, p.RateLimitDelay)
		return d + time.Duration(l.cfg.Jitter()*float64(d)/2), ""
	}
	return d/2 + time.Duration(l.cfg.Jitter()*float64(d)/2), ""
}

// fail is the error of a failed Draft: EUNAVAILABLE with a message safe
// to show, joined with the cause (secrets scrubbed) for the log.
func (l *LLM) fail(desc string, attempts int, cause error) error {
	e := slorec.Errorf(slorec.EUNAVAILABLE, "%s: %s (%d %s)", l.cfg.Name, desc, attempts, plural(attempts, "attempt", "attempts"))
	if cause == nil {
		return e
	}
	return errors.Join(e, scrubbed{cause: cause, secrets: l.cfg.Secrets})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// scrubbed is an error whose text has the secrets and anything that looks
// like a bearer token or API key removed. It unwraps to the original, so
// errors.Is(err, context.Canceled) still works.
type scrubbed struct {
	cause   error
	secrets []string
}

var keyLike = regexp.MustCompile(`(?i)\b(?:sk|sk-ant|sk-proj)-[A-Za-z0-9_*\-]{6,}|\bbearer\s+[A-Za-z0-9._~+/=\-]+`)

func (s scrubbed) Error() string { return scrub(s.cause.Error(), s.secrets) }
func (s scrubbed) Unwrap() error { return s.cause }

func scrub(t string, secrets []string) string {
	for _, k := range secrets {
		if k != "" {
			t = strings.ReplaceAll(t, k, "[redacted]")
		}
	}
	return keyLike.ReplaceAllString(t, "[redacted]")
}

// ExtractJSON returns the JSON object of a model's reply: fences
// ("```json ... ```") unwrapped, text before the first "{" and after the
// last "}" dropped. It repairs nothing; without braces it returns the
// trimmed reply.
func ExtractJSON(s string) []byte {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "```"); i >= 0 {
		body := s[i+3:]
		if nl := strings.IndexByte(body, '\n'); nl >= 0 && !strings.ContainsAny(body[:nl], "{}") {
			body = body[nl+1:] // the info string: "json"
		}
		if j := strings.Index(body, "```"); j >= 0 {
			body = body[:j]
		}
		if strings.Contains(body, "{") {
			s = strings.TrimSpace(body)
		}
	}
	if i := strings.IndexByte(s, '{'); i >= 0 {
		if j := strings.LastIndexByte(s, '}'); j > i {
			return []byte(s[i : j+1])
		}
		return []byte(s[i:])
	}
	return []byte(s)
}
