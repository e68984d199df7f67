package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/store"
)

func testIngestions(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	q, err := s.QueueIngestion(ctx, "alice", []byte(`{"window_days": 7, "edges": true}`))
	require.NoError(t, err)
	require.NotEmpty(t, q.ID)
	require.Equal(t, slorec.DefaultTenant, q.Tenant)
	require.Equal(t, slorec.IngestionQueued, q.Status)
	require.False(t, q.CreatedAt.IsZero())
	require.True(t, q.StartedAt.IsZero() && q.FinishedAt.IsZero())
	got, err := s.Ingestion(ctx, q.ID)
	require.NoError(t, err)
	require.Equal(t, "alice", got.Actor)
	require.JSONEq(t, `{"window_days": 7, "edges": true}`, string(got.Request))
	require.Zero(t, got.Attempts)
	require.Nil(t, got.Report)

	_, err = s.FinishIngestion(ctx, q.ID, nil, "", "")
	requireCode(t, err, slorec.ECONFLICT) // not started

	run, err := s.StartIngestion(ctx, q.ID)
	require.NoError(t, err)
	require.Equal(t, slorec.IngestionRunning, run.Status)
	require.Equal(t, 1, run.Attempts)
	require.False(t, run.StartedAt.IsZero())
	// A job started again (its first run was cut short) counts the attempt.
	run, err = s.StartIngestion(ctx, q.ID)
	require.NoError(t, err)
	require.Equal(t, 2, run.Attempts)

	done, err := s.FinishIngestion(ctx, q.ID, []byte(`{"written": true, "metrics_written": 168}`), "", "")
	require.NoError(t, err)
	require.Equal(t, slorec.IngestionSucceeded, done.Status)
	require.True(t, done.Finished())
	require.False(t, done.FinishedAt.Before(done.StartedAt))
	got, err = s.Ingestion(ctx, q.ID)
	require.NoError(t, err)
	require.Equal(t, done, got)
	require.JSONEq(t, `{"written": true, "metrics_written": 168}`, string(got.Report))

	_, err = s.StartIngestion(ctx, q.ID)
	requireCode(t, err, slorec.ECONFLICT) // never run twice
	_, err = s.FinishIngestion(ctx, q.ID, nil, slorec.EINTERNAL, "again")
	requireCode(t, err, slorec.ECONFLICT)

	f, err := s.QueueIngestion(ctx, "bob", []byte(`{}`))
	require.NoError(t, err)
	_, err = s.StartIngestion(ctx, f.ID)
	require.NoError(t, err)
	_, err = s.FinishIngestion(ctx, f.ID, []byte(`[1]`), "", "")
	requireCode(t, err, slorec.EINVALID) // a report is an object
	failed, err := s.FinishIngestion(ctx, f.ID, nil, slorec.EUNAVAILABLE, "prometheus: connection refused")
	require.NoError(t, err)
	require.Equal(t, slorec.IngestionFailed, failed.Status)
	require.Equal(t, slorec.EUNAVAILABLE, failed.Code)
	require.Equal(t, "prometheus: connection refused", failed.Error)
	require.Nil(t, failed.Report)

	for _, id := range []string{"ing_missing", ""} {
		_, err = s.Ingestion(ctx, id)
		requireCode(t, err, slorec.ENOTFOUND)
		_, err = s.StartIngestion(ctx, id)
		requireCode(t, err, slorec.ENOTFOUND)
		_, err = s.FinishIngestion(ctx, id, nil, "", "")
		requireCode(t, err, slorec.ENOTFOUND)
	}
	_, err = s.QueueIngestion(ctx, "", []byte(`{}`))
	requireCode(t, err, slorec.EINVALID)
	_, err = s.QueueIngestion(ctx, "alice", []byte(`"days"`))
	requireCode(t, err, slorec.EINVALID)
}

func testIngestionList(t *testing.T, s store.TenantStore) {
	ctx := context.Background()
	list, err := s.Ingestions(ctx, 0)
	require.NoError(t, err)
	require.Empty(t, list)
	var ids []string
	for range 5 {
		in, err := s.QueueIngestion(ctx, "alice", []byte(`{}`))
		require.NoError(t, err)
		ids = append(ids, in.ID)
	}
	_, err = s.StartIngestion(ctx, ids[1])
	require.NoError(t, err)
	list, err = s.Ingestions(ctx, 0)
	require.NoError(t, err)
	require.Len(t, list, 5)
	for i := 1; i < len(list); i++ {
		require.LessOrEqual(t, store.NewestIngestionFirst(list[i-1], list[i]), 0, "newest first")
	}
	got := map[string]slorec.Ingestion{}
	for _, in := range list {
		got[in.ID] = in
	}
	for _, id := range ids {
		require.Contains(t, got, id)
	}
	require.Equal(t, slorec.IngestionRunning, got[ids[1]].Status, "as they are now")
	two, err := s.Ingestions(ctx, 2)
	require.NoError(t, err)
	require.Equal(t, list[:2], two)
}

func testTenantIngestionIsolation(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := s.Tenant("acme"), s.Tenant("globex")
	q, err := a.QueueIngestion(ctx, "alice", []byte(`{}`))
	require.NoError(t, err)
	require.Equal(t, "acme", q.Tenant)
	_, err = b.Ingestion(ctx, q.ID)
	requireCode(t, err, slorec.ENOTFOUND)
	_, err = b.StartIngestion(ctx, q.ID)
	requireCode(t, err, slorec.ENOTFOUND)
	got, err := a.Ingestion(ctx, q.ID)
	require.NoError(t, err)
	require.Equal(t, slorec.IngestionQueued, got.Status, "another tenant cannot start it")
	theirs, err := b.Ingestions(ctx, 0)
	require.NoError(t, err)
	require.Empty(t, theirs, "nor list it")
}
