package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/integrations/prometheus"
	"github.com/slorec/slorec/integrations/prommap"
)

// Prometheus is a Prometheus server to ingest from and the mapping of
// services to its series.
type Prometheus struct {
	Querier prometheus.Querier
	Mapping *prommap.Config
}

// PrometheusIngest is a request to read metric history from Prometheus.
type PrometheusIngest struct {
	// WindowDays is how many days of hourly buckets to read, ending at
	// the last whole hour before End; zero means 30, at most 400 (the
	// API refuses an explicit 0).
	WindowDays int `json:"window_days,omitempty"`
	// End bounds the window; zero means now.
	End time.Time `json:"end,omitzero"`
	// Services restricts the read to these declared services; empty
	// means every declared service.
	Services []string `json:"services,omitempty"`
	// Edges also derives dependency edges from the service-graph metrics
	// and merges them with the declared ones (declared edges win; added
	// edges have provenance "observed").
	Edges bool `json:"edges,omitempty"`
	// AllowPartial writes what was read even when some services failed.
	// Without it, one failed service means nothing is written. A service
	// without any requests series is never a failure: it has no data
	// (external APIs, queues), and is reported as such.
	AllowPartial bool `json:"allow_partial,omitempty"`
}

// MaxIngestDays bounds PrometheusIngest.WindowDays.
const MaxIngestDays = 400

// validate checks what can be checked without the graph.
func (req PrometheusIngest) validate() error {
	if d := req.WindowDays; d < 0 || d > MaxIngestDays {
		return slorec.Errorf(slorec.EINVALID, "window_days: %d is not in [1,%d]", d, MaxIngestDays)
	}
	return nil
}

// PrometheusRead is what ReadPrometheus read, validated and ready to
// write.
type PrometheusRead struct {
	// Graph is the declared graph, with observed edges merged in when
	// asked.
	Graph   slorec.Graph
	Metrics []slorec.MetricBucket
	Report  PrometheusReport
}

// PrometheusReport says, per service, what an ingestion read, which
// services had no data and which failed, and what the edges changed.
type PrometheusReport struct {
	prometheus.Report
	// NoData are services with no requests series (not failures).
	NoData []string `json:"no_data,omitempty"`
	// Failed counts the services whose read failed.
	Failed int `json:"failed"`
	// Merge says what the observed edges did to the graph.
	Merge *prometheus.MergeReport `json:"merge,omitempty"`
	// Written is true when the metrics (and edges) were stored.
	Written bool `json:"written"`
	// MetricsWritten is the number of buckets stored; CatalogVersion the
	// graph's version afterwards, when edges were merged.
	MetricsWritten int `json:"metrics_written,omitempty"`
	CatalogVersion int `json:"catalog_version,omitempty"`
}

// ReadPrometheus reads the metric history of g's services from
// Prometheus and, when asked, merges observed edges into g. It writes
// nothing. Errors: EINVALID for a bad request or a read that is not
// writable (a failed service without AllowPartial, no data at all, data
// that fails the dataset's checks), EUNAVAILABLE when a failed service
// failed because Prometheus did not answer; with a read error the
// returned PrometheusRead's Report says which services failed and why.
func ReadPrometheus(ctx context.Context, p Prometheus, g slorec.Graph, req PrometheusIngest, now time.Time) (*PrometheusRead, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	days := cmp.Or(req.WindowDays, slorec.DefaultWindowDays)
	if p.Querier == nil || p.Mapping == nil {
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "no Prometheus is configured (%s)", prometheus.EnvURL)
	}
	services, err := ingestServices(g, req)
	if err != nil {
		return nil, err
	}
	end := req.End
	if end.IsZero() {
		end = now
	}
	start, end := prometheus.Window(end, time.Duration(days)*24*time.Hour, prometheus.DefaultStep)
	res, err := prometheus.Ingest(ctx, p.Querier, p.Mapping, services, start, end, prometheus.Options{Edges: req.Edges})
	if err != nil {
		return nil, err
	}
	read := &PrometheusRead{Graph: g, Metrics: res.Metrics(), Report: PrometheusReport{Report: res.Report()}}
	rep := &read.Report
	for _, f := range res.Failures {
		if slorec.ErrorCode(f.Err) == slorec.ENOTFOUND {
			rep.NoData = append(rep.NoData, f.Service)
			continue
		}
		rep.Failed++
	}
	if req.Edges && res.EdgesErr == nil {
		merged, m := prometheus.MergeEdges(g.Services, res.Edges)
		read.Graph = slorec.Graph{Services: merged}
		rep.Merge = &m
	}
	switch {
	case rep.Failed > 0 && (!req.AllowPartial || len(read.Metrics) == 0):
		// A Prometheus that is down or overloaded is worth retrying
		// later; anything else needs the mapping or the data fixed.
		code := slorec.EINVALID
		for _, f := range res.Failures {
			if slorec.ErrorCode(f.Err) == slorec.EUNAVAILABLE {
				code = slorec.EUNAVAILABLE
			}
		}
		hint := " (allow partial ingestion to write the rest)"
		if len(read.Metrics) == 0 {
			hint = ""
		}
		return read, slorec.Errorf(code, "%d of %d services failed; nothing was written%s", rep.Failed, len(services), hint)
	case len(read.Metrics) == 0:
		return read, slorec.Errorf(slorec.EINVALID, "no service had data between %s and %s: check the mapping's selectors", start.Format(time.RFC3339), end.Format(time.RFC3339))
	case req.Edges && res.EdgesErr != nil && !req.AllowPartial:
		return read, slorec.Errorf(slorec.EINVALID, "service graph: %s; nothing was written", slorec.ErrorMessage(res.EdgesErr))
	}
	d := dataset.Dataset{Graph: read.Graph, Metrics: read.Metrics}
	if err := d.Validate(now); err != nil {
		return read, slorec.Errorf(slorec.EINVALID, "the data read does not pass the dataset checks: %v", err)
	}
	return read, nil
}

