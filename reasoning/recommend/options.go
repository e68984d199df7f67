package recommend

import (
	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/stats"
)

// EngineVersion identifies the algorithm that produces the numbers. Bump it
// whenever a change can alter a recommendation, so stored recommendations
// computed by an older engine are not reused.
const EngineVersion = "engine/2"

// LowConfidence is the confidence below which the conservative tier is
// chosen and a recommendation needs human review.
const LowConfidence = 0.5

// PathMode says for which services the critical-path latency analysis runs.
type PathMode string

// Path modes. The Monte Carlo walk costs time proportional to the services
// an entry reaches, so a fleet run does entry points only.
const (
	PathsEntries PathMode = "entries" // services nothing depends on (default)
	PathsAll     PathMode = "all"
	PathsNone    PathMode = "none"
)

// Options configure a recommendation run. The zero value is the default.
type Options struct {
	// Tier is the tier recommended when confidence allows; zero means
	// balanced. Low confidence always falls back to conservative.
	Tier stats.Tier
	// WindowDays is the SLO window recommended and the rolling-window
	// length of the statistics; zero means slorec.DefaultWindowDays.
	WindowDays int
	// Resamples is the number of bootstrap resamples (see stats.Options);
	// zero means DefaultResamples, negative skips the bootstrap.
	Resamples int
	// Seed seeds the bootstrap and the Monte Carlo latency estimate.
	Seed uint64
	// Paths selects the services that get a critical-path analysis; zero
	// means PathsEntries. A run for one service always analyses its path.
	Paths PathMode
	// MCSamples is the number of Monte Carlo samples per critical path.
	// Zero means the depgraph default for a single service and no
	// simulation (the conservative bound only) for a fleet run, where an
	// entry point of a large graph can reach thousands of services and
	// its simulation would dominate the run; set it to simulate anyway.
	MCSamples int
	// Workers bounds the goroutines computing statistics; zero means
	// GOMAXPROCS.
	Workers int
}

// DefaultResamples is the engine's bootstrap size: breach probabilities
// to the nearest 0.5%, at a third of the cost of the stats default.
const DefaultResamples = 200

func (o Options) withDefaults() Options {
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.Tier == "" {
		o.Tier = stats.Balanced
	}
	if o.WindowDays <= 0 {
		o.WindowDays = slorec.DefaultWindowDays
	}
	if o.Paths == "" {
		o.Paths = PathsEntries
	}
	return o
}

func (o Options) validate() error {
	switch o.Tier {
	case "", stats.Conservative, stats.Balanced, stats.Aspirational:
	default:
		return slorec.Errorf(slorec.EINVALID, "tier: unknown %q (want conservative, balanced or aspirational)", o.Tier)
	}
	switch o.Paths {
	case "", PathsEntries, PathsAll, PathsNone:
	default:
		return slorec.Errorf(slorec.EINVALID, "paths: unknown %q (want entries, all or none)", o.Paths)
	}
	if o.WindowDays > 366 {
		return slorec.Errorf(slorec.EINVALID, "window_days: %d is longer than a year", o.WindowDays)
	}
	return nil
}

func (o Options) statsOptions() stats.Options {
	return stats.Options{WindowDays: o.WindowDays, StepHours: 1, Resamples: o.Resamples, Seed: o.Seed}
}
