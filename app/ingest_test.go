package app

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prometheus"
	"github.com/slorec/slorec/store/inmem"
)

// stalled is a Prometheus that answers nothing until the query's context
// ends.
type stalled struct{}

func (stalled) QueryRange(ctx context.Context, _ string, _, _ time.Time, _ time.Duration) (prometheus.Matrix, prometheus.Warnings, error) {
	<-ctx.Done()
	return nil, nil, ctx.Err()
}

func queuedIngestion(t *testing.T) (*App, TenantStore, slorec.Ingestion) {
	t.Helper()
	ctx := context.Background()
	mem := inmem.New()
	st := mem.Tenant(slorec.DefaultTenant)
	_, err := st.UpsertGraph(ctx, slorec.Graph{Services: []slorec.Service{{ID: "checkout", Kind: slorec.KindService, Tier: slorec.TierCritical}}})
	require.NoError(t, err)
	a, err := New(Config{Tenant: func(id string) TenantStore { return mem.Tenant(id) }, Prometheus: stalled{}})
	require.NoError(t, err)
	in, err := a.QueuePrometheusIngest(ctx, slorec.DefaultTenant, "alice", PrometheusIngest{WindowDays: 1})
	require.NoError(t, err)
	return a, st, in
}

func TestAnIngestionThatRunsOutOfTimeIsRecordedAsFailed(t *testing.T) {
	a, st, in := queuedIngestion(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.NoError(t, a.RunIngestion(ctx, slorec.DefaultTenant, in.ID))
	got, err := st.Ingestion(context.Background(), in.ID)
	require.NoError(t, err)
	require.Equal(t, slorec.IngestionFailed, got.Status)
	require.Equal(t, slorec.EUNAVAILABLE, got.Code)
	require.Contains(t, got.Error, "ran out of time")

	// Run again (a job delivered twice): nothing happens.
	require.NoError(t, a.RunIngestion(context.Background(), slorec.DefaultTenant, in.ID))
	again, err := st.Ingestion(context.Background(), in.ID)
	require.NoError(t, err)
	require.Equal(t, got, again)
}

func TestAnIngestionCutShortIsLeftToRunAgain(t *testing.T) {
	a, st, in := queuedIngestion(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	require.Error(t, a.RunIngestion(ctx, slorec.DefaultTenant, in.ID), "the job engine must retry")
	got, err := st.Ingestion(context.Background(), in.ID)
	require.NoError(t, err)
	require.Equal(t, slorec.IngestionRunning, got.Status)
	require.Equal(t, 1, got.Attempts)
}

func TestClosingTheAppCancelsItsIngestions(t *testing.T) {
	ctx := context.Background()
	mem := inmem.New()
	st := mem.Tenant(slorec.DefaultTenant)
	_, err := st.UpsertGraph(ctx, slorec.Graph{Services: []slorec.Service{{ID: "checkout", Kind: slorec.KindService, Tier: slorec.TierCritical}}})
	require.NoError(t, err)
	a, err := New(Config{Tenant: func(id string) TenantStore { return mem.Tenant(id) }, Prometheus: stalled{}, RunIngestions: true})
	require.NoError(t, err)
	var ids []string
	for range MaxIngestions + 1 { // one waits for a slot
		in, err := a.QueuePrometheusIngest(ctx, slorec.DefaultTenant, "alice", PrometheusIngest{WindowDays: 1})
		require.NoError(t, err)
		ids = append(ids, in.ID)
	}
	require.Eventually(t, func() bool {
		running := 0
		for _, id := range ids {
			in, err := st.Ingestion(ctx, id)
			require.NoError(t, err)
			if in.Status == slorec.IngestionRunning {
				running++
			}
		}
		return running == MaxIngestions
	}, 5*time.Second, 10*time.Millisecond, "two run at once")
	a.Close() // returns: the stalled reads were cancelled
	queued := 0
	for _, id := range ids {
		in, err := st.Ingestion(ctx, id)
		require.NoError(t, err)
		require.False(t, in.Finished(), "cut short, not failed: %+v", in)
		if in.Status == slorec.IngestionQueued {
			queued++
		}
	}
	require.Equal(t, 1, queued, "the one waiting for a slot never started")
}
