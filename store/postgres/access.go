package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

// CreateToken implements store.Tokens.
func (db *DB) CreateToken(ctx context.Context, tenant, name string, role slorec.Role) (slorec.Token, string, error) {
	if err := store.PrepareToken(tenant, name, role); err != nil {
		return slorec.Token{}, "", err
	}
	secret := store.NewTokenSecret()
	sum := store.HashTokenSecret(secret)
	tok := slorec.Token{ID: store.NewID("tok"), Tenant: tenant, Name: name, Role: role, CreatedAt: store.Now()}
	_, err := db.pool.Exec(ctx, `INSERT INTO api_tokens (id, tenant, name, role, secret_sha256, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, tok.ID, tok.Tenant, tok.Name, tok.Role, sum[:], tok.CreatedAt)
	if err != nil {
		return slorec.Token{}, "", translate("insert token", err)
	}
	return tok, secret, nil
}

// Authenticate implements store.Tokens. The secret's hash is looked up by
// its unique index, then compared in constant time; an unknown secret is
// compared with a dummy hash so that it costs what a revoked one does.
func (db *DB) Authenticate(ctx context.Context, secret string) (slorec.Token, error) {
	if !store.WellFormedTokenSecret(secret) {
		return slorec.Token{}, store.ErrUnauthorized()
	}
	sum := store.HashTokenSecret(secret)
	var tok slorec.Token
	var stored []byte
	var revokedAt *time.Time
	err := db.pool.QueryRow(ctx, `SELECT id, tenant, name, role, created_at, revoked_at, secret_sha256
		FROM api_tokens WHERE secret_sha256 = $1`, sum[:]).
		Scan(&tok.ID, &tok.Tenant, &tok.Name, &tok.Role, &tok.CreatedAt, &revokedAt, &stored)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return slorec.Token{}, translate("authenticate", err)
	}
	if !found {
		stored = make([]byte, len(sum))
	}
	if !store.SameTokenHash(stored, sum[:]) || !found || revokedAt != nil {
		return slorec.Token{}, store.ErrUnauthorized()
	}
	tok.CreatedAt = tok.CreatedAt.UTC()
	return tok, nil
}

// RevokeToken implements store.Tokens.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, id)
	if err != nil {
		return translate("revoke token", err)
	}
	if tag.RowsAffected() == 0 {
		return slorec.Errorf(slorec.ENOTFOUND, "token %q not found", id)
	}
	return nil
}

// BeginIdempotent implements store.Idempotency. The insert either reserves
// the key, takes over an expired one, or (ON CONFLICT with a failing WHERE)
// only locks the live row, which the SELECT then reads: the row cannot be
// released or finished between the two statements.
func (db *DB) BeginIdempotent(ctx context.Context, tenant, key, requestHash string) (*slorec.IdempotencyRecord, error) {
	if err := store.PrepareIdempotencyKey(tenant, key, requestHash); err != nil {
		return nil, err
	}
	var out *slorec.IdempotencyRecord
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (tenant, key, request_hash, created_at)
			VALUES ($1, $2, $3, now())
			ON CONFLICT (tenant, key) DO UPDATE SET request_hash = excluded.request_hash, status_code = NULL,
				content_type = '', body = NULL, created_at = excluded.created_at
			WHERE idempotency_keys.created_at <= now() - make_interval(secs => $4)`,
			tenant, key, requestHash, store.IdempotencyTTL.Seconds())
		if err != nil {
			return translate("reserve idempotency key", err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		rec := slorec.IdempotencyRecord{Tenant: tenant, Key: key}
		var status *int
		err = tx.QueryRow(ctx, `SELECT request_hash, status_code, content_type, body, created_at
			FROM idempotency_keys WHERE tenant = $1 AND key = $2`, tenant, key).
			Scan(&rec.RequestHash, &status, &rec.ContentType, &rec.Body, &rec.CreatedAt)
		if err != nil {
			return translate("read idempotency key", err)
		}
		switch {
		case rec.RequestHash != requestHash:
			return store.ErrIdempotencyConflict(key)
		case status == nil:
			return store.ErrIdempotencyInProgress(key)
		}
		rec.StatusCode = *status
		rec.CreatedAt = rec.CreatedAt.UTC()
		if len(rec.Body) == 0 {
			rec.Body = nil
		}
		out = &rec
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishIdempotent implements store.Idempotency.
func (db *DB) FinishIdempotent(ctx context.Context, rec slorec.IdempotencyRecord) error {
	rec, err := store.PrepareIdempotencyRecord(rec)
	if err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE idempotency_keys SET status_code = $4, content_type = $5, body = $6
		WHERE tenant = $1 AND key = $2 AND request_hash = $3 AND status_code IS NULL`,
		rec.Tenant, rec.Key, rec.RequestHash, rec.StatusCode, rec.ContentType, rec.Body)
	if err != nil {
		return translate("finish idempotency key", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNoReservation(rec.Key)
	}
	return nil
}

// ReleaseIdempotent implements store.Idempotency.
func (db *DB) ReleaseIdempotent(ctx context.Context, tenant, key string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE tenant = $1 AND key = $2 AND status_code IS NULL`, tenant, key)
	return translate("release idempotency key", err)
}
