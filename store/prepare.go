package store

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/slorec/slorec"
)

// The functions below hold the validation and normalisation both adapters
// share, so the adapters differ only in how they persist.

// PrepareGraph validates g and returns a normalised copy in which edges
// without provenance are declared.
func PrepareGraph(g slorec.Graph) (slorec.Graph, error) {
	if len(g.Services) == 0 {
		return slorec.Graph{}, slorec.Errorf(slorec.EINVALID, "graph has no services")
	}
	if err := g.Validate(); err != nil {
		return slorec.Graph{}, err
	}
	out := slorec.Graph{Services: make([]slorec.Service, len(g.Services))}
	for i, s := range g.Services {
		s.Deps = slices.Clone(s.Deps)
		for j := range s.Deps {
			if s.Deps[j].Provenance == "" {
				s.Deps[j].Provenance = slorec.Declared
			}
		}
		s.Version = 0
		out.Services[i] = s
	}
	return out, nil
}

// SameService reports whether a and b describe the same service, ignoring
// the version.
func SameService(a, b slorec.Service) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Kind == b.Kind && a.Tier == b.Tier &&
		a.Owner == b.Owner && a.PublishedSLA == b.PublishedSLA && slices.Equal(a.Deps, b.Deps)
}

// PrepareMetrics validates every bucket, converts timestamps to UTC and
// removes repeats of a (service, timestamp), keeping the last. The error
// names the index of the first bad bucket.
func PrepareMetrics(buckets []slorec.MetricBucket) ([]slorec.MetricBucket, error) {
	type key struct {
		service string
		ts      int64
	}
	at := make(map[key]int, len(buckets))
	out := make([]slorec.MetricBucket, 0, len(buckets))
	for i, b := range buckets {
		if err := b.Validate(); err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "metrics[%d]: %s", i, slorec.ErrorMessage(err))
		}
		b.Start = b.Start.UTC()
		k := key{b.Service, b.Start.UnixNano()}
		if j, ok := at[k]; ok {
			out[j] = b
			continue
		}
		at[k] = len(out)
		out = append(out, b)
	}
	return out, nil
}

// MissingServices returns the services named by buckets that exists says
// are unknown, sorted and without repeats.
func MissingServices(buckets []slorec.MetricBucket, exists func(string) bool) []string {
	var missing []string
	seen := map[string]bool{}
	for _, b := range buckets {
		if seen[b.Service] {
			continue
		}
		seen[b.Service] = true
		if !exists(b.Service) {
			missing = append(missing, b.Service)
		}
	}
	slices.Sort(missing)
	return missing
}

// UnknownServicesError is the error for metrics naming unknown services.
func UnknownServicesError(missing []string) error {
	return slorec.Errorf(slorec.EINVALID, "metrics name unknown services: %s (ingest the dependency graph first)", strings.Join(missing, ", "))
}

// PrepareSLOs validates every SLO and fills the default window.
func PrepareSLOs(slos []slorec.SLO) ([]slorec.SLO, error) {
	if len(slos) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "no SLOs given")
	}
	out := slices.Clone(slos)
	for i := range out {
		if err := out[i].Validate(); err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "slos[%d]: %s", i, slorec.ErrorMessage(err))
		}
		if out[i].WindowDays == 0 {
			out[i].WindowDays = slorec.DefaultWindowDays
		}
	}
	return out, nil
}

// PrepareRecommendation checks the fields the store indexes on.
func PrepareRecommendation(r slorec.Recommendation) error {
	switch {
	case r.Service == "":
		return slorec.Errorf(slorec.EINVALID, "recommendation: service required")
	case r.InputHash == "":
		return slorec.Errorf(slorec.EINVALID, "recommendation: input_hash required")
	}
	return nil
}

// PrepareAudit checks an audit record before it is appended.
func PrepareAudit(rec slorec.AuditRecord) error {
	switch {
	case rec.Actor == "":
		return slorec.Errorf(slorec.EINVALID, "audit: actor required")
	case rec.Action == "":
		return slorec.Errorf(slorec.EINVALID, "audit: action required")
	}
	if _, err := json.Marshal(rec.Detail); err != nil {
		return slorec.Errorf(slorec.EINVALID, "audit: detail is not JSON: %v", err)
	}
	return nil
}

// AuditLimit returns the effective limit of f.
func AuditLimit(f slorec.AuditFilter) int {
	switch {
	case f.Limit <= 0:
		return DefaultAuditLimit
	case f.Limit > MaxAuditLimit:
		return MaxAuditLimit
	}
	return f.Limit
}
