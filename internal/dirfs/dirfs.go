// Package dirfs opens a directory named on a command line or in a
// setting as an fs.FS, with the errors slorec gives for a path that is
// missing or not a directory.
package dirfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/slorec/slorec"
)

// Open returns dir as an fs.FS. A missing dir is ENOTFOUND and a file is
// EINVALID, each naming what (say "backstage catalog") and dir; any other
// failure to stat it is wrapped as "read what: …".
func Open(what, dir string) (fs.FS, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, slorec.Errorf(slorec.ENOTFOUND, "%s %s: no such directory", what, dir)
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", what, err)
	case !fi.IsDir():
		return nil, slorec.Errorf(slorec.EINVALID, "%s %s: not a directory", what, dir)
	}
	return os.DirFS(dir), nil
}
