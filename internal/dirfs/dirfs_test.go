package dirfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("x: 1\n"), 0o600))

	fsys, err := Open("catalog", dir)
	require.NoError(t, err)
	b, err := fs.ReadFile(fsys, "a.yaml")
	require.NoError(t, err)
	require.Equal(t, "x: 1\n", string(b))

	_, err = Open("catalog", filepath.Join(dir, "missing"))
	require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	require.Equal(t, "catalog "+filepath.Join(dir, "missing")+": no such directory", slorec.ErrorMessage(err))

	_, err = Open("catalog", filepath.Join(dir, "a.yaml"))
	require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
	require.Equal(t, "catalog "+filepath.Join(dir, "a.yaml")+": not a directory", slorec.ErrorMessage(err))
}
