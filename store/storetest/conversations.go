package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

var turnBase = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func turn(minute int, question string) store.Turn {
	return store.Turn{At: turnBase.Add(time.Duration(minute) * time.Minute), Data: []byte(fmt.Sprintf(`{"question": %q, "n": %d}`, question, minute))}
}

func questions(t *testing.T, turns []store.Turn) []string {
	t.Helper()
	var out []string
	for _, tr := range turns {
		s := string(tr.Data)
		i := strings.Index(s, `"question": "`)
		require.GreaterOrEqual(t, i, 0, s)
		rest := s[i+len(`"question": "`):]
		out = append(out, rest[:strings.IndexByte(rest, '"')])
	}
	return out
}

func testConversations(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	never := time.Time{}
	got, err := s.ConversationTurns(ctx, "c1", never)
	require.NoError(t, err)
	require.Nil(t, got, "an unknown conversation has no turns, and is not an error")

	for i, q := range []string{"a", "b", "c", "d"} {
		require.NoError(t, s.AppendTurn(ctx, "c1", turn(i, q), 3, never))
	}
	require.NoError(t, s.AppendTurn(ctx, "c2", turn(1, "other"), 3, never))
	got, err = s.ConversationTurns(ctx, "c1", never)
	require.NoError(t, err)
	require.Equal(t, []string{"b", "c", "d"}, questions(t, got), "the newest three, oldest first")
	require.True(t, got[0].At.Equal(turnBase.Add(time.Minute)), "%v", got[0].At)
	require.JSONEq(t, `{"question": "b", "n": 1}`, string(got[0].Data), "the data as it was given")

	got, err = s.ConversationTurns(ctx, "c1", turnBase.Add(2*time.Minute))
	require.NoError(t, err)
	require.Equal(t, []string{"c", "d"}, questions(t, got), "turns before since are left out")

	got[0].Data[0] = 'X' // the caller's copy
	again, err := s.ConversationTurns(ctx, "c1", never)
	require.NoError(t, err)
	require.JSONEq(t, `{"question": "b", "n": 1}`, string(again[0].Data))

	// Same time, stored in order: ties keep the order of the writes.
	require.NoError(t, s.AppendTurn(ctx, "same", turn(5, "first"), 5, never))
	require.NoError(t, s.AppendTurn(ctx, "same", turn(5, "second"), 5, never))
	got, err = s.ConversationTurns(ctx, "same", never)
	require.NoError(t, err)
	require.Equal(t, []string{"first", "second"}, questions(t, got))
}

func testConversationsExpire(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	never := time.Time{}
	require.NoError(t, s.AppendTurn(ctx, "old", turn(0, "stale"), 10, never))
	require.NoError(t, s.AppendTurn(ctx, "mixed", turn(1, "stale too"), 10, never))
	require.NoError(t, s.AppendTurn(ctx, "mixed", turn(30, "fresh"), 10, never))
	// A write with an expiry at minute 10 drops the tenant's older turns,
	// in every conversation.
	require.NoError(t, s.AppendTurn(ctx, "new", turn(31, "now"), 10, turnBase.Add(10*time.Minute)))
	for id, want := range map[string][]string{"old": nil, "mixed": {"fresh"}, "new": {"now"}} {
		got, err := s.ConversationTurns(ctx, id, never)
		require.NoError(t, err)
		if want == nil {
			require.Nil(t, got, id)
			continue
		}
		require.Equal(t, want, questions(t, got), id)
	}

	// One write drops at most PruneBatch expired turns.
	for i := range store.PruneBatch + 20 {
		require.NoError(t, s.AppendTurn(ctx, fmt.Sprintf("bulk-%03d", i), turn(0, "stale"), 10, never))
	}
	require.NoError(t, s.AppendTurn(ctx, "new", turn(32, "again"), 10, turnBase.Add(10*time.Minute)))
	left := 0
	for i := range store.PruneBatch + 20 {
		got, err := s.ConversationTurns(ctx, fmt.Sprintf("bulk-%03d", i), never)
		require.NoError(t, err)
		left += len(got)
	}
	require.Equal(t, 20, left, "the batch bounds the work of one write")
	require.NoError(t, s.AppendTurn(ctx, "new", turn(33, "and again"), 10, turnBase.Add(10*time.Minute)))
	for i := range store.PruneBatch + 20 {
		got, err := s.ConversationTurns(ctx, fmt.Sprintf("bulk-%03d", i), never)
		require.NoError(t, err)
		require.Nil(t, got, "the next write drops the rest")
	}
}

func testConversationsInvalid(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	ok := turn(0, "q")
	for name, call := range map[string]func() error{
		"empty id": func() error { return s.AppendTurn(ctx, "", ok, 5, time.Time{}) },
		"long id": func() error {
			return s.AppendTurn(ctx, strings.Repeat("x", store.MaxConversationIDBytes+1), ok, 5, time.Time{})
		},
		"bad UTF-8 id": func() error { return s.AppendTurn(ctx, "c\xff", ok, 5, time.Time{}) },
		"keep 0":       func() error { return s.AppendTurn(ctx, "c", ok, 0, time.Time{}) },
		"no time":      func() error { return s.AppendTurn(ctx, "c", store.Turn{Data: ok.Data}, 5, time.Time{}) },
		"not JSON": func() error {
			return s.AppendTurn(ctx, "c", store.Turn{At: ok.At, Data: []byte("hello")}, 5, time.Time{})
		},
		"a JSON array": func() error {
			return s.AppendTurn(ctx, "c", store.Turn{At: ok.At, Data: []byte("[1]")}, 5, time.Time{})
		},
		"read empty id": func() error { _, err := s.ConversationTurns(ctx, "", time.Time{}); return err },
	} {
		t.Run(name, func(t *testing.T) { requireCode(t, call(), slorec.EINVALID) })
	}
	got, err := s.ConversationTurns(ctx, "c", time.Time{})
	require.NoError(t, err)
	require.Nil(t, got, "nothing was stored")
	require.NoError(t, s.AppendTurn(ctx, strings.Repeat("x", store.MaxConversationIDBytes), ok, 5, time.Time{}), "the longest id")
}

func testTenantConversationIsolation(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := s.Tenant("acme"), s.Tenant("globex")
	require.NoError(t, a.AppendTurn(ctx, "shared-id", turn(0, "acme's"), 5, time.Time{}))
	got, err := b.ConversationTurns(ctx, "shared-id", time.Time{})
	require.NoError(t, err)
	require.Nil(t, got, "another tenant's conversation is unknown")
	require.NoError(t, b.AppendTurn(ctx, "shared-id", turn(1, "globex's"), 5, time.Time{}))
	// globex's expiry does not reach acme's turns.
	require.NoError(t, b.AppendTurn(ctx, "other", turn(50, "late"), 5, turnBase.Add(40*time.Minute)))
	got, err = a.ConversationTurns(ctx, "shared-id", time.Time{})
	require.NoError(t, err)
	require.Equal(t, []string{"acme's"}, questions(t, got))
	got, err = b.ConversationTurns(ctx, "shared-id", time.Time{})
	require.NoError(t, err)
	require.Nil(t, got, "globex's own old turn expired")
}
