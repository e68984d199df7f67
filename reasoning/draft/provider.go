package draft

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"

	"github.com/slorec/slorec"
)

// Providers.
const (
	ProviderNone      = "none"
	ProviderOpenAI    = "openai"
	ProviderOllama    = "ollama"
	ProviderAnthropic = "anthropic"
)

// Default base URLs. The OpenAI one fits any OpenAI-compatible server
// (vLLM, llama.cpp server, LM Studio, Ollama's /v1) once replaced by its
// address, /v1 included.
const (
	DefaultOpenAIBaseURL    = "https://api.openai.com/v1"
	DefaultAnthropicBaseURL = "https://api.anthropic.com/v1"
	DefaultOllamaBaseURL    = "http://127.0.0.1:11434"
)

// placeholderKey is sent to a custom OpenAI-compatible or Anthropic base
// URL when no key is configured: local servers ignore it, and langchaingo
// refuses to build a client without one.
const placeholderKey = "unused"

// Config selects and configures the drafter. The zero value is the
// deterministic drafter.
type Config struct {
	// Provider is openai, ollama, anthropic or none ("" means none).
	Provider string
	// BaseURL is the API's address; "" means the provider's default.
	BaseURL string
	// Model is required for every provider but none.
	Model string
	// APIKey is the provider's key; required for the default OpenAI and
	// Anthropic endpoints, optional elsewhere (sent as a bearer token to
	// Ollama).
	APIKey string
	// Timeout bounds each attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// LLM tunes retries, the breaker, the clock and token limits; its Name,
	// Timeout and Secrets are set from the fields above.
	LLM LLMConfig
}

// Info describes the configured drafter, secrets left out; safe to log
// and to show.
type Info struct {
	Provider string `json:"provider"`
	Model    string `json:"model,omitempty"`
	// BaseURL is the endpoint without any user information.
	BaseURL string `json:"base_url,omitempty"`
	// Drafter is the name drafts are attributed to.
	Drafter       string `json:"drafter"`
	Timeout       string `json:"timeout,omitempty"`
	APIKeySet     bool   `json:"api_key_set"`
	PromptVersion string `json:"prompt_version,omitempty"`
}

// ConfigFromEnv reads the drafter configuration:
//
//	SLOREC_LLM_PROVIDER  openai|ollama|anthropic|none (default none)
//	SLOREC_LLM_BASE_URL  the API address (default: the provider's)
//	SLOREC_LLM_MODEL     the model name (required unless none)
//	SLOREC_LLM_API_KEY   the key; for openai OPENAI_API_KEY and for
//	                     anthropic ANTHROPIC_API_KEY are fallbacks
//	SLOREC_LLM_TIMEOUT   per-attempt timeout, a Go duration (default 30s)
//
// It returns an EINVALID error for a malformed timeout; New checks the
// rest.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		Provider: strings.ToLower(get("SLOREC_LLM_PROVIDER")),
		BaseURL:  get("SLOREC_LLM_BASE_URL"),
		Model:    get("SLOREC_LLM_MODEL"),
		APIKey:   get("SLOREC_LLM_API_KEY"),
	}
	if c.APIKey == "" {
		switch c.Provider {
		case ProviderOpenAI:
			c.APIKey = get("OPENAI_API_KEY")
		case ProviderAnthropic:
			c.APIKey = get("ANTHROPIC_API_KEY")
		}
	}
	if t := get("SLOREC_LLM_TIMEOUT"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return Config{}, slorec.Errorf(slorec.EINVALID, "SLOREC_LLM_TIMEOUT: %q is not a positive duration (e.g. 30s)", t)
		}
		c.Timeout = d
	}
	return c, nil
}

// NewFromEnv is New(ConfigFromEnv(getenv)).
func NewFromEnv(getenv func(string) string, httpClient *http.Client) (Drafter, Info, error) {
	c, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, Info{}, err
	}
	return New(c, httpClient)
}

