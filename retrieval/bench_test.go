package retrieval_test

import (
	"fmt"
	"testing"

	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/indextest"
)

func BenchmarkMemIndex(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, mode := range []retrieval.Mode{retrieval.Hybrid, retrieval.VectorOnly, retrieval.TextOnly} {
			b.Run(fmt.Sprintf("%d/%s", n, mode), func(b *testing.B) {
				indextest.BenchmarkIndex(b, n, mode, func(*testing.B) retrieval.Index { return retrieval.NewMemIndex() }, nil)
			})
		}
	}
}
