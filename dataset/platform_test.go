package dataset_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

// platformFile is a valid platform.json for baseFiles, one value per line
// where tests name lines. "cache" is a missing node, which may have an
// entry as it may have metrics.
const platformFile = `{"currency": "USD",
 "services": {
  "gateway": {"team": "edge", "change_failure_rate": 0.1, "deployments_30d": 20,
   "cost": {"budget_monthly": 3000, "entries": [
    {"month": "2026-09", "amount": 2800},
    {"month": "2026-10", "amount": 3500}
   ]},
   "governance": {"runbook": true, "monitoring": true, "owner": true, "documentation": false, "incident_response": true}
  },
  "cache": {"cost": {"entries": [{"month": "2026-10", "amount": 40}]}}
 }
}
`

func platformFiles() map[string]string {
	files := baseFiles()
	files[dataset.PlatformFile] = platformFile
	return files
}

func TestLoadPlatform(t *testing.T) {
	d, err := dataset.Load(writeFiles(t, platformFiles()), dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	require.NotNil(t, d.Platform)
	require.Equal(t, "USD", d.Platform.Currency)
	rate := 0.1
	require.Equal(t, dataset.PlatformService{
		Team:              "edge",
		Cost:              dataset.Cost{BudgetMonthly: 3000, Entries: []dataset.CostEntry{{Month: "2026-09", Amount: 2800}, {Month: "2026-10", Amount: 3500}}},
		ChangeFailureRate: &rate,
		Deployments30d:    20,
		Governance:        &dataset.Governance{Runbook: true, Monitoring: true, Owner: true, IncidentResponse: true},
	}, d.Platform.Services["gateway"])
	cache, ok := d.PlatformEntry("cache")
	require.True(t, ok, "a missing node may have an entry")
	require.Nil(t, cache.ChangeFailureRate, "an absent rate stays unknown")
	require.Nil(t, cache.Governance, "absent governance stays unknown")
	_, ok = d.PlatformEntry("checkout")
	require.False(t, ok)
	require.NoError(t, d.Validate(now), "a loaded dataset validates in memory too")

	d, err = dataset.Load(writeFiles(t, baseFiles()), dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	require.Nil(t, d.Platform, "platform.json is optional")
	_, ok = d.PlatformEntry("gateway")
	require.False(t, ok)
}

func TestLoadReportsEveryPlatformRule(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replace old by new in platform.json
		want     want
	}{
		{name: "An unknown top-level field should be refused.",
			old: `"currency": "USD",`, new: `"currency": "USD", "region": "eu",`,
			want: want{dataset.PlatformFile, "region", 1, "region", `unknown field "region" (allowed: currency, services)`}},
		{name: "An unknown field in a service should be refused.",
			old: `"team": "edge",`, new: `"team": "edge", "tier": "gold",`,
			want: want{dataset.PlatformFile, "tier", 3, `services["gateway"].tier`, `unknown field "tier"`}},
		{name: "An unknown field in the cost should be refused.",
			old: `"budget_monthly": 3000,`, new: `"budget_monthly": 3000, "forecast": 1,`,
			want: want{dataset.PlatformFile, "forecast", 4, `services["gateway"].cost.forecast`, `unknown field "forecast"`}},
		{name: "An unknown field in a cost entry should be refused.",
			old: `"amount": 3500}`, new: `"amount": 3500, "note": "x"}`,
			want: want{dataset.PlatformFile, "note", 6, `services["gateway"].cost.entries[1].note`, `unknown field "note"`}},
		{name: "An unknown governance check should be refused.",
			old: `"incident_response": true}`, new: `"incident_response": true, "sla": true}`,
			want: want{dataset.PlatformFile, "sla", 8, `services["gateway"].governance.sla`, `unknown field "sla"`}},
		{name: "A service not in the topology should be refused.",
			old: `"cache": {`, new: `"billing": {`,
			want: want{dataset.PlatformFile, "services", 10, `services["billing"]`, `unknown service "billing" (not in topology.json)`}},
		{name: "A month past December should be refused.",
			old: `"2026-10", "amount": 3500`, new: `"2026-13", "amount": 3500`,
			want: want{dataset.PlatformFile, "month", 6, `services["gateway"].cost.entries[1].month`, `"2026-13" is not a month in YYYY-MM form`}},
		{name: "A month without its leading zero should be refused.",
			old: `"2026-09"`, new: `"2026-9"`,
			want: want{dataset.PlatformFile, "month", 5, `services["gateway"].cost.entries[0].month`, "not a month in YYYY-MM form"}},
		{name: "A month given twice should point at the second one.",
			old: `"2026-10", "amount": 3500`, new: `"2026-09", "amount": 3500`,
			want: want{dataset.PlatformFile, "month", 6, `services["gateway"].cost.entries[1].month`, "duplicate month 2026-09 (first at entries[0])"}},
		{name: "A negative amount should be refused.",
			old: `"amount": 3500`, new: `"amount": -3500`,
			want: want{dataset.PlatformFile, "amount", 6, `services["gateway"].cost.entries[1].amount`, "-3500 is not a non-negative number"}},
		{name: "A negative budget should be refused.",
			old: `"budget_monthly": 3000`, new: `"budget_monthly": -1`,
			want: want{dataset.PlatformFile, "budget_monthly", 4, `services["gateway"].cost.budget_monthly`, "-1 is not a non-negative number"}},
		{name: "A change failure rate written as a percentage should say so.",
			old: `"change_failure_rate": 0.1`, new: `"change_failure_rate": 10`,
			want: want{dataset.PlatformFile, "change_failure_rate", 3, `services["gateway"].change_failure_rate`, "10 looks like a percentage"}},
		{name: "A negative change failure rate should be refused.",
			old: `"change_failure_rate": 0.1`, new: `"change_failure_rate": -0.1`,
			want: want{dataset.PlatformFile, "change_failure_rate", 3, `services["gateway"].change_failure_rate`, "-0.1 is not a ratio in [0,1]"}},
		{name: "A change failure rate above 100 should be refused as out of range.",
			old: `"change_failure_rate": 0.1`, new: `"change_failure_rate": 250`,
			want: want{dataset.PlatformFile, "change_failure_rate", 3, `services["gateway"].change_failure_rate`, "250 is not a ratio in [0,1]"}},
		{name: "A string where a rate belongs should be refused.",
			old: `"change_failure_rate": 0.1`, new: `"change_failure_rate": "10%"`,
			want: want{dataset.PlatformFile, "change_failure_rate", 3, `services["gateway"].change_failure_rate`, "want a number, got a string"}},
		{name: "A negative deployment count should be refused.",
			old: `"deployments_30d": 20`, new: `"deployments_30d": -2`,
			want: want{dataset.PlatformFile, "deployments_30d", 3, `services["gateway"].deployments_30d`, "-2 is negative"}},
		{name: "A governance check that is not a boolean should be refused.",
			old: `"runbook": true`, new: `"runbook": "yes"`,
			want: want{dataset.PlatformFile, "runbook", 8, `services["gateway"].governance.runbook`, "want a boolean, got a string"}},
		{name: "A currency that is not an ISO 4217 code should be refused.",
			old: `"currency": "USD"`, new: `"currency": "$"`,
			want: want{dataset.PlatformFile, "currency", 1, "currency", "not an ISO 4217 code"}},
		{name: "An amount too large for a float should be refused.",
			old: `"amount": 40`, new: `"amount": 1e400`,
			want: want{dataset.PlatformFile, "amount", 10, `services["cache"].cost.entries[0].amount`, "out of range"}},
		{name: "Malformed JSON should name the line of the error.",
			old: `"amount": 2800},`, new: `"amount": 2800}`,
			want: want{dataset.PlatformFile, "", 6, "", "malformed JSON"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := platformFiles()
			require.Contains(t, files[dataset.PlatformFile], tc.old, "test case does not apply")
			files[dataset.PlatformFile] = strings.Replace(files[dataset.PlatformFile], tc.old, tc.new, 1)
			d, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
			require.Nil(t, d, "a rejected dataset gives nothing")
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			var verr *dataset.ValidationError
			require.True(t, errors.As(err, &verr), "got %T", err)
			require.Len(t, verr.Problems, 1, "problems: %v", verr.Problems)
			p := verr.Problems[0]
			require.Equal(t, tc.want.file, p.File, p.String())
			require.Equal(t, tc.want.line, p.Line, p.String())
			require.Equal(t, tc.want.field, p.Field, p.String())
			require.Equal(t, tc.want.path, p.Path, p.String())
			require.Contains(t, p.Message, tc.want.contains)
			require.Contains(t, err.Error(), p.String())
		})
	}
}

func TestLoadRefusesAServiceGivenTwice(t *testing.T) {
	files := platformFiles()
	files[dataset.PlatformFile] = strings.Replace(files[dataset.PlatformFile], `"cache": {`, `"gateway": {`, 1)
	_, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Len(t, verr.Problems, 1, "problems: %v", verr.Problems)
	p := verr.Problems[0]
	require.Equal(t, dataset.PlatformFile, p.File)
	require.Equal(t, `services["gateway"]`, p.Path)
	require.Equal(t, `duplicate key "gateway"`, p.Message)
	// The line is the first occurrence's (3), not the duplicate's (10):
	// the JSON decoder records a map key's position once. Struct keys
	// given twice point at the second occurrence.
	require.Positive(t, p.Line)
}

func TestLoadReportsAllPlatformProblems(t *testing.T) {
	files := platformFiles()
	r := strings.NewReplacer(
		`"budget_monthly": 3000`, `"budget_monthly": -1`,
		`"2026-09"`, `"Sept"`,
		`"amount": 3500`, `"amount": -5`,
		`"change_failure_rate": 0.1`, `"change_failure_rate": 8`,
		`"cache": {`, `"billing": {`,
	)
	files[dataset.PlatformFile] = r.Replace(files[dataset.PlatformFile])
	files[dataset.SLOsFile] = strings.Replace(files[dataset.SLOsFile], `"target": 0.999`, `"target": 99.9`, 1)

	_, err := dataset.Load(writeFiles(t, files), dataset.LoadOptions{Now: now})
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.String())
	}
	require.Equal(t, []string{
		"slos.json:2: slos[0].target: 99.9 looks like a percentage; targets are ratios (0.999 for 99.9%)",
		`platform.json:10: services["billing"]: unknown service "billing" (not in topology.json)`,
		`platform.json:4: services["gateway"].cost.budget_monthly: -1 is not a non-negative number`,
		`platform.json:5: services["gateway"].cost.entries[0].month: "Sept" is not a month in YYYY-MM form`,
		`platform.json:6: services["gateway"].cost.entries[1].amount: -5 is not a non-negative number`,
		`platform.json:3: services["gateway"].change_failure_rate: 8 looks like a percentage; it is a ratio (0.05 for 5%)`,
	}, got, "every problem, services in id order")
}

