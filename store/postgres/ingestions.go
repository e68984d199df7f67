package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

const ingestionColumns = `id, tenant, actor, request::text, status, attempts, coalesce(report::text, ''), code, error,
	created_at, coalesce(started_at, 'epoch'), coalesce(finished_at, 'epoch')`

func scanIngestion(row pgx.Row) (slorec.Ingestion, error) {
	var in slorec.Ingestion
	var request, report string
	err := row.Scan(&in.ID, &in.Tenant, &in.Actor, &request, &in.Status, &in.Attempts, &report, &in.Code, &in.Error,
		&in.CreatedAt, &in.StartedAt, &in.FinishedAt)
	in.Request = []byte(request)
	if report != "" {
		in.Report = []byte(report)
	}
	in.CreatedAt = in.CreatedAt.UTC()
	for _, at := range []*time.Time{&in.StartedAt, &in.FinishedAt} {
		if at.Unix() == 0 {
			*at = time.Time{}
		} else {
			*at = at.UTC()
		}
	}
	return in, err
}

// IngestMaxAttempts is how many times River starts an ingestion's job:
// a run cut short (the server stopped mid-way) is started again. A run
// that finishes, failed or not, is final.
const IngestMaxAttempts = 3

// QueueIngestion implements store.Ingestions: the row and its River job
// in one transaction.
func (t *tenantDB) QueueIngestion(ctx context.Context, actor string, request []byte) (slorec.Ingestion, error) {
	in, err := store.PrepareIngestion(t.tenant, actor, request)
	if err != nil {
		return slorec.Ingestion{}, err
	}
	err = t.inTx(ctx, func(tx pgx.Tx) error {
		in, err = scanIngestion(tx.QueryRow(ctx, `INSERT INTO ingestions (tenant, id, actor, request, status, created_at)
			VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING `+ingestionColumns,
			in.Tenant, in.ID, in.Actor, string(in.Request), in.Status, in.CreatedAt))
		if err != nil {
			return translate("insert ingestion", err)
		}
		_, err = t.river.InsertTx(ctx, tx, store.IngestJob{Tenant: t.tenant, IngestionID: in.ID},
			&river.InsertOpts{Queue: store.IngestQueue, MaxAttempts: IngestMaxAttempts})
		return translate("insert ingestion job", err)
	})
	if err != nil {
		return slorec.Ingestion{}, err
	}
	return in, nil
}

// Ingestion implements store.Ingestions.
func (t *tenantDB) Ingestion(ctx context.Context, id string) (slorec.Ingestion, error) {
	in, err := scanIngestion(t.pool.QueryRow(ctx, `SELECT `+ingestionColumns+` FROM ingestions WHERE tenant = $1 AND id = $2`, t.tenant, id))
	if err != nil {
		return slorec.Ingestion{}, translate("ingestion "+id, err)
	}
	return in, nil
}

// Ingestions implements store.Ingestions.
func (t *tenantDB) Ingestions(ctx context.Context, limit int) ([]slorec.Ingestion, error) {
	rows, err := t.pool.Query(ctx, `SELECT `+ingestionColumns+` FROM ingestions WHERE tenant = $1
		ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $2`, t.tenant, store.IngestionLimit(limit))
	if err != nil {
		return nil, translate("list ingestions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (slorec.Ingestion, error) { return scanIngestion(r) })
	if err != nil {
		return nil, translate("list ingestions", err)
	}
	return out, nil
}

// lockIngestion reads the tenant's ingestion id and locks its row until
// tx ends, so that a start and a finish cannot interleave.
func (t *tenantDB) lockIngestion(ctx context.Context, tx pgx.Tx, id string) (slorec.Ingestion, error) {
	in, err := scanIngestion(tx.QueryRow(ctx, `SELECT `+ingestionColumns+` FROM ingestions WHERE tenant = $1 AND id = $2 FOR UPDATE`, t.tenant, id))
	if err != nil {
		return slorec.Ingestion{}, translate("ingestion "+id, err)
	}
	return in, nil
}

// StartIngestion implements store.Ingestions.
func (t *tenantDB) StartIngestion(ctx context.Context, id string) (slorec.Ingestion, error) {
	var in slorec.Ingestion
	err := t.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := t.lockIngestion(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Finished() {
			return slorec.Errorf(slorec.ECONFLICT, "ingestion %s already %s", id, cur.Status)
		}
		in, err = scanIngestion(tx.QueryRow(ctx, `UPDATE ingestions SET status = $3, attempts = attempts + 1, started_at = $4
			WHERE tenant = $1 AND id = $2 RETURNING `+ingestionColumns, t.tenant, id, slorec.IngestionRunning, store.Now()))
		return translate("start ingestion", err)
	})
	return in, err
}

// FinishIngestion implements store.Ingestions.
func (t *tenantDB) FinishIngestion(ctx context.Context, id string, report []byte, code, message string) (slorec.Ingestion, error) {
	var in slorec.Ingestion
	err := t.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := t.lockIngestion(ctx, tx, id)
		if err != nil {
			return err
		}
		next, err := store.FinishedIngestion(cur, report, code, message, store.Now())
		if err != nil {
			return err
		}
		var rep *string
		if next.Report != nil {
			s := string(next.Report)
			rep = &s
		}
		in, err = scanIngestion(tx.QueryRow(ctx, `UPDATE ingestions SET status = $3, report = $4::jsonb, code = $5, error = $6, finished_at = $7
			WHERE tenant = $1 AND id = $2 RETURNING `+ingestionColumns, t.tenant, id, next.Status, rep, next.Code, next.Error, next.FinishedAt))
		return translate("finish ingestion", err)
	})
	return in, err
}
