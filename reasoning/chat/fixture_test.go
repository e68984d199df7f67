package chat_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/corpus"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/internal/platformcard"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/chat"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/scorecard"
	"github.com/slorec/slorec/retrieval"
)

// fleet is the embedded e-commerce example run once: its input, the fleet
// result, its scorecard and a text-only retriever over the shipped corpus
// and its incidents.
type fleet struct {
	in     recommend.Input
	res    *recommend.Result
	card   scorecard.Report
	search advisor.SearchFunc
}

var loadFleet = sync.OnceValues(func() (*fleet, error) {
	ctx := context.Background()
	d, err := dataset.LoadFS(examples.Ecommerce(), "examples/ecommerce", dataset.LoadOptions{})
	if err != nil {
		return nil, err
	}
	f := &fleet{in: recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}}
	if f.res, err = recommend.Recommend(ctx, f.in, recommend.Options{Seed: 1}); err != nil {
		return nil, err
	}
	if f.card, err = scorecard.Summarize(platformcard.Build(d).Services); err != nil {
		return nil, err
	}
	docs, err := corpus.Load()
	if err != nil {
		return nil, err
	}
	var rd []retrieval.Document
	for _, c := range docs {
		rd = append(rd, retrieval.Document{ID: c.ID, Kind: c.Kind, Title: c.Title, Services: c.Services, Tags: c.Tags, Body: c.Body})
	}
	for _, in := range d.Incidents {
		rd = append(rd, retrieval.IncidentDocument(in))
	}
	r := &retrieval.Retriever{Index: retrieval.NewMemIndex()}
	if _, err := r.Add(ctx, rd); err != nil {
		return nil, err
	}
	f.search = advisor.Retrieval(r)
	return f, nil
})

// engine is a chat engine over the example; change edits the config.
func engine(t *testing.T, change func(*chat.Config)) *chat.Engine {
	t.Helper()
	f, err := loadFleet()
	require.NoError(t, err)
	card := f.card
	cfg := chat.Config{
		Input: f.in, Result: f.res, Scorecard: &card,
		Advisor: &advisor.Advisor{Search: f.search},
	}
	if change != nil {
		change(&cfg)
	}
	e, err := chat.New(cfg)
	require.NoError(t, err)
	return e
}

// ask asks one question in a new conversation and requires an answer.
func ask(t *testing.T, e *chat.Engine, text string) chat.Answer {
	t.Helper()
	a, err := e.Ask(context.Background(), chat.Question{Text: text})
	require.NoError(t, err)
	return a
}
