package openslo_test

import (
	"bytes"
	"testing"

	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/examples"
	"github.com/slorec/slorec/integrations/openslo"
)

func BenchmarkExport(b *testing.B) {
	d, err := dataset.LoadFS(examples.Ecommerce(), "ecommerce", dataset.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := openslo.Export(d.Graph.Services, d.SLOs, nil, openslo.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImport(b *testing.B) {
	data := []byte(goldenB(b))
	for b.Loop() {
		if _, _, err := openslo.Import(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	v := validator(b)
	data := []byte(goldenB(b))
	for b.Loop() {
		if err := v.Validate(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewValidator(b *testing.B) {
	dir := schemaDir(b)
	for b.Loop() {
		if _, err := openslo.NewValidatorDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}
