package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/integrations/backstage"
	"github.com/slorec/slorec/integrations/openslo"
	"github.com/slorec/slorec/reasoning/chat"
	"github.com/slorec/slorec/reasoning/depgraph"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/retrieval"
)

// tenantOf is the tenant a request acts for: its token's, or the default
// tenant on a server without authentication.
func tenantOf(c *gin.Context) string {
	if t := token(c).Tenant; t != "" {
		return t
	}
	return slorec.DefaultTenant
}

// actorOf names who acts, for the audit log.
func actorOf(c *gin.Context) string {
	t := token(c)
	if t.ID == "" {
		return "anonymous"
	}
	return "token:" + t.ID + "(" + t.Name + ")"
}

// routes registers the /api/v1 endpoints on v1; every route is in
// openapi.json (a test checks both ways).
func (s *Server) routes(v1 *gin.RouterGroup) {
	read, write, admin := s.role(slorec.RoleReader), s.role(slorec.RoleEditor), s.role(slorec.RoleAdmin)
	v1.GET("/services", read, s.listServices)
	v1.GET("/services/:id", read, s.getService)
	v1.POST("/services/dependencies", write, s.idempotent, s.postDependencies)
	v1.POST("/services/:id/metrics", write, s.idempotent, s.postServiceMetrics)
	v1.POST("/metrics", write, s.idempotent, s.postMetrics)
	v1.POST("/metrics/prometheus", write, s.idempotent, s.postPrometheusIngest)
	v1.GET("/ingestions", read, s.getIngestions)
	v1.GET("/ingestions/:id", read, s.getIngestion)
	v1.GET("/services/:id/slo-recommendations", read, s.getRecommendations)
	v1.POST("/services/:id/slos", write, s.idempotent, s.postSLOs)
	v1.GET("/services/:id/slos", read, s.getSLOs)
	v1.POST("/slos/impact-analysis", read, s.idempotent, s.postImpact)
	v1.GET("/services/:id/scorecard", read, s.getScorecard)
	v1.GET("/platform/report", read, s.getReport)
	v1.GET("/services/:id/backstage", read, s.getBackstage)
	v1.GET("/services/:id/openslo", read, s.getOpenSLO)
	v1.GET("/services/:id/prometheus-rules", read, s.getPrometheusRules)
	v1.POST("/chat", read, s.postChat)
	v1.GET("/chat/conversations/:id", read, s.getConversation)
	v1.POST("/knowledge", write, s.idempotent, s.postKnowledge)
	v1.GET("/knowledge/search", read, s.getKnowledgeSearch)
	v1.POST("/recommendations/:id/feedback", write, s.idempotent, s.postFeedback)
	v1.GET("/audit", admin, s.getAudit)
	v1.POST("/webhooks", admin, s.idempotent, s.postWebhook)
	v1.GET("/webhooks", admin, s.getWebhooks)
	v1.DELETE("/webhooks/:id", admin, s.deleteWebhook)
	v1.GET("/webhooks/:id/deliveries", admin, s.getDeliveries)
}

// role is require when the server authenticates, and nothing otherwise.
func (s *Server) role(need slorec.Role) gin.HandlerFunc {
	if s.cfg.Auth == nil {
		return func(c *gin.Context) { c.Next() }
	}
	return s.require(need)
}

// Page is a page of a list: ?limit= (1..500, default 100) and ?offset=.
type Page struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	Total  int `json:"total"`
	// Next is the offset of the next page, absent on the last.
	Next *int `json:"next,omitempty"`
}

// MaxPageLimit caps ?limit=.
const MaxPageLimit = 500

func page(c *gin.Context, total int) (Page, int, int, error) {
	p := Page{Limit: 100, Total: total}
	var fields []FieldError
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageLimit {
			fields = append(fields, FieldError{Field: "limit", Detail: "an integer from 1 to 500"})
		}
		p.Limit = n
	}
	if v := c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fields = append(fields, FieldError{Field: "offset", Detail: "a non-negative integer"})
		}
		p.Offset = n
	}
	if fields != nil {
		return Page{}, 0, 0, &FieldErrors{Message: "invalid pagination", Fields: fields}
	}
	lo, hi := min(p.Offset, total), min(p.Offset+p.Limit, total)
	if hi < total {
		next := hi
		p.Next = &next
	}
	return p, lo, hi, nil
}

