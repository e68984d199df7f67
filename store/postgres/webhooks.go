package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

// PutSubscription implements store.Webhooks.
func (t *tenantDB) PutSubscription(ctx context.Context, s slorec.Subscription) (slorec.Subscription, error) {
	s, err := store.PrepareSubscription(s)
	if err != nil {
		return slorec.Subscription{}, err
	}
	s.ID, s.Tenant, s.Active, s.CreatedAt = store.NewID("whs"), t.tenant, true, store.Now()
	_, err = t.pool.Exec(ctx, `INSERT INTO webhook_subscriptions (id, tenant, url, secret, events, active, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.Tenant, s.URL, s.Secret, s.Events, s.Active, s.CreatedAt)
	if err != nil {
		return slorec.Subscription{}, translate("insert subscription", err)
	}
	s.Secret = ""
	return s, nil
}

// Subscriptions implements store.Webhooks. The secret column is not even
// read.
func (t *tenantDB) Subscriptions(ctx context.Context) ([]slorec.Subscription, error) {
	rows, err := t.pool.Query(ctx, `SELECT id, tenant, url, events, active, created_at
		FROM webhook_subscriptions WHERE tenant = $1 ORDER BY created_at, id COLLATE "C"`, t.tenant)
	if err != nil {
		return nil, translate("read subscriptions", err)
	}
	out := []slorec.Subscription{}
	var s slorec.Subscription
	_, err = pgx.ForEachRow(rows, []any{&s.ID, &s.Tenant, &s.URL, &s.Events, &s.Active, &s.CreatedAt}, func() error {
		s.CreatedAt = s.CreatedAt.UTC()
		out = append(out, s)
		s.Events = nil // ForEachRow scans into the same slice otherwise
		return nil
	})
	return out, translate("read subscriptions", err)
}

// DeleteSubscription implements store.Webhooks.
func (t *tenantDB) DeleteSubscription(ctx context.Context, id string) error {
	tag, err := t.pool.Exec(ctx, `UPDATE webhook_subscriptions SET active = false WHERE tenant = $1 AND id = $2`, t.tenant, id)
	if err != nil {
		return translate("delete subscription", err)
	}
	if tag.RowsAffected() == 0 {
		return slorec.Errorf(slorec.ENOTFOUND, "subscription %q not found", id)
	}
	return nil
}

const deliveryColumns = `id, tenant, subscription_id, event_id, event_type, payload, status, attempts,
	coalesce(last_status_code, 0), last_error, next_attempt_at, created_at, delivered_at`

// scanDelivery reads the deliveryColumns of one row.
func scanDelivery(row pgx.Row) (slorec.Delivery, error) {
	var d slorec.Delivery
	var next, delivered *time.Time
	err := row.Scan(&d.ID, &d.Tenant, &d.SubscriptionID, &d.EventID, &d.EventType, &d.Payload, &d.Status, &d.Attempts,
		&d.LastStatusCode, &d.LastError, &next, &d.CreatedAt, &delivered)
	if err != nil {
		return slorec.Delivery{}, err
	}
	d.CreatedAt = d.CreatedAt.UTC()
	if next != nil {
		d.NextAttemptAt = next.UTC()
	}
	if delivered != nil {
		d.DeliveredAt = delivered.UTC()
	}
	return d, nil
}

func collectDeliveries(rows pgx.Rows, err error) ([]slorec.Delivery, error) {
	if err != nil {
		return nil, translate("read deliveries", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (slorec.Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, translate("read deliveries", err)
	}
	return out, nil
}

// Deliveries implements store.Webhooks.
func (t *tenantDB) Deliveries(ctx context.Context, subscriptionID string, limit int) ([]slorec.Delivery, error) {
	if subscriptionID != "" {
		var one int
		err := t.pool.QueryRow(ctx, `SELECT 1 FROM webhook_subscriptions WHERE tenant = $1 AND id = $2`, t.tenant, subscriptionID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, slorec.Errorf(slorec.ENOTFOUND, "subscription %q not found", subscriptionID)
		}
		if err != nil {
			return nil, translate("read subscription", err)
		}
	}
	return collectDeliveries(t.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE tenant = $1 AND ($2 = '' OR subscription_id = $2)
		ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $3`, t.tenant, subscriptionID, store.ListLimit(limit)))
}

