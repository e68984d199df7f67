package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tmc/langchaingo/llms"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/platformcard"
	"github.com/slorec/slorec/reasoning/chat"
	"github.com/slorec/slorec/reasoning/draft"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// runAsk answers one question about a dataset: it runs the fleet engine
// once, builds the chat engine with the advisor (the configured drafter
// and the embedded knowledge) and, when SLOREC_LLM_PROVIDER names one, the
// same model for routing and phrasing, and prints the answer. A refusal
// is an answer: it exits 0.
func runAsk(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	dir := fs.String("dataset", "", "dataset directory (default: the embedded e-commerce example)")
	service := fs.String("service", "", "the service the question is about when it names none")
	format := formatFlag(fs, "text", "json")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `Usage: slorec ask "question" [--dataset DIR] [--service ID] [--format text|json]`)
		fmt.Fprintln(fs.Output(), `Examples: "why is checkout-service's target 99.5%?", "what if payment-service drops to 99%?",`)
		fmt.Fprintln(fs.Output(), `          "which services are at risk?", "what does our error budget policy say?"`)
		fs.PrintDefaults()
	}
	words, err := parseInterleaved(fs, args, e.stderr)
	if err != nil {
		return err
	}
	if err := checkFormat("ask", *format, "text", "json"); err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(words, " "))
	if question == "" {
		fs.Usage()
		return usagef("ask: a question is required, e.g. slorec ask \"which services are at risk?\"")
	}
	if len(question) > chat.MaxQuestionBytes {
		return usagef("ask: the question is longer than %d bytes", chat.MaxQuestionBytes)
	}

	d, _, err := loadDataset(*dir)
	if err != nil {
		return err
	}
	in := engineInput(d)
	res, err := recommend.Recommend(ctx, in, recommend.Options{Seed: 1})
	if err != nil {
		return err
	}
	r, _, err := embeddedKnowledge(ctx, e, d)
	if err != nil {
		return err
	}
	adv, info, err := newAdvisor(e, r, nil)
	if err != nil {
		return err
	}
	cfg := chat.Config{Input: in, Result: res, Advisor: adv}
	if d.Platform != nil {
		card, err := scorecard.Summarize(platformcard.Build(d).Services)
		if err != nil {
			return fmt.Errorf("scorecard: %w", err)
		}
		cfg.Scorecard = &card
	}
	if cfg.Model, err = chatModel(e.getenv, info); err != nil {
		return err
	}
	cfg.ModelName = info.Drafter
	eng, err := chat.New(cfg)
	if err != nil {
		return err
	}
	ans, err := eng.Ask(ctx, chat.Question{Text: question, Service: *service})
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, ans)
	}
	printAnswer(e.stdout, ans)
	return nil
}

// chatModel is the langchaingo model of the configured provider (the one
// the drafter uses), for the chat's routing and phrasing; nil for
// provider none.
func chatModel(getenv func(string) string, _ draft.Info) (llms.Model, error) {
	c, err := draft.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	m, _, err := draft.NewModel(c, http.DefaultClient)
	return m, err
}

// printAnswer writes an answer for a terminal: the prose, the sources,
// suggestions, then who wrote it and every guardrail verdict on one line.
func printAnswer(w io.Writer, a chat.Answer) {
	fmt.Fprintln(w, a.Text)
	if len(a.Citations) > 0 {
		fmt.Fprintln(w, "\nSources:")
		for _, c := range a.Citations {
			fmt.Fprintf(w, "  [%s] %s\n", c.ID, c.Title)
		}
	}
	if len(a.Suggestions) > 0 {
		fmt.Fprintln(w, "\nTry:")
		for _, s := range a.Suggestions {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	line := "\ndrafter: " + a.Drafter
	if a.Fallback != "" {
		line += " (" + a.Fallback + ")"
	}
	line += fmt.Sprintf("; intent: %s (%s", a.Intent, a.Routing.By)
	if a.Routing.Rule != "" {
		line += ": " + a.Routing.Rule
	}
	line += ")"
	if len(a.Redactions) > 0 {
		line += "; redacted from the question: " + strings.Join(a.Redactions, ", ")
	}
	line += "; guardrails: question " + verdictList(a.InputVerdicts) + "; answer " + verdictList(a.Verdicts)
	fmt.Fprintln(w, line)
}

func verdictList(vs []slorec.GuardVerdict) string {
	var parts []string
	for _, v := range vs {
		s := v.Guard + " pass"
		if !v.Passed {
			s = fmt.Sprintf("%s FAIL (%d)", v.Guard, len(v.Violations))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