func (s *Server) listServices(c *gin.Context) {
	svcs, err := s.cfg.App.Services(c.Request.Context(), tenantOf(c))
	if err != nil {
		s.problem(c, err)
		return
	}
	p, lo, hi, err := page(c, len(svcs))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"services": svcs[lo:hi], "page": p})
}

func (s *Server) getService(c *gin.Context) {
	d, err := s.cfg.App.Service(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

// readBody reads the whole (size-limited) body.
func readBody(c *gin.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	return b, nil
}

// mediaType is the request's media type, "application/json" when absent.
func mediaType(c *gin.Context) string {
	ct := c.GetHeader("Content-Type")
	if ct == "" {
		return "application/json"
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

// decodeJSON decodes body strictly into v: unknown fields and trailing
// data are errors.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return slorec.Errorf(slorec.EINVALID, "malformed JSON: %v", err)
	}
	if dec.More() {
		return slorec.Errorf(slorec.EINVALID, "malformed JSON: data after the document")
	}
	return nil
}

// IngestResult is the answer to a graph ingestion.
type IngestResult struct {
	CatalogVersion int        `json:"catalog_version"`
	Services       int        `json:"services"`
	Missing        []string   `json:"missing_nodes"`
	Cycles         [][]string `json:"cycles"`
	Provenance     string     `json:"provenance"`
	// Backstage summarises a catalog import.
	Backstage *BackstageSummary `json:"backstage,omitempty"`
}

// BackstageSummary is what a Backstage import read besides the graph.
type BackstageSummary struct {
	APIs     int                 `json:"apis"`
	Systems  int                 `json:"systems"`
	Skipped  int                 `json:"skipped"`
	Warnings []backstage.Problem `json:"warnings,omitempty"`
}

// postDependencies ingests a graph: the topology JSON of the dataset
// format (application/json).
func (s *Server) postDependencies(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var g slorec.Graph
	var missing []string
	prov := "api:topology-json"
	var bs *backstage.Result
	switch mt := mediaType(c); mt {
	case "application/json":
		g, missing, err = dataset.ReadTopology(bytes.NewReader(body))
	case "application/yaml", "application/x-yaml", "text/yaml":
		prov = "backstage:api"
		if bs, err = backstage.Parse(bytes.NewReader(body), "request"); err == nil {
			g, missing = bs.Graph, bs.MissingNodes
		}
	default:
		err = slorec.Errorf(slorec.EINVALID, "Content-Type %q: send application/json (topology) or application/yaml (Backstage catalog entities)", mt)
	}
	if err != nil {
		s.problem(c, err)
		return
	}
	if len(g.Services) == 0 {
		s.problem(c, slorec.Errorf(slorec.EINVALID, "the graph has no services"))
		return
	}
	v, err := s.cfg.App.IngestGraph(c.Request.Context(), tenantOf(c), actorOf(c), g, prov)
	if err != nil {
		s.problem(c, err)
		return
	}
	res := IngestResult{CatalogVersion: v, Services: len(g.Services), Missing: nonNil(missing), Cycles: cycles(g), Provenance: prov}
	if bs != nil {
		res.Backstage = &BackstageSummary{APIs: len(bs.APIs), Systems: len(bs.Systems), Skipped: len(bs.Skipped), Warnings: bs.Warnings}
	}
	c.JSON(http.StatusOK, res)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// cycles are the graph's dependency cycles (strongly connected
// components of more than one service, or a service calling itself).
func cycles(g slorec.Graph) [][]string {
	return nonNil(depgraph.New(g.Services).Cycles())
}

// MetricsBody is the JSON form of a metrics upload.
type MetricsBody struct {
	Buckets []slorec.MetricBucket `json:"buckets"`
}

func (s *Server) postServiceMetrics(c *gin.Context) { s.putMetrics(c, c.Param("id")) }
func (s *Server) postMetrics(c *gin.Context)        { s.putMetrics(c, "") }

// putMetrics stores a batch of buckets, JSON ({"buckets": [...]}) or CSV
// (the dataset's metrics.csv format); for a service path every bucket
// must be that service's.
func (s *Server) putMetrics(c *gin.Context, service string) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var buckets []slorec.MetricBucket
	switch mt := mediaType(c); mt {
	case "application/json":
		var mb MetricsBody
		if err = decodeJSON(body, &mb); err == nil {
			buckets = mb.Buckets
		}
	case "text/csv":
		buckets, err = dataset.ReadMetrics(bytes.NewReader(body), dataset.MetricsOptions{})
	default:
		err = slorec.Errorf(slorec.EINVALID, "Content-Type %q: send application/json or text/csv", mt)
	}
	if err != nil {
		s.problem(c, err)
		return
	}
	if len(buckets) == 0 {
		s.problem(c, slorec.Errorf(slorec.EINVALID, "buckets: at least one"))
		return
	}
	if service != "" {
		var fields []FieldError
		for i := range buckets {
			if buckets[i].Service == "" {
				buckets[i].Service = service
			}
			if buckets[i].Service != service {
				fields = append(fields, FieldError{Field: "buckets[" + strconv.Itoa(i) + "].service", Detail: "must be " + service + ", the service of the path"})
			}
		}
		if fields != nil {
			s.problem(c, &FieldErrors{Message: "buckets of another service", Fields: fields})
			return
		}
	}
	n, err := s.cfg.App.IngestMetrics(c.Request.Context(), tenantOf(c), actorOf(c), buckets)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"stored": n})
}

