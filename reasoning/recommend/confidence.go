package recommend

import (
	"fmt"
	"strings"

	"github.com/slorec/slorec/reasoning/depgraph"
	"github.com/slorec/slorec/reasoning/stats"
)

// Graph penalties on confidence. Each multiplies the data confidence and
// adds a reason; they compound.
const (
	penaltyCycle      = 0.8 // ceilings inside a cycle rest on observed values
	penaltyMissingDep = 0.7 // a dependency no catalog declares
	penaltyPrior      = 0.8 // a figure is a prior by kind, not a measurement
	penaltyPublished  = 0.9 // a figure is a published SLA, not a measurement
	penaltyCapped     = 0.9 // observed above what hard dependencies allow
)

// confidence combines the data confidence of the availability history with
// the graph's reasons. cycle lists the members of a's cycle, if any.
func confidence(a *Analysis, cycle []string) stats.Confidence {
	av := a.Availability
	c := stats.DataConfidence(av.Quality, av.CIHigh-av.CILow)
	c.Reasons = append([]string(nil), c.Reasons...)
	penalize := func(factor float64, format string, args ...any) {
		c.Score *= factor
		c.Reasons = append(c.Reasons, fmt.Sprintf(format, args...)+fmt.Sprintf(" (×%.2f)", factor))
	}
	comp := a.Composition
	id := a.Service.ID
	if len(cycle) > 0 {
		penalize(penaltyCycle, "%s is on a dependency cycle (%s): ceilings inside it rest on observed availabilities", id, strings.Join(cycle, ", "))
	}
	var missing, prior, published []string
	for _, list := range [][]depgraph.Contribution{comp.Contributions, comp.Excluded} {
		for _, ct := range list {
			if ct.Missing {
				missing = append(missing, ct.Target)
			}
		}
	}
	for _, ct := range comp.Contributions {
		switch ct.Source {
		case depgraph.SourcePrior:
			prior = append(prior, fmt.Sprintf("%s at %s", ct.Target, pct(ct.Availability)))
		case depgraph.SourcePublishedSLA:
			published = append(published, fmt.Sprintf("%s at %s", ct.Target, pct(ct.Availability)))
		}
	}
	if len(missing) > 0 {
		penalize(penaltyMissingDep, "depends on %s, declared in no catalog, so its figures are priors", strings.Join(missing, ", "))
	}
	if comp.IntrinsicSource == depgraph.SourcePrior {
		prior = append(prior, fmt.Sprintf("%s itself at %s", id, pct(comp.Intrinsic)))
	}
	if len(prior) > 0 {
		penalize(penaltyPrior, "availability assumed from a prior by kind, not measured: %s", strings.Join(prior, "; "))
	}
	if len(published) > 0 {
		penalize(penaltyPublished, "availability taken from a published SLA, not measured: %s", strings.Join(published, "; "))
	}
	if comp.Has(depgraph.FlagIntrinsicCapped) {
		penalize(penaltyCapped, "%s is observed more available than its hard dependencies allow: an edge may not be hard, or its call ratio is overstated", id)
	}
	c.Level = level(c.Score)
	return c
}

func level(score float64) string {
	switch {
	case score >= 0.75:
		return "high"
	case score >= 0.5:
		return "medium"
	}
	return "low"
}
