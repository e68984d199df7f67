package gen_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals/gen"
)

// FuzzConvert feeds arbitrary bytes to the topology reader: it must never
// panic, must refuse with EINVALID, and whatever it accepts must pass the
// dataset validation.
func FuzzConvert(f *testing.F) {
	f.Add([]byte(shop))
	f.Add([]byte(`{"services":[{"id":"a","kind":"service","tier":"high","deps":[{"target":"b","type":"sync","criticality":"hard"}]}]}`))
	f.Add([]byte(`{"system":"sock-shop","services":[{"id":"front-end","kind":"service","deps":["ghost"]}]}`))
	f.Add([]byte(`{"services":[{"id":"a","deps":["a"]}]}`))
	f.Add([]byte(`{"services":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, a := range []gen.Assumptions{{}, gen.DefaultAssumptions(), {Unknown: gen.AddExternal}} {
			g, err := gen.Convert(data, a)
			if err != nil {
				if code := slorec.ErrorCode(err); code != slorec.EINVALID {
					t.Fatalf("error code %s, want EINVALID: %v", code, err)
				}
				continue
			}
			out, err := json.Marshal(g)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := dataset.ReadTopology(bytes.NewReader(out)); err != nil {
				t.Fatalf("accepted a graph the dataset rules refuse: %v", err)
			}
		}
	})
}
