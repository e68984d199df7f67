package faithfulness_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/faithfulness"
	"github.com/slorec/slorec/examples"
)

func TestEmbeddedExamplePassesEveryGuard(t *testing.T) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "examples/ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	res, err := faithfulness.Run(context.Background(), []faithfulness.Dataset{{Name: "ecommerce", Data: d}}, faithfulness.Config{Seed: 1})
	require.NoError(t, err)
	require.Len(t, res.Datasets, 1)
	m := res.Datasets[0]
	require.Equal(t, 12, m.Explanations, "every service of the example is explained")
	require.Equal(t, m.Explanations, m.GuardPassed, "failures: %v", m.Failures)
	require.Equal(t, 1.0, m.GuardPassRate)
	t.Logf("%+v\nunbacked: %v", m.Measures, m.Unbacked)
}
