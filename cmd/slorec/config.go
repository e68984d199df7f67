package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// config is everything a command can be configured with. Each field comes
// from a flag, else an environment variable, else its default; defaults
// need no server.
type config struct {
	DatabaseURL string // DATABASE_URL; empty means the in-memory store
	Addr        string // SLOREC_ADDR
	LLMProvider string // SLOREC_LLM_PROVIDER: none|openai|ollama|anthropic
	LLMModel    string // SLOREC_LLM_MODEL
	LLMBaseURL  string // SLOREC_LLM_BASE_URL
	LLMAPIKey   string // SLOREC_LLM_API_KEY; never printed
	Embedder    string // SLOREC_EMBEDDER: glove|openai
	LogLevel    string // SLOREC_LOG_LEVEL: debug|info|warn|error
}

// configFromEnv returns the defaults overridden by the environment.
func configFromEnv(getenv func(string) string) config {
	or := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	return config{
		DatabaseURL: getenv("DATABASE_URL"),
		Addr:        or("SLOREC_ADDR", "127.0.0.1:8080"),
		LLMProvider: or("SLOREC_LLM_PROVIDER", "none"),
		LLMModel:    getenv("SLOREC_LLM_MODEL"),
		LLMBaseURL:  getenv("SLOREC_LLM_BASE_URL"),
		LLMAPIKey:   getenv("SLOREC_LLM_API_KEY"),
		Embedder:    or("SLOREC_EMBEDDER", "glove"),
		LogLevel:    or("SLOREC_LOG_LEVEL", "info"),
	}
}

// registerDatabase adds the database flag, defaulting to the environment.
func (c *config) registerDatabase(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "Postgres URL (env DATABASE_URL); empty uses the in-memory store")
}

// validate checks enumerated settings.
func (c *config) validate() error {
	switch c.LLMProvider {
	case "none", "openai", "ollama", "anthropic":
	default:
		return usagef("SLOREC_LLM_PROVIDER=%q: want none, openai, ollama or anthropic", c.LLMProvider)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return usagef("SLOREC_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// String describes the configuration with secrets masked, for logs.
func (c config) String() string {
	key := ""
	if c.LLMAPIKey != "" {
		key = "****"
	}
	return fmt.Sprintf("database=%s addr=%s llm=%s model=%s base_url=%s api_key=%s embedder=%s",
		maskURL(c.DatabaseURL), c.Addr, c.LLMProvider, c.LLMModel, c.LLMBaseURL, key, c.Embedder)
}

// maskURL hides the password of a connection URL.
func maskURL(u string) string {
	if u == "" {
		return "in-memory"
	}
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	creds := u[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return u[:scheme+3] + creds[:i] + ":****" + u[at:]
	}
	return u
}

// parseFlags parses args with fs, turning flag errors into usage errors and
// -h into errHelp. Positional arguments are refused unless allowArgs.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, allowArgs bool) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelp
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if !allowArgs && fs.NArg() > 0 {
		fs.Usage()
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseInterleaved parses args whose flags may follow positional
// arguments (`slorec corpus search "query" -k 3`) and returns the
// positional ones in order.
func parseInterleaved(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args, stderr, true); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
