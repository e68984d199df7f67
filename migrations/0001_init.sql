-- slorec schema, version 1: catalog, metrics, SLOs, recommendations,
-- feedback, incidents and the append-only audit log.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE catalog_versions (
    version    integer PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE services (
    id            text PRIMARY KEY CHECK (id <> ''),
    name          text NOT NULL DEFAULT '',
    kind          text NOT NULL CHECK (kind IN ('service', 'datastore', 'external', 'queue')),
    tier          text NOT NULL CHECK (tier IN ('critical', 'high', 'standard', 'low')),
    owner         text NOT NULL DEFAULT '',
    published_sla double precision NOT NULL DEFAULT 0 CHECK (published_sla >= 0 AND published_sla <= 1),
    version       integer NOT NULL REFERENCES catalog_versions (version),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Targets are not foreign keys: an edge may name a service nobody declared
-- yet (a missing node), which the engine flags instead of rejecting.
CREATE TABLE dependencies (
    source           text NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    target           text NOT NULL CHECK (target <> ''),
    ord              integer NOT NULL,
    type             text NOT NULL CHECK (type IN ('sync', 'async')),
    criticality      text NOT NULL CHECK (criticality IN ('hard', 'soft')),
    redundancy_group text NOT NULL DEFAULT '',
    parallel_group   text NOT NULL DEFAULT '',
    call_ratio       double precision NOT NULL DEFAULT 0 CHECK (call_ratio >= 0 AND call_ratio <= 1),
    provenance       text NOT NULL CHECK (provenance IN ('declared', 'observed')),
    version          integer NOT NULL,
    PRIMARY KEY (source, target),
    CHECK (source <> target)
);
CREATE INDEX dependencies_target_idx ON dependencies (target);

CREATE TABLE metric_buckets (
    service        text NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    ts             timestamptz NOT NULL,
    requests       bigint NOT NULL CHECK (requests >= 0),
    errors         bigint NOT NULL CHECK (errors >= 0 AND errors <= requests),
    latency_p50_ms double precision NOT NULL DEFAULT 0 CHECK (latency_p50_ms >= 0),
    latency_p95_ms double precision NOT NULL DEFAULT 0 CHECK (latency_p95_ms >= 0),
    latency_p99_ms double precision NOT NULL DEFAULT 0 CHECK (latency_p99_ms >= 0),
    PRIMARY KEY (service, ts)
);

CREATE TABLE slos (
    id                text PRIMARY KEY,
    service           text NOT NULL REFERENCES services (id),
    sli               text NOT NULL CHECK (sli IN ('availability', 'latency')),
    version           integer NOT NULL CHECK (version > 0),
    target            double precision NOT NULL CHECK (target > 0 AND target < 1),
    threshold_ms      double precision NOT NULL DEFAULT 0,
    percentile        double precision NOT NULL DEFAULT 0,
    window_days       integer NOT NULL CHECK (window_days > 0),
    recommendation_id text NOT NULL DEFAULT '',
    forced            boolean NOT NULL DEFAULT false,
    justification     text NOT NULL DEFAULT '',
    author            text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL,
    UNIQUE (service, sli, version),
    CHECK (NOT forced OR justification <> '')
);

CREATE TABLE recommendations (
    id         text PRIMARY KEY,
    service    text NOT NULL,
    version    integer NOT NULL CHECK (version > 0),
    input_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    body       jsonb NOT NULL,
    UNIQUE (service, version)
);
CREATE INDEX recommendations_input_idx ON recommendations (service, input_hash, version DESC);

CREATE TABLE feedback (
    id                text PRIMARY KEY,
    recommendation_id text NOT NULL REFERENCES recommendations (id),
    verdict           text NOT NULL CHECK (verdict IN ('accepted', 'rejected', 'modified')),
    reason            text NOT NULL DEFAULT '',
    comment           text NOT NULL DEFAULT '',
    actor             text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL
);
CREATE INDEX feedback_recommendation_idx ON feedback (recommendation_id, created_at);

CREATE TABLE incidents (
    id         text PRIMARY KEY,
    service    text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz,
    severity   text NOT NULL DEFAULT '',
    title      text NOT NULL,
    summary    text NOT NULL DEFAULT '',
    root_cause text NOT NULL DEFAULT ''
);
CREATE INDEX incidents_service_idx ON incidents (service, started_at);

CREATE TABLE audit_log (
    seq     bigserial PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text NOT NULL CHECK (actor <> ''),
    action  text NOT NULL CHECK (action <> ''),
    subject text NOT NULL DEFAULT '',
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

-- The audit log is append-only: any UPDATE, DELETE or TRUNCATE raises.
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_change
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
