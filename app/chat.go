package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/chat"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/store"
)

// chatEngine is a tenant's chat engine over one fleet run.
type chatEngine struct {
	gen    uint64
	engine *chat.Engine
}

// ConversationTTL is how long a conversation nobody continues is
// remembered.
const ConversationTTL = 7 * 24 * time.Hour

// Chat answers a question about the tenant's fleet. The engine is built
// on the tenant's current data (one fleet run) and rebuilt when the data
// changes; conversations are kept in the tenant's store, so a follow-up
// finds its context on any replica, after a restart and after the data
// changed. Errors: EINVALID (an empty or oversized question),
// EUNAVAILABLE (the store could not read or keep the conversation).
func (a *App) Chat(ctx context.Context, tenant string, q chat.Question) (chat.Answer, error) {
	e, err := a.chatFor(ctx, tenant)
	if err != nil {
		return chat.Answer{}, err
	}
	return e.Ask(ctx, q)
}

// Conversation returns the turns the tenant's conversation id
// remembers, oldest first: its newest chat.DefaultMaxTurns exchanges,
// each with the question, the answer given and the ids it cited. It
// reads the store only, so it works without the tenant's data and on
// any replica. Errors: EINVALID (a bad id), ENOTFOUND (no such
// conversation, or none continued within ConversationTTL),
// EUNAVAILABLE (the store could not read it).
func (a *App) Conversation(ctx context.Context, tenant, id string) ([]chat.Turn, error) {
	// The store validates the id (EINVALID).
	turns, err := storeMemory{st: a.cfg.Tenant(tenant), now: a.cfg.Now}.Turns(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(turns) == 0 {
		return nil, slorec.Errorf(slorec.ENOTFOUND, "conversation %s: not found (a conversation not continued for %s is forgotten)", id, ConversationTTL)
	}
	return turns, nil
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
	st := a.cfg.Tenant(tenant)
	cfg := chat.Config{Input: in, Result: res, Audit: st, Model: a.cfg.ChatModel, ModelName: a.cfg.ChatModelName,
		Memory: storeMemory{st: st, now: a.cfg.Now}, Now: a.cfg.Now}
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

// storeMemory keeps a tenant's conversations in its store, each turn as
// the chat's JSON; turns older than ConversationTTL are not read and are
// dropped by later writes.
type storeMemory struct {
	st  TenantStore
	now func() time.Time
}

func (m storeMemory) Turns(ctx context.Context, id string) ([]chat.Turn, error) {
	stored, err := m.st.ConversationTurns(ctx, id, m.now().Add(-ConversationTTL))
	if err != nil {
		return nil, err
	}
	turns := make([]chat.Turn, 0, len(stored))
	for _, s := range stored {
		var t chat.Turn
		if err := json.Unmarshal(s.Data, &t); err != nil {
			// Written by this code; a turn that does not decode is a
			// defect, not the caller's fault.
			return nil, slorec.Errorf(slorec.EINTERNAL, "conversation %s: a stored turn does not decode: %v", id, err)
		}
		turns = append(turns, t)
	}
	if len(turns) == 0 {
		return nil, nil
	}
	return turns, nil
}

func (m storeMemory) Append(ctx context.Context, id string, t chat.Turn, keep int) error {
	data, err := json.Marshal(t)
	if err != nil {
		return slorec.Errorf(slorec.EINTERNAL, "conversation %s: encode turn: %v", id, err)
	}
	return m.st.AppendTurn(ctx, id, store.Turn{At: t.At, Data: data}, keep, m.now().Add(-ConversationTTL))
}
