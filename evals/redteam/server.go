package redteam

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/slorec/slorec/guardrails"
)

// Reply is one answer of the scripted model.
type Reply struct {
	// Content is the assistant message of a chat completion.
	Content string
	// Status is the HTTP status; zero means 200.
	Status int
	// Body, when set, is sent instead of a chat completion (an HTML error
	// page, say), with ContentType (default text/html).
	Body        string
	ContentType string
}

// server is an OpenAI-compatible chat-completions server answering the nth
// request with replies[n-1], the last one repeating, and keeping every
// string it was sent so a case can prove text never reached the model.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	replies []Reply
	calls   int
	texts   []string
	// repairs are the user messages of the second and later requests.
	repairs []string
}

func newServer(replies []Reply) *server {
	s := &server{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body any
	_ = json.Unmarshal(raw, &body)
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.texts = append(s.texts, string(raw))
	s.texts = collect(s.texts, body)
	if prev, ok := previousOutput(body); ok {
		s.repairs = append(s.repairs, prev)
	}
	s.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	rep := Reply{Status: http.StatusInternalServerError, Body: "no scripted reply"}
	if len(s.replies) > 0 {
		rep = s.replies[min(n, len(s.replies))-1]
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	if rep.Body != "" {
		ct := rep.ContentType
		if ct == "" {
			ct = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, rep.Body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(completion(rep.Content))
}

// completion is a chat completion whose one choice says content.
func completion(content string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-redteam", "object": "chat.completion", "created": 1, "model": Model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]any{"prompt_tokens": 1000, "completion_tokens": 300, "total_tokens": 1300},
	})
	return b
}

// collect appends every string inside v (a decoded JSON value).
func collect(out []string, v any) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, e := range x {
			out = collect(out, e)
		}
	case map[string]any:
		for _, e := range x {
			out = collect(out, e)
		}
	}
	return out
}

// saw reports whether any request carried text (case-insensitively), and
// how many requests there were.
func (s *server) saw(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := strings.ToLower(text)
	for _, x := range s.texts {
		if strings.Contains(strings.ToLower(x), t) {
			return true
		}
	}
	return false
}

func (s *server) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// previousOutput is the <previous_output> block of a repair request's
// user message (the system message may name the tag too).
func previousOutput(body any) (string, bool) {
	for _, t := range collect(nil, body) {
		i := strings.LastIndex(t, "<previous_output>\n")
		j := strings.LastIndex(t, "</previous_output>")
		if i >= 0 && j > i {
			return t[i+len("<previous_output>\n") : j], true
		}
	}
	return "", false
}

// echoed lists what the repair requests carried back to the model of a
// rejected draft: personal data by kind, injection findings by rule.
func (s *server) echoed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	add := func(k string) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	for _, prev := range s.repairs {
		_, reds := guardrails.Redact(prev)
		for _, r := range reds {
			add("pii: " + r.Kind)
		}
		for _, f := range guardrails.ScreenInjection(prev) {
			add("injection: " + f.Rule)
		}
	}
	return out
}
