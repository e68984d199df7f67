package examples_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
)

func TestEmbeddedEcommerceLoads(t *testing.T) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Len(t, d.Graph.Services, 12)
	require.Len(t, d.Metrics, 12*1440)
	require.Len(t, d.SLOs, 4)
	require.NotNil(t, d.Truth)
}
