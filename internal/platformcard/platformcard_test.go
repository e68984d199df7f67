package platformcard_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/internal/platformcard"
	"github.com/slorec/slorec/reasoning/scorecard"
)

// end is the last metric timestamp of files(): every window ends there,
// and the 30-day window starts after 2026-09-01T12:00.
var end = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

// files returns a small dataset: api (owned, depends on the missing node
// ext), web (owned) and db (no owner, no latency data).
func files() map[string]string {
	return map[string]string{
		dataset.TopologyFile: `{"services": [
  {"id": "api", "kind": "service", "tier": "critical", "owner": "team-a", "deps": [{"target": "ext", "type": "sync", "criticality": "hard"}]},
  {"id": "web", "kind": "service", "tier": "high", "owner": "team-b"},
  {"id": "db", "kind": "datastore", "tier": "high"}
]}`,
		dataset.MetricsFile: dataset.MetricsHeader + `
2026-09-01T00:00:00Z,api,1000,500,,,
2026-09-20T00:00:00Z,api,1000,10,10,100,200
2026-09-20T00:00:00Z,web,1000,0,10,100,200
2026-10-01T12:00:00Z,api,3000,2,20,50,80
2026-10-01T12:00:00Z,web,3000,0,20,50,80
2026-10-01T12:00:00Z,db,100,0,,,
`,
		dataset.SLOsFile: `{"slos": [
  {"service": "api", "sli": "availability", "target": 0.999, "window_days": 30},
  {"service": "api", "sli": "latency", "target": 0.9, "threshold_ms": 50, "window_days": 7},
  {"service": "web", "sli": "latency", "target": 0.9, "threshold_ms": 80},
  {"service": "db", "sli": "latency", "target": 0.9, "threshold_ms": 10}
]}`,
		dataset.IncidentsFile: `{"incidents": [
  {"id": "I1", "service": "api", "start": "2026-08-30T00:00:00Z", "end": "2026-08-30T05:00:00Z", "title": "before the period"},
  {"id": "I2", "service": "api", "start": "2026-09-10T00:00:00Z", "end": "2026-09-10T00:30:00Z", "title": "30 minutes"},
  {"id": "I3", "service": "api", "start": "2026-09-25T10:00:00Z", "end": "2026-09-25T11:30:00Z", "title": "90 minutes"},
  {"id": "I4", "service": "web", "start": "2026-09-21T08:00:00Z", "end": "2026-09-21T08:20:00Z", "title": "filed on web, caused by api", "root_cause": "api"},
  {"id": "I5", "service": "db", "start": "2026-10-01T11:00:00Z", "title": "still open"}
]}`,
		dataset.PlatformFile: `{"currency": "EUR", "services": {
  "api": {"team": "payments", "change_failure_rate": 0.08, "deployments_30d": 25,
    "cost": {"budget_monthly": 3000, "entries": [{"month": "2026-10", "amount": 3500}, {"month": "2026-09", "amount": 2800}]},
    "governance": {"runbook": true, "monitoring": true, "owner": true, "documentation": false, "incident_response": true}},
  "web": {"cost": {"entries": [{"month": "2026-10", "amount": 100}]}},
  "ext": {"team": "vendor"}
}}`,
	}
}

func load(t *testing.T, files map[string]string) *dataset.Dataset {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	d, err := dataset.Load(dir, dataset.LoadOptions{Now: end.Add(24 * time.Hour)})
	require.NoError(t, err)
	return d
}