func TestValidatePlatformInMemory(t *testing.T) {
	d, err := dataset.Load(writeFiles(t, platformFiles()), dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	gw := d.Platform.Services["gateway"]
	gw.Cost.Entries[0].Amount = math.NaN()
	gw.Cost.BudgetMonthly = math.Inf(1)
	nan := math.NaN()
	gw.ChangeFailureRate = &nan
	d.Platform.Services["gateway"] = gw

	err = d.Validate(now)
	var verr *dataset.ValidationError
	require.ErrorAs(t, err, &verr)
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.String())
	}
	require.Equal(t, []string{
		`platform.json: services["gateway"].cost.budget_monthly: +Inf is not a non-negative number`,
		`platform.json: services["gateway"].cost.entries[0].amount: NaN is not a non-negative number`,
		`platform.json: services["gateway"].change_failure_rate: NaN is not a ratio in [0,1]`,
	}, got, "JSON cannot spell NaN, but a dataset built in memory can hold it")
}

func TestWritePlatformRoundTripsByteForByte(t *testing.T) {
	d, err := dataset.Load(writeFiles(t, platformFiles()), dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	dir1, dir2 := t.TempDir(), t.TempDir()
	require.NoError(t, dataset.Write(dir1, d))
	got, err := dataset.Load(dir1, dataset.LoadOptions{Now: now})
	require.NoError(t, err)
	require.Equal(t, d.Platform, got.Platform)
	require.NoError(t, dataset.Write(dir2, got))

	first, err := os.ReadFile(filepath.Join(dir1, dataset.PlatformFile))
	require.NoError(t, err)
	second, err := os.ReadFile(filepath.Join(dir2, dataset.PlatformFile))
	require.NoError(t, err)
	require.Equal(t, string(first), string(second))
	require.Equal(t, `{
  "currency": "USD",
  "services": {
    "cache": {
      "cost": {
        "entries": [
          {
            "month": "2026-10",
            "amount": 40
          }
        ]
      }
    },
    "gateway": {
      "team": "edge",
      "cost": {
        "budget_monthly": 3000,
        "entries": [
          {
            "month": "2026-09",
            "amount": 2800
          },
          {
            "month": "2026-10",
            "amount": 3500
          }
        ]
      },
      "change_failure_rate": 0.1,
      "deployments_30d": 20,
      "governance": {
        "runbook": true,
        "monitoring": true,
        "owner": true,
        "documentation": false,
        "incident_response": true
      }
    }
  }
}
`, string(first), "services by id, fields in schema order, unknowns left out")

	got.Platform = nil
	require.NoError(t, dataset.Write(dir2, got))
	_, err = os.Stat(filepath.Join(dir2, dataset.PlatformFile))
	require.ErrorIs(t, err, os.ErrNotExist, "a dataset without platform data leaves no stale platform.json")
}

func TestExamplePlatformIsInWriteForm(t *testing.T) {
	const dir = "../examples/ecommerce"
	d, err := dataset.Load(dir, dataset.LoadOptions{})
	require.NoError(t, err)
	require.NotNil(t, d.Platform)
	require.Len(t, d.Platform.Services, len(d.Graph.Services), "every declared service has an entry")
	out := t.TempDir()
	require.NoError(t, dataset.Write(out, d))
	want, err := os.ReadFile(filepath.Join(dir, dataset.PlatformFile))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(out, dataset.PlatformFile))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "the committed example is exactly what Write produces")
}

