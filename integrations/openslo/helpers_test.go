package openslo_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/openslo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// missing skips the test locally and fails it in CI (CI=true), where the
// shared data must be present.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format+" (skipped outside CI)", args...)
}

// validators caches the compiled official schemas across tests.
var validators = sync.OnceValues(func() (*openslo.Validator, error) {
	return openslo.DefaultValidator(os.Getenv)
})

// validator returns the validator of the official schemas.
func validator(t testing.TB) *openslo.Validator {
	t.Helper()
	v, err := validators()
	if slorec.ErrorCode(err) == slorec.ENOTFOUND {
		missing(t, "official OpenSLO v1 schemas: %v", err)
	}
	require.NoError(t, err)
	return v
}

// shared returns a path under the shared data directory (../shared/data
// seen from the repository root), found by walking up.
func shared(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "data", filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p
		} else if !errors.Is(err, os.ErrNotExist) {
			require.NoError(t, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			missing(t, "shared data %s not found above the working directory", rel)
		}
		dir = parent
	}
}

// problems returns the problems of an *openslo.Error.
func problemsOf(t testing.TB, err error) []openslo.Problem {
	t.Helper()
	var e *openslo.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	return e.Problems
}
