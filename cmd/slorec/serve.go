package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/api"
	"github.com/slorec/slorec/app"
	"github.com/slorec/slorec/integrations/webhook"
	"github.com/slorec/slorec/reasoning/advisor"
	"github.com/slorec/slorec/reasoning/draft"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/pgindex"
	"github.com/slorec/slorec/store"
	"github.com/slorec/slorec/store/postgres"
)

func runServe(ctx context.Context, e *env, args []string) error {
	cfg := configFromEnv(e.getenv)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.registerDatabase(fs)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env SLOREC_ADDR)")
	auth := fs.String("auth", e.getenv("SLOREC_AUTH"), "require bearer tokens on /api/v1: on|off (env SLOREC_AUTH; default on with a database, off in memory)")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	if *auth == "" {
		*auth = "off"
		if cfg.DatabaseURL != "" {
			*auth = "on"
		}
	}
	if *auth != "on" && *auth != "off" {
		return usagef("serve: -auth %q: want on or off", *auth)
	}
	log := newLogger(e, cfg.LogLevel)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	handler, stop, err := newServer(ctx, e, st, *auth == "on", log)
	if err != nil {
		return err
	}
	defer stop()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("serving", "addr", ln.Addr().String(), "auth", *auth, "config", cfg.String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// newServer wires the API over st: the use cases, explanations with the
// embedded knowledge and the configured drafter, the webhook job engine
// (River on Postgres, the in-process worker in memory), and, with auth,
// bearer tokens; an in-memory store gets an admin token for tenant
// "default", logged once. stop ends the job engine.
func newServer(ctx context.Context, e *env, st store.Store, auth bool, log *slog.Logger) (http.Handler, func(), error) {
	knowledge, how, err := serverKnowledge(ctx, e, st, log)
	if err != nil {
		return nil, nil, err
	}
	drafter, info, err := draft.NewFromEnv(e.getenv, http.DefaultClient)
	if err != nil {
		return nil, nil, err
	}
	model, err := chatModel(e.getenv, info)
	if err != nil {
		return nil, nil, err
	}
	log.Info("explanations", "drafter", info.Drafter, "knowledge", how)
	advisorFor := func(tenant string) *advisor.Advisor {
		return &advisor.Advisor{Search: app.TenantSearch(knowledge, tenant), Drafter: drafter, DrafterName: info.Drafter, Audit: st.Tenant(tenant)}
	}

	// A subscription's URL is a tenant admin's input: unless allowed,
	// the server's own networks (loopback, RFC 1918, cloud metadata) are
	// off limits (SSRF).
	blockPrivate := e.getenv("SLOREC_WEBHOOK_ALLOW_PRIVATE") != "true"
	sender := webhook.NewSender(webhook.SenderConfig{BlockPrivate: blockPrivate})
	var checkURL func(string) error
	if blockPrivate {
		checkURL = webhook.CheckURL
	}
	var notify func()
	jobs, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := cancel // until there is more to stop
	var ready func(context.Context) error
	db, onPostgres := st.(*postgres.DB)
	if !onPostgres {
		w, err := webhook.NewWorker(webhook.WorkerConfig{Outbox: st, Sender: sender, Logger: log})
		if err != nil {
			cancel()
			return nil, nil, err
		}
		done := make(chan struct{})
		go func() { defer close(done); w.Run(jobs) }()
		notify = w.Notify
		stop = func() { cancel(); <-done }
	}

	mapping, prom, err := serverPrometheus(e.getenv)
	if err != nil {
		stop()
		return nil, nil, err
	}
	// In memory, queued ingestions run in this process; on Postgres they
	// are River jobs, run by whichever replica takes them.
	a, err := app.New(app.Config{Tenant: func(t string) app.TenantStore { return st.Tenant(t) }, Advisor: advisorFor, Notify: notify,
		Knowledge: knowledge, ChatModel: model, ChatModelName: info.Drafter, Mapping: mapping, Prometheus: prom, CheckWebhookURL: checkURL,
		RunIngestions: !onPostgres, Logger: log})
	if err != nil {
		stop()
		return nil, nil, err
	}
	if onPostgres {
		// db is also a webhook.Requeuer, so the client sweeps up
		// deliveries whose job River gave up on.
		client, err := webhook.NewRiverClient(db.Pool(), db, sender, webhook.Policy{}, log, ingestJobs(a))
		if err != nil {
			cancel()
			return nil, nil, err
		}
		if err := client.Start(jobs); err != nil {
			cancel()
			return nil, nil, fmt.Errorf("start River jobs: %w", err)
		}
		stop = func() {
			stopCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer done()
			_ = client.Stop(stopCtx)
			cancel()
		}
		ready = func(ctx context.Context) error { return db.Pool().Ping(ctx) }
	} else {
		stopWebhooks := stop
		stop = func() { a.Close(); stopWebhooks() }
	}
	cfg := api.Config{App: a, Logger: log, Idempotency: st, Ready: ready}
	if v := e.getenv("SLOREC_RATE_LIMIT"); v != "" {
		rate, err := strconv.ParseFloat(v, 64)
		if err != nil {
			stop()
			return nil, nil, usagef("SLOREC_RATE_LIMIT=%q: requests per second per token, or -1 for no limit", v)
		}
		cfg.RateLimit, cfg.RateBurst = rate, max(int(2*rate), 1)
	}
	if auth {
		cfg.Auth = st
		if _, ok := st.(*postgres.DB); !ok {
			tok, secret, err := st.CreateToken(ctx, slorec.DefaultTenant, "bootstrap", slorec.RoleAdmin)
			if err != nil {
				stop()
				return nil, nil, err
			}
			fmt.Fprintf(e.stderr, "admin token of tenant %s (in memory, shown once): %s\n", tok.Tenant, secret)
		}
	}
	h, err := api.New(cfg)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return h, stop, nil
}

func newLogger(e *env, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config.validate
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: l}))
}

// serverKnowledge is the knowledge base of a server: in memory over the
// shipped corpus, or, on Postgres, the knowledge_chunks table (shared by
// replicas and keeping the tenants' documents), where the shipped corpus
// is indexed at start when the table is empty (`slorec corpus index`
// refreshes it after an upgrade).
func serverKnowledge(ctx context.Context, e *env, st store.Store, log *slog.Logger) (*retrieval.Retriever, string, error) {
	db, ok := st.(*postgres.DB)
	if !ok {
		return embeddedKnowledge(ctx, e, nil)
	}
	r := &retrieval.Retriever{Index: pgindex.New(db.Pool())}
	var how string
	r.Embedder, how = gloveIfSetUp(e)
	how = "postgres, " + how
	n, err := r.Index.Len(ctx)
	if err != nil {
		return nil, "", err
	}
	if n == 0 {
		docs, err := shipped()
		if err != nil {
			return nil, "", err
		}
		if _, err := r.Add(ctx, docs); err != nil {
			// Another replica may be indexing at the same moment.
			log.Warn("index the shipped corpus", "err", err)
		}
	}
	return r, how, nil
}
