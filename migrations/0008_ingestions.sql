-- slorec schema, version 8: background metric ingestions.
--
-- An ingestion from Prometheus reads every declared service's history
-- (five range queries each); for a fleet of hundreds of services that
-- outlasts an HTTP request's deadline. POST /api/v1/metrics/prometheus
-- with Prefer: respond-async stores the request here and, in the same
-- transaction, the River job (kind prometheus_ingest) that runs it; GET
-- /api/v1/ingestions/{id} reads its status and report.
CREATE TABLE ingestions (
    tenant      text        NOT NULL,
    id          text        NOT NULL,
    actor       text        NOT NULL CHECK (actor <> ''),
    request     jsonb       NOT NULL CHECK (jsonb_typeof(request) = 'object'),
    status      text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts    integer     NOT NULL DEFAULT 0,
    report      jsonb       CHECK (report IS NULL OR jsonb_typeof(report) = 'object'),
    code        text        NOT NULL DEFAULT '',
    error       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (tenant, id)
);
