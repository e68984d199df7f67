package inmem_test

import (
	"testing"

	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/inmem"
	"github.com/slorec/slorec/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return inmem.New() })
}