func boolQuery(c *gin.Context, name string) (bool, error) {
	v := c.Query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &FieldErrors{Message: "invalid query", Fields: []FieldError{{Field: name, Detail: "true or false"}}}
	}
	return b, nil
}

func (s *Server) getRecommendations(c *gin.Context) {
	explain, err := boolQuery(c, "explain")
	if err != nil {
		s.problem(c, err)
		return
	}
	v, err := s.cfg.App.Recommend(c.Request.Context(), tenantOf(c), c.Param("id"), c.Query("tier"), explain)
	if err != nil {
		s.problem(c, err)
		return
	}
	s.metrics.recs.WithLabelValues(strconv.FormatBool(v.Cached), strconv.FormatBool(explain)).Inc()
	if !v.Cached {
		s.metrics.explained(v.Explanation)
	}
	body, etag, err := v.Encode()
	if err != nil {
		s.problem(c, err)
		return
	}
	// A portal polling the recommendation revalidates with the tag and
	// gets 304 until it changes (new data, a new version, the cache
	// refreshed). private: the body is one tenant's.
	c.Header("ETag", etag)
	c.Header("Cache-Control", "private, no-cache")
	if etagMatches(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// etagMatches reports whether an If-None-Match header names etag: "*",
// or one of its comma-separated tags by weak comparison (RFC 9110
// 13.1.2: W/ prefixes are ignored).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

func (s *Server) postSLOs(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var req app.CommitRequest
	switch mt := mediaType(c); mt {
	case "application/json", "":
		if err := decodeJSON(body, &req); err != nil {
			s.problem(c, err)
			return
		}
	case "application/yaml", "application/x-yaml", "text/yaml":
		if req, err = openSLOCommit(c, body); err != nil {
			s.problem(c, err)
			return
		}
	default:
		s.problem(c, slorec.Errorf(slorec.EINVALID, "Content-Type %q: send application/json or OpenSLO v1 as application/yaml", mt))
		return
	}
	req.Service = c.Param("id")
	res, err := s.cfg.App.CommitSLOs(c.Request.Context(), tenantOf(c), actorOf(c), req)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusCreated, res)
}

// openSLOCommit reads an OpenSLO v1 body as a commit of the path's
// service: every SLO must be that service's; force and justification come
// from the query.
func openSLOCommit(c *gin.Context, body []byte) (app.CommitRequest, error) {
	slos, warns, err := openslo.Import(bytes.NewReader(body))
	if err != nil {
		return app.CommitRequest{}, err
	}
	id := c.Param("id")
	for i, sl := range slos {
		if sl.Service != id {
			return app.CommitRequest{}, slorec.Errorf(slorec.EINVALID, "OpenSLO SLO %d is for service %q, not %q: post each service's SLOs to its own path", i+1, sl.Service, id)
		}
	}
	if len(slos) == 0 {
		msg := "no SLO slorec can use in the OpenSLO documents"
		if len(warns) > 0 {
			msg += ": " + warns[0].String()
		}
		return app.CommitRequest{}, slorec.Errorf(slorec.EINVALID, "%s", msg)
	}
	for _, w := range warns {
		c.Writer.Header().Add("Warning", `299 slorec "`+strings.ReplaceAll(w.String(), `"`, "'")+`"`)
	}
	req := app.CommitRequest{SLOs: slos, Justification: c.Query("justification")}
	switch f := c.Query("force"); f {
	case "", "false":
	case "true":
		req.Force = true
	default:
		return app.CommitRequest{}, slorec.Errorf(slorec.EINVALID, "force: %q (want true or false)", f)
	}
	return req, nil
}

// getOpenSLO exports the service's SLOs (?source=recommended, the
// default, or committed) as OpenSLO v1 YAML.
func (s *Server) getOpenSLO(c *gin.Context) {
	doc, err := s.cfg.App.OpenSLO(c.Request.Context(), tenantOf(c), c.Param("id"), c.Query("source"))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", doc)
}

// getPrometheusRules exports recording and burn-rate alerting rules for
// the service's SLOs (?source= as for OpenSLO): a Prometheus rule file,
// or with Accept: application/json the rules with what was exported,
// warned about and skipped.
func (s *Server) getPrometheusRules(c *gin.Context) {
	res, err := s.cfg.App.PrometheusRules(c.Request.Context(), tenantOf(c), c.Param("id"), c.Query("source"))
	if err != nil {
		s.problem(c, err)
		return
	}
	if strings.Contains(c.GetHeader("Accept"), "application/json") {
		c.JSON(http.StatusOK, res)
		return
	}
	doc, err := res.YAML()
	if err != nil {
		s.problem(c, err)
		return
	}
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", doc)
}

func (s *Server) getSLOs(c *gin.Context) {
	h, err := s.cfg.App.SLOHistory(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"slos": h})
}

