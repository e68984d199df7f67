package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slorec/slorec/store"
)

// ConversationTurns implements store.Conversations.
func (t *tenantDB) ConversationTurns(ctx context.Context, id string, since time.Time) ([]store.Turn, error) {
	if err := store.CheckConversationID(id); err != nil {
		return nil, err
	}
	rows, err := t.pool.Query(ctx, `SELECT at, turn::text FROM chat_turns
		WHERE tenant = $1 AND conversation = $2 AND at >= $3
		ORDER BY seq`, t.tenant, id, since)
	if err != nil {
		return nil, translate("read conversation", err)
	}
	turns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Turn, error) {
		var turn store.Turn
		var data string
		err := r.Scan(&turn.At, &data)
		turn.At, turn.Data = turn.At.UTC(), []byte(data)
		return turn, err
	})
	if err != nil {
		return nil, translate("read conversation", err)
	}
	if len(turns) == 0 {
		return nil, nil
	}
	return turns, nil
}

// AppendTurn implements store.Conversations: the insert, the trim to the
// newest keep and the pruning of expired turns in one transaction, sent
// as one batch.
func (t *tenantDB) AppendTurn(ctx context.Context, id string, turn store.Turn, keep int, expired time.Time) error {
	if err := store.CheckTurn(id, turn, keep); err != nil {
		return err
	}
	return t.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO chat_turns (tenant, conversation, at, turn) VALUES ($1, $2, $3, $4::jsonb)`,
			t.tenant, id, turn.At, string(turn.Data))
		b.Queue(`DELETE FROM chat_turns
			WHERE tenant = $1 AND conversation = $2 AND seq < (
				SELECT seq FROM chat_turns WHERE tenant = $1 AND conversation = $2
				ORDER BY seq DESC OFFSET $3 - 1 LIMIT 1)`, t.tenant, id, keep)
		b.Queue(`DELETE FROM chat_turns
			WHERE (tenant, conversation, seq) IN (
				SELECT tenant, conversation, seq FROM chat_turns
				WHERE tenant = $1 AND at < $2 ORDER BY at LIMIT $3)`, t.tenant, expired, store.PruneBatch)
		return translate("append conversation turn", tx.SendBatch(ctx, b).Close())
	})
}
