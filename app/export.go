package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/openslo"
	"github.com/slorec/slorec/integrations/prommap"
	"github.com/slorec/slorec/integrations/promrules"
)

// Export sources: which SLOs an export writes.
const (
	// FromRecommended exports the engine's recommended objectives (the
	// default: what exists before anyone commits).
	FromRecommended = "recommended"
	// FromCommitted exports the service's committed (current) SLOs.
	FromCommitted = "committed"
)

// ExportSLOs returns the SLOs of service to export from source ("" means
// recommended), and the recommendation they came from (nil for committed
// SLOs without one). Errors: EINVALID for an unknown source, ENOTFOUND
// for an unknown service or, with committed, a service without SLOs.
func (a *App) ExportSLOs(ctx context.Context, tenant, service, source string) ([]slorec.SLO, []slorec.Recommendation, error) {
	slos, recs, _, err := a.exportSLOs(ctx, tenant, service, source)
	return slos, recs, err
}

// exportSLOs is ExportSLOs, with the service read once on the way.
func (a *App) exportSLOs(ctx context.Context, tenant, service, source string) ([]slorec.SLO, []slorec.Recommendation, slorec.Service, error) {
	st := a.cfg.Tenant(tenant)
	switch source {
	case "", FromRecommended:
		view, err := a.Recommend(ctx, tenant, service, "", false)
		if err != nil {
			return nil, nil, slorec.Service{}, err
		}
		svc, err := st.Service(ctx, service)
		if err != nil {
			return nil, nil, slorec.Service{}, err
		}
		rec := view.Recommendation
		slos, _ := SnapToBuckets(rec.SLOs(), a.cfg.Mapping)
		return slos, []slorec.Recommendation{rec}, svc, nil
	case FromCommitted:
		svc, err := st.Service(ctx, service)
		if err != nil {
			return nil, nil, slorec.Service{}, err
		}
		slos, err := st.CurrentSLOs(ctx, service)
		if err != nil {
			return nil, nil, slorec.Service{}, err
		}
		if len(slos) == 0 {
			return nil, nil, slorec.Service{}, slorec.Errorf(slorec.ENOTFOUND, "%s has no committed SLOs; export the recommended ones (source=recommended) or commit some", service)
		}
		return slos, nil, svc, nil
	}
	return nil, nil, slorec.Service{}, slorec.Errorf(slorec.EINVALID, "source: %q (want recommended or committed)", source)
}

// OpenSLO returns service's SLOs from source as OpenSLO v1 YAML: its
// Service, one SLO per SLI with ratio metrics from the mapping, and the
// burn-rate alert policies.
func (a *App) OpenSLO(ctx context.Context, tenant, service, source string) ([]byte, error) {
	slos, recs, svc, err := a.exportSLOs(ctx, tenant, service, source)
	if err != nil {
		return nil, err
	}
	return openslo.Export([]slorec.Service{svc}, slos, a.cfg.Mapping, openslo.Options{Recommendations: recs})
}

// PrometheusRules returns the recording and multi-window multi-burn-rate
// alerting rules for service's SLOs from source.
func (a *App) PrometheusRules(ctx context.Context, tenant, service, source string) (*promrules.Result, error) {
	slos, _, err := a.ExportSLOs(ctx, tenant, service, source)
	if err != nil {
		return nil, err
	}
	return promrules.Generate(slos, a.cfg.Mapping, promrules.Options{})
}

// SnapToBuckets makes recommended latency SLOs measurable: a threshold
// between two of the histogram's known boundaries (prommap's
// latency.buckets) is raised to the next boundary up, which is the
// smallest threshold the histogram can count requests under, and a note
// says so. A recommended threshold comes from the observed percentile and
// the dependencies' floor, so the boundary above it is still feasible;
// it is only looser. Committed SLOs are never snapped: exporting them
// says exactly what was committed (OpenSLO refuses what a histogram
// cannot measure, the rules measure at the boundary with a warning).
// SLOs it cannot resolve are left as they are.
func SnapToBuckets(slos []slorec.SLO, m *prommap.Config) ([]slorec.SLO, []string) {
	if m == nil {
		m = prommap.Default()
	}
	out := make([]slorec.SLO, len(slos))
	var notes []string
	for i, s := range slos {
		out[i] = s
		if s.SLI != slorec.Latency {
			continue
		}
		sli, err := m.Resolve(s.Service)
		if err != nil || len(sli.Buckets) == 0 {
			continue
		}
		b, err := sli.LatencyBucket(s.ThresholdMs)
		if err != nil || !b.Snapped {
			continue
		}
		out[i].ThresholdMs = b.LeMs
		notes = append(notes, fmt.Sprintf("%s latency: recommended threshold %s ms raised to the histogram boundary %s ms, the smallest it can measure",
			s.Service, strconv.FormatFloat(s.ThresholdMs, 'f', -1, 64), strconv.FormatFloat(b.LeMs, 'f', -1, 64)))
	}
	return out, notes
}
