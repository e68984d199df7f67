package openslo_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/openslo"
)

func seeds(f *testing.F) {
	f.Add([]byte(baseSLO()))
	f.Add([]byte(latencySLO("max(x_seconds)", "lt", "0.3")))
	if b, err := os.ReadFile("testdata/ecommerce.openslo.yaml"); err == nil {
		f.Add(b)
	}
	if dir, ok := findShared("openslo-examples"); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("- {apiVersion: openslo/v1, kind: Service, metadata: {name: a}, spec: {}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
}

// FuzzImport: Import never panics; what it returns passes slorec's
// validation, and what it refuses is an *openslo.Error with code EINVALID.
func FuzzImport(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		slos, warnings, err := openslo.Import(bytes.NewReader(data))
		if err != nil {
			var e *openslo.Error
			if !errors.As(err, &e) || slorec.ErrorCode(err) != slorec.EINVALID || len(e.Problems) == 0 {
				t.Fatalf("want an *openslo.Error with problems, got %T %v", err, err)
			}
			if slos != nil || warnings != nil {
				t.Fatal("an error comes without results")
			}
			return
		}
		for i := range slos {
			if err := slos[i].Validate(); err != nil {
				t.Fatalf("imported SLO %d fails validation: %v", i, err)
			}
		}
		for _, w := range warnings {
			if w.Message == "" {
				t.Fatal("a warning without message")
			}
		}
	})
}

// FuzzValidate: the validator never panics and refuses with an
// *openslo.Error.
func FuzzValidate(f *testing.F) {
	seeds(f)
	v := validator(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		err := v.Validate(data)
		var e *openslo.Error
		if err != nil && (!errors.As(err, &e) || len(e.Problems) == 0) {
			t.Fatalf("want an *openslo.Error with problems, got %T %v", err, err)
		}
	})
}
