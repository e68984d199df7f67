package promrules_test

import (
	"fmt"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/prommap"
	"github.com/slorec/slorec/integrations/promrules"
)

// A 28-day availability SLO gets the Workbook's budget shares, scaled:
// 13.44x and 5.6x page, 2.8x and 0.93x open a ticket. A latency SLO whose
// threshold is no bucket boundary is measured at the next one, with a
// warning.
func ExampleGenerate() {
	cfg, err := prommap.Load(strings.NewReader("")) // an empty mapping: the conventions
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.Defaults.Latency.Buckets = []float64{0.1, 0.25, 0.5, 1}
	slos := []slorec.SLO{
		{Service: "checkout", SLI: slorec.Availability, Target: 0.999, WindowDays: 28},
		{Service: "checkout", SLI: slorec.Latency, Target: 0.99, ThresholdMs: 300, WindowDays: 28},
	}
	res, err := promrules.Generate(slos, cfg, promrules.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.SLOs[0].Alerts {
		for _, c := range a.Conditions {
			fmt.Printf("%s: %s/%s above %vx, an error ratio of %v\n", a.Severity, c.Long, c.Short, c.BurnRate, c.ErrorRatio)
		}
	}
	for _, w := range res.Warnings {
		fmt.Println(w)
	}
	yaml, err := res.YAML() // the rule file, for promtool and Prometheus
	fmt.Println(len(res.File.Groups), "groups,", len(yaml) > 0, err)
	// Output:
	// page: 1h/5m above 13.44x, an error ratio of 0.01344
	// page: 6h/30m above 5.6x, an error ratio of 0.0056
	// ticket: 1d/2h above 2.8x, an error ratio of 0.0028
	// ticket: 3d/6h above 0.9333333333x, an error ratio of 0.0009333333333
	// checkout latency: threshold 300 ms is not a bucket boundary; measured at the next one up, le="0.5" (500 ms), so the rules check a looser SLO than committed
	// 6 groups, true <nil>
}
