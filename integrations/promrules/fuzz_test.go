package promrules_test

import (
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/promrules"
)

// FuzzGenerate feeds arbitrary service ids, targets, thresholds and
// windows: Generate must either refuse them with EINVALID or write YAML
// that reads back as the rule file it returned, with the service id
// verbatim in every recording rule's labels. (promtool checks the odd ids
// of TestOddServiceIDsPassPromtool; running it per input would make the
// fuzzer crawl.)
func FuzzGenerate(f *testing.F) {
	f.Add("checkout", 0.999, 300.0, 30)
	f.Add(`we"ird {{svc}}`, 0.9, 1000.0, 28)
	f.Add("new\nline\\", 0.5, 0.001, 7)
	f.Add("", 99.9, -1.0, 0)
	f.Add("\xff", 0.99, 250.0, 3)
	f.Fuzz(func(t *testing.T, service string, target, thresholdMs float64, days int) {
		slos := []slorec.SLO{
			{Service: service, SLI: slorec.Availability, Target: target, WindowDays: days},
			{Service: service, SLI: slorec.Latency, Target: target, ThresholdMs: thresholdMs, WindowDays: days},
		}
		res, err := promrules.Generate(slos, nil, promrules.Options{})
		if err != nil {
			if code := slorec.ErrorCode(err); code != slorec.EINVALID {
				t.Fatalf("error code %s: %v", code, err)
			}
			return
		}
		b, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		var back promrules.RuleFile
		if err := yaml.Unmarshal(b, &back); err != nil {
			t.Fatalf("generated YAML does not parse: %v\n%s", err, b)
		}
		if len(back.Groups) != len(res.File.Groups) {
			t.Fatalf("%d groups read back, %d written", len(back.Groups), len(res.File.Groups))
		}
		for _, g := range back.Groups {
			for _, r := range g.Rules {
				if r.Record != "" && r.Labels[promrules.LabelService] != service {
					t.Fatalf("label %q read back, service %q", r.Labels[promrules.LabelService], service)
				}
			}
		}
	})
}