// CommitSLOs implements store.TenantStore. The SLO rows, the audit record,
// the delivery rows and one River job per delivery are written in one
// transaction, so a job exists exactly when its delivery does, and the
// worker cannot pick a job up before the rows it reads are committed.
func (t *tenantDB) CommitSLOs(ctx context.Context, slos []slorec.SLO, audit slorec.AuditRecord, event slorec.Event) ([]slorec.SLO, []slorec.Delivery, error) {
	slos, err := store.PrepareSLOs(slos)
	if err != nil {
		return nil, nil, err
	}
	if err := store.PrepareAudit(audit); err != nil {
		return nil, nil, err
	}
	now := store.Now()
	event, err = store.PrepareEvent(event, t.tenant, now)
	if err != nil {
		return nil, nil, err
	}
	var deliveries []slorec.Delivery
	err = t.inTx(ctx, func(tx pgx.Tx) error {
		deliveries = []slorec.Delivery{}
		if err := t.putSLOs(ctx, tx, slos, now); err != nil {
			return err
		}
		payload, err := store.EventPayload(event, slos)
		if err != nil {
			return err
		}
		if _, err := t.appendAudit(ctx, tx, audit, now); err != nil {
			return err
		}
		// FOR SHARE: a subscription deleted meanwhile waits for this
		// commit, so it gets no delivery after its deletion returned.
		rows, err := tx.Query(ctx, `SELECT id FROM webhook_subscriptions
			WHERE tenant = $1 AND active AND $2 = ANY(events) ORDER BY created_at, id COLLATE "C" FOR SHARE`, t.tenant, event.Type)
		if err != nil {
			return translate("read subscriptions", err)
		}
		subs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return translate("read subscriptions", err)
		}
		jobs := make([]river.InsertManyParams, 0, len(subs))
		for _, sub := range subs {
			q := store.NewDelivery(event, slorec.Subscription{ID: sub}, payload, now)
			// RETURNING hands back the payload as jsonb keeps it, the
			// bytes Delivery will read (and the worker will sign).
			d, err := scanDelivery(tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (id, tenant, subscription_id, event_id,
					event_type, payload, status, next_attempt_at, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+deliveryColumns,
				q.ID, q.Tenant, q.SubscriptionID, q.EventID, q.EventType, q.Payload, q.Status, q.NextAttemptAt, q.CreatedAt))
			if err != nil {
				return translate("insert delivery", err)
			}
			deliveries = append(deliveries, d)
			jobs = append(jobs, deliveryJob(d.ID))
		}
		if len(jobs) > 0 {
			if _, err := t.river.InsertManyTx(ctx, tx, jobs); err != nil {
				return translate("insert delivery jobs", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return slos, deliveries, nil
}

// Delivery implements store.Outbox.
func (db *DB) Delivery(ctx context.Context, id string) (slorec.Delivery, slorec.Subscription, error) {
	d, err := scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return slorec.Delivery{}, slorec.Subscription{}, slorec.Errorf(slorec.ENOTFOUND, "delivery %q not found", id)
	}
	if err != nil {
		return slorec.Delivery{}, slorec.Subscription{}, translate("read delivery", err)
	}
	s := slorec.Subscription{ID: d.SubscriptionID}
	err = db.pool.QueryRow(ctx, `SELECT tenant, url, secret, events, active, created_at FROM webhook_subscriptions
		WHERE tenant = $1 AND id = $2`, d.Tenant, d.SubscriptionID).Scan(&s.Tenant, &s.URL, &s.Secret, &s.Events, &s.Active, &s.CreatedAt)
	if err != nil {
		return slorec.Delivery{}, slorec.Subscription{}, translate("read subscription", err)
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return d, s, nil
}

// RecordAttempt implements store.Outbox. The row is locked while the
// outcome is applied, so two workers cannot both record on a pending
// delivery.
func (db *DB) RecordAttempt(ctx context.Context, id string, a slorec.DeliveryAttempt) (slorec.Delivery, error) {
	var out slorec.Delivery
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return slorec.Errorf(slorec.ENOTFOUND, "delivery %q not found", id)
		}
		if err != nil {
			return translate("read delivery", err)
		}
		d, err = store.ApplyAttempt(d, a, store.Now())
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status_code = $4,
			last_error = $5, next_attempt_at = $6, delivered_at = $7 WHERE id = $1`,
			d.ID, d.Status, d.Attempts, d.LastStatusCode, d.LastError, nullTime(d.NextAttemptAt), nullTime(d.DeliveredAt))
		if err != nil {
			return translate("record attempt", err)
		}
		if a.DeactivateSubscription {
			if _, err := tx.Exec(ctx, `UPDATE webhook_subscriptions SET active = false WHERE tenant = $1 AND id = $2`, d.Tenant, d.SubscriptionID); err != nil {
				return translate("deactivate subscription", err)
			}
		}
		out = d
		return nil
	})
	return out, err
}

// deliveryJob is the River job of one delivery, as the commit inserts it
// and RequeueOverdue inserts it again. Unique by its args (the delivery
// id) in River's default unique states (every state but discarded and
// cancelled), so a second insert while one is queued, scheduled,
// retryable or running is skipped. A completed job blocks one too, but a
// job completes only when its delivery is no longer pending.
func deliveryJob(id string) river.InsertManyParams {
	return river.InsertManyParams{
		Args:       store.DeliveryJob{DeliveryID: id},
		InsertOpts: &river.InsertOpts{Queue: store.DeliveryQueue, MaxAttempts: store.DeliveryMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}},
	}
}

// RequeueOverdue inserts the job again of every pending delivery due
// before before (at most limit, 0 meaning 100, the longest overdue
// first) and returns how many it inserted. A delivery whose job is still
// queued, scheduled or running is skipped by the job's uniqueness; one
// whose job River gave up on (discarded after DeliveryMaxAttempts outbox
// failures, say while the database was down) or that was cancelled by
// hand gets a new one, so it is not pending forever. The River client of
// integrations/webhook calls it periodically.
func (db *DB) RequeueOverdue(ctx context.Context, before time.Time, limit int) (int, error) {
	inserted := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM webhook_deliveries
			WHERE status = 'pending' AND next_attempt_at < $1
			ORDER BY next_attempt_at, id COLLATE "C" LIMIT $2`, before, store.ListLimit(limit))
		if err != nil {
			return translate("read overdue deliveries", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return translate("read overdue deliveries", err)
		}
		if len(ids) == 0 {
			return nil
		}
		jobs := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			jobs[i] = deliveryJob(id)
		}
		res, err := db.river.InsertManyTx(ctx, tx, jobs)
		if err != nil {
			return translate("insert delivery jobs", err)
		}
		for _, r := range res {
			if !r.UniqueSkippedAsDuplicate {
				inserted++
			}
		}
		return nil
	})
	return inserted, err
}

// DueDeliveries implements store.Outbox.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]slorec.Delivery, error) {
	return collectDeliveries(db.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE status = 'pending' AND next_attempt_at <= $1
		ORDER BY next_attempt_at, created_at, id COLLATE "C" LIMIT $2`, now, store.ListLimit(limit)))
}