// ingestServices are the services req reads of g: those it names, or
// all. Errors: EINVALID (an undeclared service, no services).
func ingestServices(g slorec.Graph, req PrometheusIngest) ([]string, error) {
	declared := map[string]bool{}
	var all []string
	for _, s := range g.Services {
		declared[s.ID] = true
		all = append(all, s.ID)
	}
	services := all
	if len(req.Services) > 0 {
		services = nil
		for i, s := range req.Services {
			if !declared[s] {
				return nil, slorec.Errorf(slorec.EINVALID, "services[%d]: %q is not a declared service", i, s)
			}
			if !slices.Contains(services, s) {
				services = append(services, s)
			}
		}
	}
	if len(services) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "no services are declared: ingest a topology first")
	}
	return services, nil
}

// IngestPrometheus reads the tenant's services' history from the
// configured Prometheus (see ReadPrometheus) and stores it: the metrics
// in one transaction and then, when edges were added, the graph. It
// returns the report also when it refuses to write.
func (a *App) IngestPrometheus(ctx context.Context, tenant, actor string, req PrometheusIngest) (*PrometheusReport, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if a.cfg.Prometheus == nil {
		return nil, slorec.Errorf(slorec.EUNAVAILABLE, "no Prometheus is configured (%s)", prometheus.EnvURL)
	}
	st := a.cfg.Tenant(tenant)
	svcs, err := st.Services(ctx)
	if err != nil {
		return nil, err
	}
	read, err := ReadPrometheus(ctx, Prometheus{Querier: a.cfg.Prometheus, Mapping: a.cfg.Mapping}, slorec.Graph{Services: svcs}, req, a.cfg.Now())
	if err != nil {
		if read != nil {
			return &read.Report, err
		}
		return nil, err
	}
	rep := &read.Report
	// Everything was validated first, so only the database can fail
	// here. The metrics go first, in one transaction; a failure to store
	// the edges afterwards leaves the metrics (of declared services, so
	// consistent) and is reported.
	if rep.MetricsWritten, err = st.PutMetrics(ctx, read.Metrics); err != nil {
		return rep, fmt.Errorf("store metrics: %w", err)
	}
	rep.Written = true
	a.changed(tenant)
	if rep.Merge != nil && len(rep.Merge.Added) > 0 {
		if rep.CatalogVersion, err = st.UpsertGraph(ctx, read.Graph); err != nil {
			return rep, fmt.Errorf("store observed edges (the metrics were stored): %w", err)
		}
	}
	detail := map[string]any{"buckets": rep.MetricsWritten, "failed": rep.Failed, "no_data": len(rep.NoData),
		"start": rep.Start, "end": rep.End}
	if rep.Merge != nil {
		detail["edges_added"] = len(rep.Merge.Added)
	}
	if _, err := st.AppendAudit(ctx, slorec.AuditRecord{Actor: actor, Action: "metrics.prometheus", Detail: detail}); err != nil {
		return rep, fmt.Errorf("audit (the metrics were stored): %w", err)
	}
	return rep, nil
}

