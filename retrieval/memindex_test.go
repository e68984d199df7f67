package retrieval_test

import (
	"testing"

	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/indextest"
)

func TestMemIndexContract(t *testing.T) {
	indextest.Run(t, func(*testing.T) retrieval.Index { return retrieval.NewMemIndex() })
}
