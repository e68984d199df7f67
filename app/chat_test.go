package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/chat"
	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/inmem"
)

func TestStoreMemoryForgetsConversationsAfterTheTTL(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	st := inmem.New().Tenant(slorec.DefaultTenant)
	m := storeMemory{st: st, now: func() time.Time { return now }}

	turn := chat.Turn{At: now, Question: "explain payment-service", Intent: chat.IntentExplain, Services: []string{"payment-service"}}
	require.NoError(t, m.Append(ctx, "c", turn, 20))
	now = now.Add(ConversationTTL - time.Minute)
	got, err := m.Turns(ctx, "c")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, turn.Services, got[0].Services, "the turn as the chat wrote it")
	require.Equal(t, chat.IntentExplain, got[0].Intent)

	now = now.Add(2 * time.Minute)
	got, err = m.Turns(ctx, "c")
	require.NoError(t, err)
	require.Nil(t, got, "not continued within the TTL: forgotten")

	require.NoError(t, m.Append(ctx, "d", chat.Turn{At: now, Question: "which services are at risk?"}, 20))
	stored, err := st.ConversationTurns(ctx, "c", time.Time{})
	require.NoError(t, err)
	require.Nil(t, stored, "and dropped from the store by the next write")
}

func TestStoreMemoryRefusesATurnItCannotDecode(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	st := inmem.New().Tenant(slorec.DefaultTenant)
	require.NoError(t, st.AppendTurn(ctx, "c", store.Turn{At: now, Data: []byte(`{"at": "yesterday"}`)}, 5, time.Time{}))
	_, err := storeMemory{st: st, now: func() time.Time { return now }}.Turns(ctx, "c")
	require.Equal(t, slorec.EINTERNAL, slorec.ErrorCode(err), "%v", err)
}
