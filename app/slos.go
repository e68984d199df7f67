package app

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/recommend"
)

// CommitRequest is an SLO change a developer submits: accepting a
// recommendation as proposed, or committing modified or hand-written
// SLOs.
type CommitRequest struct {
	Service string `json:"-"`
	// RecommendationID names the recommendation accepted or modified.
	RecommendationID string `json:"recommendation_id,omitempty"`
	// SLOs are the SLOs to commit, one per SLI; empty with a
	// RecommendationID means "accept it as proposed".
	SLOs []slorec.SLO `json:"slos,omitempty"`
	// Force commits SLOs the dependencies make infeasible; it needs a
	// Justification, and both are audited.
	Force         bool   `json:"force,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// Check is the engine's verdict on one proposed SLO.
type Check struct {
	SLI      slorec.SLIKind `json:"sli"`
	Target   float64        `json:"target"`
	Feasible bool           `json:"feasible"`
	// Headroom is bound − target (availability) or threshold − floor
	// (latency); negative when infeasible.
	Headroom float64  `json:"headroom"`
	Reason   string   `json:"reason"`
	FactIDs  []string `json:"fact_ids,omitempty"`
}

// CommitResult says what a commit stored and what it does downstream.
type CommitResult struct {
	SLOs []slorec.SLO `json:"slos"`
	// Event is slo.accepted or slo.modified.
	Event      string            `json:"event"`
	Checks     []Check           `json:"checks"`
	Forced     bool              `json:"forced"`
	Deliveries []slorec.Delivery `json:"deliveries"`
	// Impact is what the new availability target does to the committed
	// SLOs of every transitive dependent.
	Impact *recommend.ImpactReport `json:"impact,omitempty"`
}

// Rejection is an EREJECTED error with the checks that failed.
type Rejection struct {
	Err    *slorec.Error
	Checks []Check
}

func (r *Rejection) Error() string { return r.Err.Error() }

// Unwrap exposes the coded error.
func (r *Rejection) Unwrap() error { return r.Err }

// MinJustification is the shortest justification a forced commit takes.
const MinJustification = 20

// CommitSLOs validates req, checks every SLO against what the
// dependencies allow (the engine run with the proposed SLOs as the
// service's commitments), and commits them, with an audit record and a
// webhook event, in one transaction. An infeasible SLO is refused with
// EREJECTED and the reasons unless req.Force with a justification.
// Errors: EINVALID, ENOTFOUND, EREJECTED.
func (a *App) CommitSLOs(ctx context.Context, tenant, actor string, req CommitRequest) (*CommitResult, error) {
	st := a.cfg.Tenant(tenant)
	if _, err := st.Service(ctx, req.Service); err != nil {
		return nil, err
	}
	var rec *slorec.Recommendation
	if req.RecommendationID != "" {
		r, err := st.Recommendation(ctx, req.RecommendationID)
		if err != nil {
			return nil, err
		}
		if r.Service != req.Service {
			return nil, slorec.Errorf(slorec.EINVALID, "recommendation_id: %s is a recommendation for %s, not %s", r.ID, r.Service, req.Service)
		}
		rec = &r
	}
	slos, err := proposed(req, rec)
	if err != nil {
		return nil, err
	}
	if req.Force && len(strings.TrimSpace(req.Justification)) < MinJustification {
		return nil, slorec.Errorf(slorec.EINVALID, "justification: forcing an SLO needs a justification of at least %d characters", MinJustification)
	}

	in, err := a.Input(ctx, tenant)
	if err != nil {
		return nil, err
	}
	checks, err := a.check(ctx, in, req.Service, slos)
	if err != nil {
		return nil, err
	}
	var failed []string
	for _, c := range checks {
		if !c.Feasible {
			failed = append(failed, fmt.Sprintf("%s %s: %s", c.SLI, pct(c.Target), c.Reason))
		}
	}
	if len(failed) > 0 && !req.Force {
		return nil, &Rejection{Err: slorec.Errorf(slorec.EREJECTED, "infeasible SLO for %s: %s; send force with a justification to commit it anyway",
			req.Service, strings.Join(failed, "; ")), Checks: checks}
	}
	forced := len(failed) > 0
	event := slorec.EventSLOModified
	if rec != nil && matches(slos, rec) {
		event = slorec.EventSLOAccepted
	}
	for i := range slos {
		slos[i].Author = actor
		if rec != nil {
			slos[i].RecommendationID = rec.ID
		}
		if forced {
			slos[i].Forced, slos[i].Justification = true, strings.TrimSpace(req.Justification)
		}
	}
	action := "slo.commit"
	if forced {
		action = "slo.forced"
	}
	audit := slorec.AuditRecord{Actor: actor, Action: action, Subject: req.Service, Detail: map[string]any{
		"event": event, "recommendation_id": req.RecommendationID, "slos": len(slos), "infeasible": failed, "justification": req.Justification,
	}}
	stored, deliveries, err := st.CommitSLOs(ctx, slos, audit, slorec.Event{Type: event, Service: req.Service, At: a.cfg.Now().UTC(), Data: slos})
	if err != nil {
		return nil, err
	}
	a.changed(tenant)
	if len(deliveries) > 0 && a.cfg.Notify != nil {
		a.cfg.Notify()
	}
	res := &CommitResult{SLOs: stored, Event: event, Checks: checks, Forced: forced, Deliveries: deliveries}
	for _, s := range stored {
		if s.SLI == slorec.Availability {
			if imp, err := recommend.Impact(in, []recommend.Change{{Service: s.Service, Target: s.Target}}); err == nil {
				res.Impact = imp
			}
		}
	}
	return res, nil
}

// proposed are the SLOs of a request: its own, or the recommendation's
// objectives when it only names one.
func proposed(req CommitRequest, rec *slorec.Recommendation) ([]slorec.SLO, error) {
	slos := append([]slorec.SLO(nil), req.SLOs...)
	if len(slos) == 0 {
		if rec == nil {
			return nil, slorec.Errorf(slorec.EINVALID, "slos: give the SLOs to commit, or a recommendation_id to accept")
		}
		slos = rec.SLOs()
		if len(slos) == 0 {
			return nil, slorec.Errorf(slorec.EINVALID, "recommendation_id: %s has no objective to accept", rec.ID)
		}
	}
	seen := map[slorec.SLIKind]bool{}
	for i := range slos {
		if slos[i].Service == "" {
			slos[i].Service = req.Service
		}
		if slos[i].Service != req.Service {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d].service: %q, but the path names %q", i, slos[i].Service, req.Service)
		}
		if slos[i].WindowDays == 0 {
			slos[i].WindowDays = slorec.DefaultWindowDays
		}
		if err := slos[i].Validate(); err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d].%s", i, slorec.ErrorMessage(err))
		}
		if seen[slos[i].SLI] {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d].sli: %s given twice", i, slos[i].SLI)
		}
		seen[slos[i].SLI] = true
	}
	return slos, nil
}

// check runs the engine with slos as the service's commitments and reads
// its verdict on each.
func (a *App) check(ctx context.Context, in recommend.Input, service string, slos []slorec.SLO) ([]Check, error) {
	trial := in
	trial.SLOs = nil
	for _, s := range in.SLOs {
		replaced := false
		for _, p := range slos {
			replaced = replaced || (s.Service == p.Service && s.SLI == p.SLI)
		}
		if !replaced {
			trial.SLOs = append(trial.SLOs, s)
		}
	}
	trial.SLOs = append(trial.SLOs, slos...)
	res, err := recommend.RecommendService(ctx, trial, service, recommend.Options{Seed: a.cfg.Seed})
	if err != nil {
		return nil, err
	}
	rec := res.Recommendations[0]
	var out []Check
	for _, p := range slos {
		c := Check{SLI: p.SLI, Target: p.Target, Feasible: true, Reason: "no objective of this SLI to check against"}
		for _, o := range rec.Objectives {
			if o.SLI == p.SLI && o.Current != nil {
				c = Check{SLI: p.SLI, Target: p.Target, Feasible: o.Current.Feasible, Headroom: o.Current.Headroom, Reason: o.Current.Reason, FactIDs: o.Current.FactIDs}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// matches reports whether slos are exactly the recommendation's
// objectives (targets and thresholds).
func matches(slos []slorec.SLO, rec *slorec.Recommendation) bool {
	if len(slos) != len(rec.Objectives) {
		return false
	}
	for _, s := range slos {
		ok := false
		for _, o := range rec.Objectives {
			ok = ok || (o.SLI == s.SLI && math.Abs(o.Target-s.Target) < 1e-12 && math.Abs(o.ThresholdMs-s.ThresholdMs) < 1e-9)
		}
		if !ok {
			return false
		}
	}
	return true
}

func pct(r float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", r*100), "0"), ".") + "%"
}
