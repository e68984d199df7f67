package pgtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestURLNamesTheTestInTheLog(t *testing.T) {
	log := filepath.Join(t.TempDir(), "pg-tests")
	t.Setenv(LogEnv, log)
	t.Run("first", func(t *testing.T) { URL(t) })
	t.Run("second", func(t *testing.T) { URL(t); URL(t) })
	got, err := os.ReadFile(log)
	require.NoError(t, err)
	dir, err := os.Getwd()
	require.NoError(t, err)
	require.Equal(t, dir+"\tTestURLNamesTheTestInTheLog/first\n"+dir+"\tTestURLNamesTheTestInTheLog/second\n"+dir+"\tTestURLNamesTheTestInTheLog/second\n", string(got))
}
