package recommend_test

import (
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/stretchr/testify/require"
)

func TestImpactByHand(t *testing.T) {
	// frontend (SLO 98%) -> backend (99% observed). Committing backend to
	// 98.5% lowers frontend's ceiling from 98.5% to intrinsic × 0.985.
	in := chain(0.98)
	rep, err := recommend.Impact(in, []recommend.Change{{Service: "backend", Target: 0.985}})
	require.NoError(t, err)
	require.Len(t, rep.Changes, 1)
	c := rep.Changes[0]
	require.True(t, c.Feasible)
	require.InDelta(t, 0.99, c.EffectiveBefore, 1e-9)
	require.InDelta(t, 0.985, c.EffectiveAfter, 1e-9)
	require.Len(t, rep.Affected, 1)
	e := rep.Affected[0]
	require.Equal(t, "frontend", e.Service)
	require.Equal(t, 1, e.Distance)
	require.InDelta(t, 0.985, e.CeilingBefore, 1e-6)
	require.InDelta(t, 0.985/0.99*0.985, e.CeilingAfter, 1e-6)
	require.Equal(t, recommend.LosesHeadroom, e.Status)

	// At 98% frontend's ceiling falls under its 98% SLO.
	rep, err = recommend.Impact(in, []recommend.Change{{Service: "backend", Target: 0.98}})
	require.NoError(t, err)
	require.Equal(t, recommend.BecomesInfeasible, rep.Affected[0].Status)
	require.Equal(t, []string{"frontend"}, rep.Infeasible)

	// Committing above the ceiling is itself infeasible.
	rep, err = recommend.Impact(in, []recommend.Change{{Service: "backend", Target: 0.999}})
	require.NoError(t, err)
	require.False(t, rep.Changes[0].Feasible)
	require.Empty(t, rep.Affected, "effective stays at the ceiling: nothing moves")
}

func TestPropertyImpactOfANoOpChangeReportsNothing(t *testing.T) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	in := recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}
	for _, s := range d.SLOs {
		if s.SLI != slorec.Availability {
			continue
		}
		rep, err := recommend.Impact(in, []recommend.Change{{Service: s.Service, Target: s.Target}})
		require.NoError(t, err)
		require.Empty(t, rep.Affected, s.Service)
		require.Empty(t, rep.Infeasible)
	}
	services, metrics := randomFleet(60, 10, 5)
	for _, s := range services[:10] {
		rep, err := recommend.Impact(recommend.Input{Services: services, Metrics: metrics}, []recommend.Change{{Service: s.ID, Target: 0.9999999}})
		require.NoError(t, err)
		// Without a commitment, a service's effective availability is its
		// ceiling; committing above it changes nothing downstream.
		if rep.Changes[0].Ceiling < 0.9999999 {
			require.Empty(t, rep.Affected, s.ID)
		}
	}
}

func TestImpactOnTheExample(t *testing.T) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	require.NoError(t, err)
	in := recommend.Input{Services: d.Graph.Services, Metrics: d.MetricsByService(), SLOs: d.SLOs}
	// payment-service committing to 99% pulls checkout-service's ceiling
	// under its 99.5% SLO; api-gateway, already infeasible, loses more.
	rep, err := recommend.Impact(in, []recommend.Change{{Service: "payment-service", Target: 0.99}})
	require.NoError(t, err)
	require.Equal(t, []string{"checkout-service"}, rep.Infeasible)
	byID := map[string]recommend.Effect{}
	for _, e := range rep.Affected {
		byID[e.Service] = e
	}
	require.Equal(t, recommend.BecomesInfeasible, byID["checkout-service"].Status)
	require.Less(t, byID["checkout-service"].CeilingAfter, byID["checkout-service"].CeilingBefore)
	require.Equal(t, recommend.StillInfeasible, byID["api-gateway"].Status)
	require.Equal(t, 2, byID["api-gateway"].Distance)
}

func TestImpactRefusesBadChanges(t *testing.T) {
	for _, ch := range [][]recommend.Change{
		nil,
		{{Service: "nope", Target: 0.99}},
		{{Service: "backend", Target: 99}},
		{{Service: "backend", Target: 0.99}, {Service: "backend", Target: 0.98}},
	} {
		_, err := recommend.Impact(chain(0), ch)
		require.Error(t, err, "%v", ch)
		require.Contains(t, []string{slorec.EINVALID, slorec.ENOTFOUND}, slorec.ErrorCode(err))
	}
}
