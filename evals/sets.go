package evals

import (
	"errors"
	"os"
	"path/filepath"
	"slices"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/petshop"
	"github.com/slorec/slorec/examples"
)

// EmbeddedName names the embedded e-commerce example among the sets.
const EmbeddedName = "examples/ecommerce (embedded)"

// Set is a dataset the suites run on: a name for reports and a loader.
type Set struct {
	Name string
	Load func() (*dataset.Dataset, error)
}

// DefaultSets lists the datasets `slorec eval` runs on when none is
// named: the embedded e-commerce example, every directory under
// datasetsDir in lexical order, and the PetShop real metrics imported
// from petshopDir when that directory exists (empty leaves PetShop out).
// A missing datasetsDir contributes nothing; other errors are returned.
// Tests of other packages use it to cover exactly the datasets the eval
// harness covers.
func DefaultSets(datasetsDir, petshopDir string) ([]Set, error) {
	sets := []Set{{EmbeddedName, func() (*dataset.Dataset, error) {
		return dataset.LoadFS(examples.Ecommerce(), EmbeddedName, dataset.LoadOptions{})
	}}}
	entries, err := os.ReadDir(datasetsDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var dirs []string
	for _, en := range entries {
		if en.IsDir() {
			dirs = append(dirs, filepath.Join(datasetsDir, en.Name()))
		}
	}
	slices.Sort(dirs)
	for _, dir := range dirs {
		sets = append(sets, Set{dir, func() (*dataset.Dataset, error) { return dataset.Load(dir, dataset.LoadOptions{}) }})
	}
	if petshopDir == "" {
		return sets, nil
	}
	if _, err := os.Stat(petshopDir); errors.Is(err, os.ErrNotExist) {
		return sets, nil
	} else if err != nil {
		return nil, err
	}
	sets = append(sets, PetShopSet(petshopDir))
	return sets, nil
}

// PetShopSet is the PetShop real-metrics dataset imported from dir (its
// normal-operation window).
func PetShopSet(dir string) Set {
	return Set{"petshop (" + dir + ")", func() (*dataset.Dataset, error) {
		d, _, err := petshop.Import(dir, petshop.Options{})
		if err != nil {
			return nil, err
		}
		d.Dir = "petshop normal window (" + dir + ")"
		return d, nil
	}}
}