// QueuePrometheusIngest checks req as IngestPrometheus would before
// reading anything (the window, a configured Prometheus, declared
// services) and queues it to run in the background: on Postgres a River
// job inserted with it, in memory a goroutine of this process
// (Config.RunIngestions). Errors: EINVALID, EUNAVAILABLE (no Prometheus).
func (a *App) QueuePrometheusIngest(ctx context.Context, tenant, actor string, req PrometheusIngest) (slorec.Ingestion, error) {
	if err := req.validate(); err != nil {
		return slorec.Ingestion{}, err
	}
	if a.cfg.Prometheus == nil {
		return slorec.Ingestion{}, slorec.Errorf(slorec.EUNAVAILABLE, "no Prometheus is configured (%s)", prometheus.EnvURL)
	}
	st := a.cfg.Tenant(tenant)
	svcs, err := st.Services(ctx)
	if err != nil {
		return slorec.Ingestion{}, err
	}
	if _, err := ingestServices(slorec.Graph{Services: svcs}, req); err != nil {
		return slorec.Ingestion{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return slorec.Ingestion{}, slorec.Errorf(slorec.EINTERNAL, "encode ingestion request: %v", err)
	}
	in, err := st.QueueIngestion(ctx, actor, body)
	if err != nil {
		return slorec.Ingestion{}, err
	}
	if a.cfg.RunIngestions {
		a.ingests.Add(1)
		// The request's context ends with its response; the run lasts
		// until it finishes or the App is closed.
		go func() {
			defer a.ingests.Done()
			select {
			case a.ingestSlots <- struct{}{}:
			case <-a.bg.Done():
				return
			}
			defer func() { <-a.ingestSlots }()
			if err := a.RunIngestion(a.bg, tenant, in.ID); err != nil {
				a.log().Error("ingestion", "tenant", tenant, "id", in.ID, "err", err)
			}
		}()
	}
	return in, nil
}

// RunIngestion runs a queued ingestion (River's worker and the
// in-process runner call it): it marks it running, ingests as
// IngestPrometheus does and records the report and outcome. An ingestion
// already finished is left alone (a job run twice). It returns an error
// only when the store could not record the run, so a job engine retries.
func (a *App) RunIngestion(ctx context.Context, tenant, id string) error {
	st := a.cfg.Tenant(tenant)
	in, err := st.StartIngestion(ctx, id)
	if err != nil {
		if slorec.ErrorCode(err) == slorec.ECONFLICT {
			return nil
		}
		return err
	}
	var req PrometheusIngest
	var rep *PrometheusReport
	if err = json.Unmarshal(in.Request, &req); err != nil {
		err = slorec.Errorf(slorec.EINVALID, "the stored request does not decode: %v", err)
	} else {
		rep, err = a.IngestPrometheus(ctx, tenant, in.Actor, req)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// The server is stopping: the run is left running, and the job
		// engine starts it again (River) or the process ends (in memory).
		return fmt.Errorf("ingestion %s: cut short: %w", id, ctx.Err())
	}
	var report []byte
	if rep != nil {
		if b, merr := json.Marshal(rep); merr == nil { // a report always encodes
			report = b
		}
	}
	code, msg := "", ""
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		code, msg = slorec.EUNAVAILABLE, "the ingestion ran out of time; ingest fewer services or a shorter window at once"
	case err != nil:
		code, msg = slorec.ErrorCode(err), slorec.ErrorMessage(err)
	}
	// A run that timed out is recorded all the same.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err = st.FinishIngestion(fctx, id, report, code, msg)
	return err
}

// Ingestion returns one of the tenant's ingestions. Errors: ENOTFOUND.
func (a *App) Ingestion(ctx context.Context, tenant, id string) (slorec.Ingestion, error) {
	return a.cfg.Tenant(tenant).Ingestion(ctx, id)
}

// Ingestions lists the tenant's ingestions, newest first, at most limit
// (0 means 100).
func (a *App) Ingestions(ctx context.Context, tenant string, limit int) ([]slorec.Ingestion, error) {
	return a.cfg.Tenant(tenant).Ingestions(ctx, limit)
}
