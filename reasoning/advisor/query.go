package advisor

import (
	"fmt"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/recommend"
)

// Queries are the retrieval queries for an explanation of service's
// recommendation, most important first, each phrased as an SRE would
// search for it:
//
//  1. the binding hard dependency and what its kind fails like (an
//     external API degrading, a database failing over, a queue backing
//     up, a service outage), since it caps the ceiling;
//  2. the first external provider further down the critical path, whose
//     degradation reaches the service through the chain;
//  3. the latency floor's dependency when it is another one, as a latency
//     regression;
//  4. what to do about a committed SLO the dependencies make infeasible
//     (error budget policy), or otherwise the SLO template of the
//     service's kind and tier;
//  5. for a service in a dependency cycle or with low confidence, the
//     guidance on reviewing such targets.
//
// It returns nil for a service res does not analyse.
func Queries(res *recommend.Result, service string) []string {
	if res == nil || res.Analyses[service] == nil {
		return nil
	}
	an := res.Analyses[service]
	rec := findRecommendation(res, service)
	kindOf := func(id string) slorec.ServiceKind {
		if d := res.Analyses[id]; d != nil {
			return d.Service.Kind
		}
		return ""
	}
	var qs []string
	binding := ""
	if b := an.Composition.Binding; b != nil {
		binding = b.Target
		qs = append(qs, dependencyQuery(b.Target, kindOf(b.Target)))
	}
	// An external provider further down the critical path fails the
	// whole chain when it degrades; its runbook belongs in the answer.
	if an.Path != nil {
		for _, id := range an.Path.Path {
			if id != service && id != binding && kindOf(id) == slorec.KindExternal {
				qs = append(qs, dependencyQuery(id, slorec.KindExternal))
				break
			}
		}
	}
	if an.FloorDep != "" && an.FloorDep != binding && an.FloorDep != service {
		qs = append(qs, fmt.Sprintf("latency regression in dependency %s slow p99", an.FloorDep))
	}
	if rec != nil && infeasible(rec) {
		qs = append(qs, "error budget exhausted policy SLO infeasible committed target above ceiling")
	} else {
		qs = append(qs, templateQuery(an.Service.Kind, an.Service.Tier))
	}
	if rec != nil && (rec.NeedsReview || hasFlag(rec, "cycle")) {
		qs = append(qs, "dependency cycle circular dependency SLO review low confidence")
	}
	return qs
}

func dependencyQuery(id string, kind slorec.ServiceKind) string {
	switch kind {
	case slorec.KindExternal:
		return fmt.Sprintf("external provider %s API degradation outage timeouts errors", id)
	case slorec.KindDatastore:
		return fmt.Sprintf("database %s failover replica lag outage", id)
	case slorec.KindQueue:
		return fmt.Sprintf("queue %s backlog consumer lag outage", id)
	}
	return fmt.Sprintf("hard dependency outage %s", id)
}

// templateQuery names the SLO template of a kind and tier the way the
// templates' titles do, which the full-text leg weighs most.
func templateQuery(kind slorec.ServiceKind, tier slorec.Tier) string {
	switch kind {
	case slorec.KindDatastore:
		return "SLO template for a datastore targets"
	case slorec.KindQueue:
		return "SLO template for a queue or stream targets"
	case slorec.KindExternal:
		return "SLO template for an external dependency targets"
	}
	switch tier {
	case slorec.TierCritical:
		return "SLO template for a critical stateless service targets"
	case slorec.TierHigh:
		return "SLO template for a high-tier stateless service targets"
	}
	return "SLO template for a standard-tier stateless service targets"
}

func infeasible(rec *slorec.Recommendation) bool {
	for _, o := range rec.Objectives {
		if o.Current != nil && !o.Current.Feasible {
			return true
		}
	}
	return false
}

func hasFlag(rec *slorec.Recommendation, prefix string) bool {
	for _, f := range rec.Flags {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}
