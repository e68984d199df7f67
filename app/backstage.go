package app

import (
	"context"
	"strconv"

	"github.com/slorec/slorec"
)

// BackstageEntity is the fragment of a Backstage catalog entity that a
// catalog processor merges into the service's entity: slorec's annotations
// (recommended and committed SLOs, confidence) under metadata.
type BackstageEntity struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   BackstageMetadata `json:"metadata"`
}

// BackstageMetadata is the entity's metadata fragment.
type BackstageMetadata struct {
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations"`
}

// Backstage annotation names slorec writes, under the slorec.io/ prefix
// the Backstage import reads its own hints from.
const (
	AnnotationRecommendation = "slorec.io/recommendation-id"
	AnnotationConfidence     = "slorec.io/confidence"
	AnnotationNeedsReview    = "slorec.io/needs-review"
)

// Backstage returns the entity fragment of a service: the balanced
// recommendation (computed or cached) and the committed SLOs as
// annotations, ratios as decimal strings. Errors: ENOTFOUND.
func (a *App) Backstage(ctx context.Context, tenant, service string) (*BackstageEntity, error) {
	st := a.cfg.Tenant(tenant)
	svc, err := st.Service(ctx, service)
	if err != nil {
		return nil, err
	}
	view, err := a.Recommend(ctx, tenant, service, "", false)
	if err != nil {
		return nil, err
	}
	rec := view.Recommendation
	ann := map[string]string{
		AnnotationRecommendation: rec.ID,
		AnnotationConfidence:     strconv.FormatFloat(rec.Confidence, 'f', 2, 64),
		AnnotationNeedsReview:    strconv.FormatBool(rec.NeedsReview),
	}
	ratio := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, o := range rec.Objectives {
		p := "slorec.io/recommended-" + string(o.SLI)
		ann[p+"-target"] = ratio(o.Target)
		ann[p+"-window-days"] = strconv.Itoa(o.WindowDays)
		if o.SLI == slorec.Latency {
			ann[p+"-threshold-ms"] = ratio(o.ThresholdMs)
		}
	}
	current, err := st.CurrentSLOs(ctx, service)
	if err != nil {
		return nil, err
	}
	for _, s := range current {
		p := "slorec.io/committed-" + string(s.SLI)
		ann[p+"-target"] = ratio(s.Target)
		ann[p+"-version"] = strconv.Itoa(s.Version)
		if s.SLI == slorec.Latency {
			ann[p+"-threshold-ms"] = ratio(s.ThresholdMs)
		}
	}
	kind := "Component"
	if svc.Kind == slorec.KindDatastore || svc.Kind == slorec.KindQueue {
		kind = "Resource"
	}
	return &BackstageEntity{APIVersion: "backstage.io/v1alpha1", Kind: kind, Metadata: BackstageMetadata{Name: svc.ID, Annotations: ann}}, nil
}