func service(t *testing.T, in platformcard.Inputs, id string) scorecard.Service {
	t.Helper()
	for _, s := range in.Services {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no inputs for %s", id)
	return scorecard.Service{}
}

func TestBuildFromAHandMadeDataset(t *testing.T) {
	in := platformcard.Build(load(t, files()))
	require.Equal(t, end, in.End, "windows end at the last metric timestamp")
	require.Equal(t, "EUR", in.Currency)
	var ids []string
	for _, s := range in.Services {
		ids = append(ids, s.ID)
	}
	require.Equal(t, []string{"api", "web", "db"}, ids, "declared services in topology order; the missing node ext has no card")

	api := service(t, in, "api")
	require.Equal(t, "payments", api.Team, "platform.json's team wins over the topology owner")
	require.Len(t, api.SLOs, 2)
	// 30 days: the 2026-09-01T00:00 bucket is outside; (4000 − 12) / 4000.
	require.Equal(t, "availability", api.SLOs[0].Name)
	require.InDelta(t, 0.997, api.SLOs[0].Current, 1e-12)
	require.Equal(t, 0.999, api.SLOs[0].Target)
	require.Equal(t, 30, api.SLOs[0].WindowDays)
	// 7 days: only the last bucket, whose p95 is the threshold.
	require.Equal(t, "latency", api.SLOs[1].Name)
	require.InDelta(t, 0.95, api.SLOs[1].Current, 1e-12)
	require.Equal(t, scorecard.Reliability{
		Uptime:            0.997,
		MTTRMinutes:       60, // (30 + 90) / 2; I1 started before the period, I4 is web's
		Incidents30d:      2,
		ChangeFailureRate: 0.08,
	}, api.Reliability, "3988/4000 is 0.997 to the last bit")
	require.Equal(t, scorecard.Cost{BudgetMonthly: 3000, Entries: []scorecard.CostEntry{{Month: "2026-10", Amount: 3500}, {Month: "2026-09", Amount: 2800}}}, api.Cost)
	require.Equal(t, scorecard.Governance{Runbook: true, Monitoring: true, Owner: true, IncidentResponse: true}, api.Governance)

	web := service(t, in, "web")
	require.Equal(t, "team-b", web.Team, "no team in platform.json: the topology owner")
	require.Len(t, web.SLOs, 1)
	// Request-weighted over both buckets at 80 ms: the first bucket has 80
	// between its p50 (10) and p95 (100), the second has 80 as its p99.
	first := 0.5 + 0.45*math.Log(80.0/10)/math.Log(100.0/10)
	require.InDelta(t, (1000*first+3000*0.99)/4000, web.SLOs[0].Current, 1e-12)
	require.Equal(t, 0, web.SLOs[0].WindowDays, "the default window stays unset, as in slos.json")
	require.Equal(t, scorecard.Reliability{Uptime: 1, MTTRMinutes: 20, Incidents30d: 1}, web.Reliability)
	require.Equal(t, scorecard.Governance{Owner: true}, web.Governance, "no governance in platform.json: ownership from the topology")

	db := service(t, in, "db")
	require.Empty(t, db.Team)
	require.Empty(t, db.SLOs, "a latency SLO without latency data is left out")
	require.Equal(t, scorecard.Reliability{Uptime: 1, MTTRMinutes: 60, Incidents30d: 1}, db.Reliability, "the open incident counts until the end of the window")
	require.Equal(t, scorecard.Cost{}, db.Cost)
	require.Equal(t, scorecard.Governance{}, db.Governance, "no entry and no owner: every check fails")

	require.Equal(t, []platformcard.Note{
		{Service: "web", Message: "no change_failure_rate in platform.json: taken as 0"},
		{Service: "web", Message: "no governance in platform.json: from topology.json only (ownership)"},
		{Service: "db", Message: "latency SLO left out: no latency data in its 30-day window"},
		{Service: "db", Message: "1 incident(s) without an end: MTTR counts them until 2026-10-01T12:00:00Z"},
		{Service: "db", Message: "no platform.json entry: no cost data or budget, change failure rate taken as 0, governance from topology.json only (ownership)"},
	}, in.Notes)

	rep, err := scorecard.Summarize(in.Services)
	require.NoError(t, err, "the inputs pass the scorecard's validation")
	require.Equal(t, 3, rep.TotalServices)
	require.Equal(t, 3, rep.SLOs)
	require.Equal(t, 1, rep.SLOsBreached, "api's availability: 99.7% against 99.9%")
}

func TestBuildWithoutPlatformData(t *testing.T) {
	f := files()
	delete(f, dataset.PlatformFile)
	in := platformcard.Build(load(t, f))
	require.Empty(t, in.Currency)

	api := service(t, in, "api")
	require.Equal(t, "team-a", api.Team)
	require.Zero(t, api.Reliability.ChangeFailureRate)
	require.Equal(t, scorecard.Cost{}, api.Cost)
	require.Equal(t, scorecard.Governance{Owner: true}, api.Governance, "owner from the topology, the other four checks fail")
	require.Equal(t, scorecard.Governance{}, service(t, in, "db").Governance)
	require.Equal(t, platformcard.Note{Message: "no platform.json: no cost data or budgets, change failure rates taken as 0, governance from topology.json only (ownership)"}, in.Notes[0],
		"said once for the fleet")
	for _, n := range in.Notes[1:] {
		require.NotContains(t, n.Message, "platform.json", "and not again per service")
	}
}

func TestBuildWithoutMetrics(t *testing.T) {
	d := &dataset.Dataset{
		Graph: slorec.Graph{Services: []slorec.Service{{ID: "a", Kind: slorec.KindService, Tier: slorec.TierLow, Owner: "x"}}},
		SLOs:  []slorec.SLO{{Service: "a", SLI: slorec.Availability, Target: 0.99}},
		Incidents: []slorec.Incident{{ID: "I", Service: "a", Title: "t",
			Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)}},
	}
	in := platformcard.Build(d)
	require.True(t, in.End.IsZero())
	require.Equal(t, []scorecard.Service{{ID: "a", Team: "x", Governance: scorecard.Governance{Owner: true}}}, in.Services,
		"nothing measured: no SLO, uptime 0, no incidents in a period that does not exist")
	require.Equal(t, "no metric buckets: no SLO can be measured and every uptime is scored as 0", in.Notes[0].Message)
	_, err := scorecard.Summarize(in.Services)
	require.NoError(t, err)
}
