// Package examples embeds the example datasets so `slorec demo` runs
// anywhere, with no files next to the binary. It imports only embed and
// io/fs.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed ecommerce/topology.json ecommerce/metrics.csv ecommerce/slos.json ecommerce/incidents.json ecommerce/truth.json ecommerce/platform.json
var files embed.FS

// Ecommerce returns the e-commerce example dataset (the brief's system) as
// a file system rooted at the dataset directory.
func Ecommerce() fs.FS {
	sub, err := fs.Sub(files, "ecommerce")
	if err != nil {
		panic(err) // the embedded path is fixed at build time
	}
	return sub
}
