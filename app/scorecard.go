package app

import (
	"context"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/internal/platformcard"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// PlatformReport is the fleet scorecard of a tenant with what was assumed
// for missing data.
type PlatformReport struct {
	Report scorecard.Report    `json:"report"`
	Notes  []platformcard.Note `json:"notes,omitempty"`
}

// ServiceCard is one service's scorecard.
type ServiceCard struct {
	Card  scorecard.Card      `json:"card"`
	Notes []platformcard.Note `json:"notes,omitempty"`
}

// platform builds the scorecard inputs from the tenant's store. Cost,
// budgets, change failure rates and governance come from a dataset's
// platform.json, which the API does not ingest yet: the notes say so.
func (a *App) platform(ctx context.Context, tenant string) (platformcard.Inputs, error) {
	in, err := a.Input(ctx, tenant)
	if err != nil {
		return platformcard.Inputs{}, err
	}
	d := &dataset.Dataset{Graph: slorec.Graph{Services: in.Services}, SLOs: in.SLOs}
	for _, s := range in.Services {
		d.Metrics = append(d.Metrics, in.Metrics[s.ID]...)
	}
	return platformcard.Build(d), nil
}

// Report is the tenant's fleet scorecard.
func (a *App) Report(ctx context.Context, tenant string) (*PlatformReport, error) {
	in, err := a.platform(ctx, tenant)
	if err != nil {
		return nil, err
	}
	rep, err := scorecard.Summarize(in.Services)
	if err != nil {
		return nil, err
	}
	return &PlatformReport{Report: rep, Notes: in.Notes}, nil
}

// Scorecard is one service's scorecard. Errors: ENOTFOUND.
func (a *App) Scorecard(ctx context.Context, tenant, service string) (*ServiceCard, error) {
	in, err := a.platform(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, s := range in.Services {
		if s.ID != service {
			continue
		}
		card, err := scorecard.Evaluate(s)
		if err != nil {
			return nil, err
		}
		out := &ServiceCard{Card: card}
		for _, n := range in.Notes {
			if n.Service == "" || n.Service == service {
				out.Notes = append(out.Notes, n)
			}
		}
		return out, nil
	}
	return nil, slorec.Errorf(slorec.ENOTFOUND, "service %q not found", service)
}
