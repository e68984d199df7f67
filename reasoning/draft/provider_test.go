package draft_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/draft"
)

// env is a getenv over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestNewFromEnv(t *testing.T) {
	tests := map[string]struct {
		env     map[string]string
		code    string
		drafter string
		check   func(t *testing.T, info draft.Info)
	}{
		"No provider should give the deterministic drafter.": {
			env:     map[string]string{},
			drafter: slorec.DrafterDeterministic,
		},
		"Provider none should give the deterministic drafter even with a model and key set.": {
			env:     map[string]string{"SLOREC_LLM_PROVIDER": "none", "SLOREC_LLM_MODEL": "gpt-4o-mini", "SLOREC_LLM_API_KEY": testKey},
			drafter: slorec.DrafterDeterministic,
		},
		"An unknown provider should be invalid.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "gemini", "SLOREC_LLM_MODEL": "m"},
			code: slorec.EINVALID,
		},
		"A provider without a model should be invalid.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "ollama"},
			code: slorec.EINVALID,
		},
		"A malformed timeout should be invalid.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "ollama", "SLOREC_LLM_MODEL": "m", "SLOREC_LLM_TIMEOUT": "thirty"},
			code: slorec.EINVALID,
		},
		"A negative timeout should be invalid.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "ollama", "SLOREC_LLM_MODEL": "m", "SLOREC_LLM_TIMEOUT": "-5s"},
			code: slorec.EINVALID,
		},
		"A base URL that is not http(s) should be invalid.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "openai", "SLOREC_LLM_MODEL": "m", "SLOREC_LLM_BASE_URL": "ftp://example.com/v1", "SLOREC_LLM_API_KEY": testKey},
			code: slorec.EINVALID,
		},
		"OpenAI at its default endpoint without a key should be invalid.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "openai", "SLOREC_LLM_MODEL": "gpt-4o-mini"},
			code: slorec.EINVALID,
		},
		"Anthropic at its default endpoint without a key should be invalid.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "anthropic", "SLOREC_LLM_MODEL": "claude-sonnet-4"},
			code: slorec.EINVALID,
		},
		"OpenAI should fall back to OPENAI_API_KEY.": {
			env:     map[string]string{"SLOREC_LLM_PROVIDER": "OpenAI", "SLOREC_LLM_MODEL": "gpt-4o-mini", "OPENAI_API_KEY": testKey, "SLOREC_LLM_TIMEOUT": "5s"},
			drafter: "llm:openai/gpt-4o-mini",
			check: func(t *testing.T, info draft.Info) {
				require.True(t, info.APIKeySet)
				require.Equal(t, draft.DefaultOpenAIBaseURL, info.BaseURL)
				require.Equal(t, "5s", info.Timeout)
				require.Equal(t, draft.PromptVersion, info.PromptVersion)
			},
		},
		"Anthropic should fall back to ANTHROPIC_API_KEY.": {
			env:     map[string]string{"SLOREC_LLM_PROVIDER": "anthropic", "SLOREC_LLM_MODEL": "claude-sonnet-4", "ANTHROPIC_API_KEY": testKey},
			drafter: "llm:anthropic/claude-sonnet-4",
			check:   func(t *testing.T, info draft.Info) { require.Equal(t, "30s", info.Timeout) },
		},
		"Another provider's key should not be used.": {
			env:  map[string]string{"SLOREC_LLM_PROVIDER": "anthropic", "SLOREC_LLM_MODEL": "claude-sonnet-4", "OPENAI_API_KEY": testKey},
			code: slorec.EINVALID,
		},
		"An OpenAI-compatible server of its own should need no key.": {
			env:     map[string]string{"SLOREC_LLM_PROVIDER": "openai", "SLOREC_LLM_MODEL": "qwen2.5", "SLOREC_LLM_BASE_URL": "http://127.0.0.1:8000/v1/"},
			drafter: "llm:openai/qwen2.5",
			check: func(t *testing.T, info draft.Info) {
				require.False(t, info.APIKeySet)
				require.Equal(t, "http://127.0.0.1:8000/v1", info.BaseURL)
			},
		},
		"Ollama should need no key and default to its local address.": {
			env:     map[string]string{"SLOREC_LLM_PROVIDER": "ollama", "SLOREC_LLM_MODEL": "llama3.1"},
			drafter: "llm:ollama/llama3.1",
			check:   func(t *testing.T, info draft.Info) { require.Equal(t, draft.DefaultOllamaBaseURL, info.BaseURL) },
		},
		"Credentials in the base URL should not appear in Info.": {
			env: map[string]string{"SLOREC_LLM_PROVIDER": "openai", "SLOREC_LLM_MODEL": "m",
				"SLOREC_LLM_BASE_URL": "https://user:" + testKey + "@llm.example.com/v1?token=" + testKey},
			drafter: "llm:openai/m",
			check:   func(t *testing.T, info draft.Info) { require.Equal(t, "https://llm.example.com/v1", info.BaseURL) },
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			d, info, err := draft.NewFromEnv(env(tt.env), &http.Client{})
			require.NotContains(t, fmt.Sprintf("%+v %v", info, err), testKey, "a secret leaked")
			if tt.code != "" {
				require.Error(t, err)
				require.Equal(t, tt.code, slorec.ErrorCode(err), "%v", err)
				require.Nil(t, d)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.drafter, info.Drafter)
			if llm, ok := d.(*draft.LLM); ok {
				require.Equal(t, tt.drafter, llm.Name())
			} else {
				require.Equal(t, draft.Deterministic{}, d)
			}
			if tt.check != nil {
				tt.check(t, info)
			}
		})
	}
}

func TestUnknownProviderMessageNamesTheChoices(t *testing.T) {
	_, _, err := draft.New(draft.Config{Provider: "gemini", Model: "m"}, nil)
	require.Contains(t, slorec.ErrorMessage(err), `unknown provider "gemini" (want openai, ollama, anthropic or none)`)
	_, _, err = draft.New(draft.Config{Provider: "openai"}, nil)
	require.Contains(t, slorec.ErrorMessage(err), "SLOREC_LLM_MODEL: required")
}