// ImpactBody is the body of an impact analysis.
type ImpactBody struct {
	Changes []recommend.Change `json:"changes"`
}

func (s *Server) postImpact(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var b ImpactBody
	if err := decodeJSON(body, &b); err != nil {
		s.problem(c, err)
		return
	}
	rep, err := s.cfg.App.Impact(c.Request.Context(), tenantOf(c), b.Changes)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (s *Server) getScorecard(c *gin.Context) {
	card, err := s.cfg.App.Scorecard(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, card)
}

func (s *Server) getReport(c *gin.Context) {
	rep, err := s.cfg.App.Report(c.Request.Context(), tenantOf(c))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (s *Server) postFeedback(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var f slorec.Feedback
	if err := decodeJSON(body, &f); err != nil {
		s.problem(c, err)
		return
	}
	if f.RecommendationID != "" && f.RecommendationID != c.Param("id") {
		s.problem(c, slorec.Errorf(slorec.EINVALID, "recommendation_id: %q, but the path names %q", f.RecommendationID, c.Param("id")))
		return
	}
	f.RecommendationID = c.Param("id")
	out, err := s.cfg.App.Feedback(c.Request.Context(), tenantOf(c), actorOf(c), f)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) getAudit(c *gin.Context) {
	f := slorec.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"), Subject: c.Query("subject")}
	var fields []FieldError
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.Query(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				fields = append(fields, FieldError{Field: name, Detail: "an RFC 3339 time"})
			}
			*dst = t
		}
	}
	n, fe := limitQuery(c)
	if fe != nil {
		fields = append(fields, *fe)
	}
	f.Limit = n
	if fields != nil {
		s.problem(c, &FieldErrors{Message: "invalid audit filter", Fields: fields})
		return
	}
	recs, err := s.cfg.App.Audit(c.Request.Context(), tenantOf(c), f)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"records": nonNil(recs)})
}

// validationFields turns a dataset validation error or a Backstage parse
// error into field errors.
func validationFields(err error) (*FieldErrors, bool) {
	var pe *backstage.ParseError
	if errors.As(err, &pe) {
		fe := &FieldErrors{Message: slorec.ErrorMessage(err)}
		for _, p := range pe.Problems {
			field := "document " + strconv.Itoa(p.Document)
			if p.Line > 0 {
				field = "line " + strconv.Itoa(p.Line) + ", " + field
			}
			if p.Ref != "" {
				field += ", " + p.Ref
			}
			fe.Fields = append(fe.Fields, FieldError{Field: field, Detail: p.Message})
		}
		return fe, true
	}
	var ve *dataset.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	fe := &FieldErrors{Message: slorec.ErrorMessage(err)}
	for _, p := range ve.Problems {
		field := p.Path
		if field == "" {
			field = p.Field
		}
		if p.Line > 0 {
			field = "line " + strconv.Itoa(p.Line) + ": " + field
		}
		fe.Fields = append(fe.Fields, FieldError{Field: strings.TrimSpace(field), Detail: p.Message})
	}
	return fe, true
}

