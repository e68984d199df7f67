package inmem_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/inmem"
	"github.com/slorec/slorec/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return inmem.New() })
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestIdempotencyKeysExpireAfterADay(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)}
	s := inmem.NewWithClock(c.Now)

	rec, err := s.BeginIdempotent(ctx, "acme", "running", "h1")
	require.NoError(t, err)
	require.Nil(t, rec)
	rec, err = s.BeginIdempotent(ctx, "acme", "done", "h1")
	require.NoError(t, err)
	require.Nil(t, rec)
	require.NoError(t, s.FinishIdempotent(ctx, slorec.IdempotencyRecord{Tenant: "acme", Key: "done", RequestHash: "h1", StatusCode: 201}))

	c.Add(store.IdempotencyTTL - time.Second)
	_, err = s.BeginIdempotent(ctx, "acme", "running", "h2")
	require.Equal(t, slorec.ECONFLICT, slorec.ErrorCode(err), "a day is not over yet")
	rec, err = s.BeginIdempotent(ctx, "acme", "done", "h1")
	require.NoError(t, err)
	require.NotNil(t, rec)
	require.Equal(t, time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC), rec.CreatedAt)

	c.Add(time.Second)
	for _, key := range []string{"running", "done"} {
		rec, err := s.BeginIdempotent(ctx, "acme", key, "h2")
		require.NoError(t, err)
		require.Nil(t, rec, "%s: an expired key is new again, whatever its hash", key)
	}
}

func TestConversationsAreBoundedPerTenant(t *testing.T) {
	ctx := context.Background()
	s := inmem.New().Tenant(slorec.DefaultTenant)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range inmem.MaxConversations + 1 {
		require.NoError(t, s.AppendTurn(ctx, fmt.Sprintf("c%04d", i), store.Turn{At: at.Add(time.Duration(i) * time.Second), Data: []byte(`{}`)}, 5, time.Time{}))
	}
	first, err := s.ConversationTurns(ctx, "c0000", time.Time{})
	require.NoError(t, err)
	require.Nil(t, first, "the conversation continued longest ago is forgotten")
	for _, id := range []string{"c0001", fmt.Sprintf("c%04d", inmem.MaxConversations)} {
		got, err := s.ConversationTurns(ctx, id, time.Time{})
		require.NoError(t, err)
		require.Len(t, got, 1, id)
	}
}