// FuzzLoadPlatform checks that the platform.json decoder never panics,
// that every problem it reports names platform.json, and that whatever it
// accepts passes the in-memory validation.
func FuzzLoadPlatform(f *testing.F) {
	for _, s := range []string{
		platformFile,
		`{}`,
		`{"services": {}}`,
		`{"services": {"gateway": {"cost": {"entries": [{"month": "2026-1", "amount": 1e400}]}}}}`,
		`{"services": {"gateway": {"change_failure_rate": null, "governance": null}}}`,
		`{"services": {"gateway": {}, "gateway": {}}} trailing`,
		`{"services": [{"gateway": {}}]}`,
	} {
		f.Add(s)
	}
	base := baseFiles()
	f.Fuzz(func(t *testing.T, in string) {
		fsys := fstest.MapFS{dataset.PlatformFile: {Data: []byte(in)}}
		for _, name := range []string{dataset.TopologyFile, dataset.MetricsFile} {
			fsys[name] = &fstest.MapFile{Data: []byte(base[name])}
		}
		d, err := dataset.LoadFS(fsys, "fuzz", dataset.LoadOptions{Now: now})
		if err != nil {
			var verr *dataset.ValidationError
			require.ErrorAs(t, err, &verr)
			for _, p := range verr.Problems {
				require.Equal(t, dataset.PlatformFile, p.File, p.String())
			}
			return
		}
		require.NotNil(t, d.Platform)
		require.NoError(t, d.Validate(now))
	})
}