func (s *Server) postWebhook(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var sub slorec.Subscription
	if err := decodeJSON(body, &sub); err != nil {
		s.problem(c, err)
		return
	}
	out, err := s.cfg.App.Subscribe(c.Request.Context(), tenantOf(c), actorOf(c), sub)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) getWebhooks(c *gin.Context) {
	subs, err := s.cfg.App.Subscriptions(c.Request.Context(), tenantOf(c))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"webhooks": nonNil(subs)})
}

func (s *Server) deleteWebhook(c *gin.Context) {
	if err := s.cfg.App.Unsubscribe(c.Request.Context(), tenantOf(c), actorOf(c), c.Param("id")); err != nil {
		s.problem(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) getDeliveries(c *gin.Context) {
	ds, err := s.cfg.App.Deliveries(c.Request.Context(), tenantOf(c), c.Param("id"), 0)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deliveries": nonNil(ds)})
}

func (s *Server) getBackstage(c *gin.Context) {
	ent, err := s.cfg.App.Backstage(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, ent)
}

// postChat answers a question: JSON by default, Server-Sent Events when
// the client accepts text/event-stream (event "meta" with the
// conversation id and intent, one "delta" per line of the answer, then
// "done" with the whole answer).
func (s *Server) postChat(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var q chat.Question
	if err := decodeJSON(body, &q); err != nil {
		s.problem(c, err)
		return
	}
	ans, err := s.cfg.App.Chat(c.Request.Context(), tenantOf(c), q)
	if err != nil {
		s.problem(c, err)
		return
	}
	s.metrics.answers.WithLabelValues(string(ans.Intent)).Inc()
	s.metrics.explained(ans.Explanation)
	if !strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		c.JSON(http.StatusOK, ans)
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.SSEvent("meta", gin.H{"conversation_id": ans.ConversationID, "intent": ans.Intent, "drafter": ans.Drafter, "refusal": ans.Refusal})
	for _, line := range strings.SplitAfter(ans.Text, "\n") {
		if line != "" {
			c.SSEvent("delta", gin.H{"text": line})
		}
	}
	c.SSEvent("done", ans)
	c.Writer.Flush()
}

// getConversation returns a conversation's remembered turns, oldest
// first, for a portal to show a chat again.
func (s *Server) getConversation(c *gin.Context) {
	id := c.Param("id")
	turns, err := s.cfg.App.Conversation(c.Request.Context(), tenantOf(c), id)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-cache")
	c.JSON(http.StatusOK, gin.H{"conversation_id": id, "turns": turns})
}

// KnowledgeBody is the body of POST /knowledge.
type KnowledgeBody struct {
	Documents []app.KnowledgeDocument `json:"documents"`
}

// postPrometheusIngest reads the tenant's services' history from the
// server's configured Prometheus and stores it. The answer is the
// per-service report; a refused ingestion is a problem whose errors name
// each failed service.
func (s *Server) postPrometheusIngest(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	// window_days is a pointer here so an explicit 0 is refused rather
	// than read as "the default".
	var b struct {
		app.PrometheusIngest
		WindowDays *int `json:"window_days,omitempty"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeJSON(body, &b); err != nil {
			s.problem(c, err)
			return
		}
	}
	req := b.PrometheusIngest
	if b.WindowDays != nil {
		if *b.WindowDays < 1 {
			s.problem(c, slorec.Errorf(slorec.EINVALID, "window_days: %d is not in [1,%d]", *b.WindowDays, app.MaxIngestDays))
			return
		}
		req.WindowDays = *b.WindowDays
	}
	if preferAsync(c.GetHeader("Prefer")) {
		in, err := s.cfg.App.QueuePrometheusIngest(c.Request.Context(), tenantOf(c), actorOf(c), req)
		if err != nil {
			s.problem(c, err)
			return
		}
		c.Header("Location", "/api/v1/ingestions/"+in.ID)
		c.Header("Preference-Applied", "respond-async")
		c.JSON(http.StatusAccepted, in)
		return
	}
	rep, err := s.cfg.App.IngestPrometheus(c.Request.Context(), tenantOf(c), actorOf(c), req)
	if err != nil {
		if rep != nil && !rep.Written {
			var fields []FieldError
			for _, sv := range rep.Services {
				if sv.Code != "" && sv.Code != slorec.ENOTFOUND {
					fields = append(fields, FieldError{Field: "services." + sv.Service, Detail: sv.Code + ": " + sv.Error})
				}
			}
			if rep.Edges != nil && rep.Edges.Error != "" {
				fields = append(fields, FieldError{Field: "edges", Detail: rep.Edges.Code + ": " + rep.Edges.Error})
			}
			err = &ingestRefused{err: err, fields: fields}
		}
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

// preferAsync reports whether a Prefer header (RFC 7240) asks for
// respond-async.
func preferAsync(header string) bool {
	for _, p := range strings.Split(header, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(p), ";")
		if strings.EqualFold(strings.TrimSpace(name), "respond-async") {
			return true
		}
	}
	return false
}

// limitQuery is ?limit=, 1 to 1000; 0 when absent.
func limitQuery(c *gin.Context) (int, *FieldError) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, &FieldError{Field: "limit", Detail: "an integer from 1 to 1000"}
	}
	return n, nil
}

func (s *Server) getIngestions(c *gin.Context) {
	n, fe := limitQuery(c)
	if fe != nil {
		s.problem(c, &FieldErrors{Message: "invalid query", Fields: []FieldError{*fe}})
		return
	}
	list, err := s.cfg.App.Ingestions(c.Request.Context(), tenantOf(c), n)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ingestions": nonNil(list)})
}

func (s *Server) getIngestion(c *gin.Context) {
	in, err := s.cfg.App.Ingestion(c.Request.Context(), tenantOf(c), c.Param("id"))
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, in)
}

// ingestRefused carries the per-service reasons of a refused ingestion
// into its problem.
type ingestRefused struct {
	err    error
	fields []FieldError
}

func (e *ingestRefused) Error() string { return e.err.Error() }
func (e *ingestRefused) Unwrap() error { return e.err }

// postKnowledge adds documents: JSON ({"documents": [...]}) or one
// Markdown document (text/markdown) with ?id=, ?kind= and ?title=.
func (s *Server) postKnowledge(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	var b KnowledgeBody
	switch mt := mediaType(c); mt {
	case "application/json":
		err = decodeJSON(body, &b)
	case "text/markdown", "text/plain":
		b.Documents = []app.KnowledgeDocument{{ID: c.Query("id"), Kind: c.Query("kind"), Title: c.Query("title"), Body: string(body)}}
	default:
		err = slorec.Errorf(slorec.EINVALID, "Content-Type %q: send application/json or text/markdown", mt)
	}
	if err != nil {
		s.problem(c, err)
		return
	}
	res, err := s.cfg.App.AddKnowledge(c.Request.Context(), tenantOf(c), actorOf(c), b.Documents)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusCreated, res)
}

// KnowledgeHit is one search result.
type KnowledgeHit struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Title   string   `json:"title"`
	Section string   `json:"section"`
	Score   float64  `json:"score"`
	Snippet string   `json:"snippet"`
	Legs    []string `json:"legs"`
	Flags   []string `json:"flags,omitempty"`
}

func (s *Server) getKnowledgeSearch(c *gin.Context) {
	k := 5
	if v := c.Query("k"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.problem(c, &FieldErrors{Message: "invalid query", Fields: []FieldError{{Field: "k", Detail: "an integer from 1 to 50"}}})
			return
		}
		k = n
	}
	f := retrieval.Filter{Kinds: c.QueryArray("kind"), Services: c.QueryArray("service"), Tags: c.QueryArray("tag")}
	hits, err := s.cfg.App.SearchKnowledge(c.Request.Context(), tenantOf(c), c.Query("q"), k, f)
	if err != nil {
		s.problem(c, err)
		return
	}
	out := make([]KnowledgeHit, len(hits))
	for i, h := range hits {
		var legs []string
		if h.VectorLeg.Rank > 0 {
			legs = append(legs, "vector")
		}
		if h.TextLeg.Rank > 0 {
			legs = append(legs, "text")
		}
		out[i] = KnowledgeHit{ID: h.ID, Kind: h.Kind, Title: h.Title, Section: h.Section, Score: h.Score, Snippet: retrieval.Snippet(h.Text, 280), Legs: nonNil(legs), Flags: h.Flags}
	}
	c.JSON(http.StatusOK, gin.H{"hits": out})
}
