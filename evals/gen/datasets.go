package gen

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/sim"
)

// Spec is a built-in dataset: a real topology, the assumptions that make it
// a dataset graph, and the generation options. Its files live in
// evals/datasets/<Name>.
type Spec struct {
	// Name is the dataset's directory name under evals/datasets.
	Name string
	// Title names the system in prose.
	Title string
	// Source is the topology file, relative to the shared data directory
	// (see FindDataRoot).
	Source      string
	Assumptions Assumptions
	// Options are the generation options; only Days and Seed are set, so
	// that `slorec eval gen --topology FILE --days D --seed S` reproduces a
	// source-format dataset.
	Options Options
}

// Datasets returns the built-in datasets, in the order of the evals/datasets
// listing.
func Datasets() []Spec {
	return []Spec{
		{Name: "online-boutique", Title: "Google Online Boutique", Source: "topology/online-boutique/topology.json",
			Assumptions: onlineBoutique(), Options: Options{Days: 45, Seed: 4501}},
		{Name: "sock-shop", Title: "Weaveworks Sock Shop", Source: "topology/sock-shop/source-topology.json",
			Assumptions: sockShop(), Options: Options{Days: 45, Seed: 4502}},
		{Name: "istio-bookinfo", Title: "Istio Bookinfo", Source: "topology/istio-bookinfo/source-topology.json",
			Assumptions: bookinfo(), Options: Options{Days: 45, Seed: 4503}},
		{Name: "dsb-social-network", Title: "DeathStarBench social network", Source: "topology/dsb-social-network/source-topology.json",
			Assumptions: socialNetwork(), Options: Options{Days: 45, Seed: 4504}},
		{Name: "dsb-media", Title: "DeathStarBench media microservices", Source: "topology/dsb-media-microservices/source-topology.json",
			Assumptions: mediaMicroservices(), Options: Options{Days: 45, Seed: 4505}},
	}
}

// Lookup returns the built-in dataset called name.
func Lookup(name string) (Spec, bool) {
	for _, s := range Datasets() {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// AssumptionsFor returns the assumptions of the built-in dataset whose
// source has the given "system" field.
func AssumptionsFor(system string) (Assumptions, bool) {
	for _, s := range Datasets() {
		if s.Assumptions.System == system && system != "" {
			return s.Assumptions, true
		}
	}
	return Assumptions{}, false
}

// Build generates the built-in dataset called name in memory, reading its
// source topology from the shared data directory (FindDataRoot). It returns
// ENOTFOUND for an unknown name or a missing data directory.
func Build(name string) (*dataset.Dataset, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, slorec.Errorf(slorec.ENOTFOUND, "gen: no built-in dataset %q", name)
	}
	root, err := FindDataRoot()
	if err != nil {
		return nil, err
	}
	_, d, err := s.Build(root)
	return d, err
}

// Build converts the source topology under dataRoot with the spec's
// assumptions and simulates it; it returns the simulation's configuration
// too, which Describe needs.
func (s Spec) Build(dataRoot string) (sim.Config, *dataset.Dataset, error) {
	g, err := FromSourceTopology(filepath.Join(dataRoot, filepath.FromSlash(s.Source)), s.Assumptions)
	if err != nil {
		return sim.Config{}, nil, err
	}
	cfg, err := Config(g, s.Options)
	if err != nil {
		return sim.Config{}, nil, err
	}
	d, err := sim.Run(cfg)
	if err != nil {
		return sim.Config{}, nil, err
	}
	return cfg, d, nil
}

// FindDataRoot returns the shared data directory holding the real
// topologies (its topology/ subdirectory): the first shared/data found
// walking up from the working directory, which is ../shared/data seen from
// the repository root. It returns ENOTFOUND when there is none.
func FindDataRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", slorec.Errorf(slorec.ENOTFOUND, "gen: shared data directory: %v", err)
	}
	for {
		root := filepath.Join(dir, "shared", "data")
		if fi, err := os.Stat(filepath.Join(root, "topology")); err == nil && fi.IsDir() {
			return root, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", slorec.Errorf(slorec.ENOTFOUND, "gen: shared data directory: %v", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", slorec.Errorf(slorec.ENOTFOUND, "gen: no shared/data/topology directory above the working directory (the real topologies live in ../shared/data, next to the repository)")
		}
		dir = parent
	}
}
