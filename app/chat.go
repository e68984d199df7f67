package app

import (
	"context"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/chat"
	"github.com/slorec/slorec/reasoning/recommend"
)

// chatEngine is a tenant's chat engine over one fleet run.
type chatEngine struct {
	gen    uint64
	engine *chat.Engine
}

// Chat answers a question about the tenant's fleet. The engine is built
// on the tenant's current data (one fleet run) and rebuilt when the data
// changes; conversations live with the engine, so a data change starts
// them afresh. Errors: EINVALID (an empty or oversized question).
func (a *App) Chat(ctx context.Context, tenant string, q chat.Question) (chat.Answer, error) {
	e, err := a.chatFor(ctx, tenant)
	if err != nil {
		return chat.Answer{}, err
	}
	return e.Ask(ctx, q)
}

func (a *App) chatFor(ctx context.Context, tenant string) (*chat.Engine, error) {
	a.mu.Lock()
	gen := a.gen[tenant]
	c, ok := a.chats[tenant]
	a.mu.Unlock()
	if ok && c.gen == gen {
		return c.engine, nil
	}
	in, err := a.Input(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if len(in.Services) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "this tenant has no services yet: ingest a dependency graph (POST /api/v1/services/dependencies) first")
	}
	res, err := recommend.Recommend(ctx, in, recommend.Options{Seed: a.cfg.Seed})
	if err != nil {
		return nil, err
	}
	cfg := chat.Config{Input: in, Result: res, Audit: a.cfg.Tenant(tenant), Model: a.cfg.ChatModel, ModelName: a.cfg.ChatModelName}
	if a.cfg.Advisor != nil {
		cfg.Advisor = a.cfg.Advisor(tenant)
	}
	if a.cfg.Knowledge != nil {
		cfg.Search = TenantSearch(a.cfg.Knowledge, tenant)
	}
	if rep, err := a.Report(ctx, tenant); err == nil {
		cfg.Scorecard = &rep.Report
	}
	e, err := chat.New(cfg)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.chats[tenant] = chatEngine{gen: gen, engine: e}
	a.mu.Unlock()
	return e, nil
}