// New returns the configured drafter: Deterministic for provider none, an
// *LLM on the provider's langchaingo client otherwise. httpClient (nil
// means a default client) is copied and instrumented, never changed; its
// Timeout, if any, bounds every attempt on top of Config.Timeout. It
// returns an EINVALID error for an unknown provider, a missing model or
// key, or a malformed base URL. No error or Info carries the key.
func New(c Config, httpClient *http.Client) (Drafter, Info, error) {
	model, info, u, err := newModel(c, httpClient)
	if err != nil || model == nil {
		if err == nil {
			return Deterministic{}, info, nil
		}
		return nil, Info{}, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	lc := c.LLM
	lc.Name, lc.Timeout = info.Drafter, timeout
	lc.Secrets = append(append([]string(nil), lc.Secrets...), c.APIKey)
	if pw, ok := u.User.Password(); ok {
		lc.Secrets = append(lc.Secrets, pw)
	}
	l, err := NewLLM(model, lc)
	if err != nil {
		return nil, Info{}, err
	}
	return l, info, nil
}

// NewModel is the configured provider's langchaingo model, validated as
// New validates it, for other callers of the same model (the chat's
// routing and phrasing); nil for provider none. Its HTTP client is
// instrumented like the drafter's.
func NewModel(c Config, httpClient *http.Client) (llms.Model, Info, error) {
	m, info, _, err := newModel(c, httpClient)
	return m, info, err
}

// newModel validates c and builds the provider's model; a nil model with
// no error is provider none.
func newModel(c Config, httpClient *http.Client) (llms.Model, Info, *url.URL, error) {
	provider := strings.ToLower(strings.TrimSpace(c.Provider))
	if provider == "" || provider == ProviderNone {
		return nil, Info{Provider: ProviderNone, Drafter: slorec.DrafterDeterministic}, nil, nil
	}
	var def string
	switch provider {
	case ProviderOpenAI:
		def = DefaultOpenAIBaseURL
	case ProviderAnthropic:
		def = DefaultAnthropicBaseURL
	case ProviderOllama:
		def = DefaultOllamaBaseURL
	default:
		return nil, Info{}, nil, slorec.Errorf(slorec.EINVALID, "SLOREC_LLM_PROVIDER: unknown provider %q (want openai, ollama, anthropic or none)", c.Provider)
	}
	if c.Model == "" {
		return nil, Info{}, nil, slorec.Errorf(slorec.EINVALID, "SLOREC_LLM_MODEL: required for provider %s", provider)
	}
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = def
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, Info{}, nil, slorec.Errorf(slorec.EINVALID, "SLOREC_LLM_BASE_URL: not an http(s) URL with a host")
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	info := Info{Provider: provider, Model: c.Model, BaseURL: redactURL(u), Drafter: LLMName(provider, c.Model),
		Timeout: timeout.String(), APIKeySet: c.APIKey != "", PromptVersion: PromptVersion}
	key := c.APIKey
	if key == "" && provider != ProviderOllama {
		if base == def {
			return nil, Info{}, nil, slorec.Errorf(slorec.EINVALID, "SLOREC_LLM_API_KEY: required for %s at its default endpoint", provider)
		}
		key = placeholderKey
	}

	var model llms.Model
	switch provider {
	case ProviderOpenAI:
		model, err = openai.New(openai.WithBaseURL(base), openai.WithModel(c.Model), openai.WithToken(key),
			openai.WithOrganization(""), openai.WithHTTPClient(instrument(httpClient, "")))
	case ProviderAnthropic:
		model, err = anthropic.New(anthropic.WithBaseURL(base), anthropic.WithModel(c.Model), anthropic.WithToken(key),
			anthropic.WithHTTPClient(instrument(httpClient, "")))
	case ProviderOllama:
		auth := ""
		if key != "" {
			auth = "Bearer " + key
		}
		model, err = ollama.New(ollama.WithServerURL(base), ollama.WithModel(c.Model), ollama.WithHTTPClient(instrument(httpClient, auth)))
	}
	if err != nil {
		return nil, Info{}, nil, slorec.Errorf(slorec.EINVALID, "%s client: %s", provider, scrub(err.Error(), []string{c.APIKey}))
	}
	return model, info, u, nil
}

// redactURL writes u without user information, query or fragment, which
// may carry credentials.
func redactURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.Fragment = nil, "", ""
	return v.String()
}
