-- slorec schema, version 4: tenants, API tokens, idempotency keys, webhook
-- subscriptions and their deliveries (the transactional outbox).
--
-- Every tenant-owned row gets a tenant; rows that existed before belong to
-- the default tenant. Keys, unique constraints and foreign keys all start
-- with the tenant, so two tenants can each have a service "checkout", and
-- a row can only ever reference a row of its own tenant.
--
-- River's own tables (river_job, ...) are not created here: store/postgres
-- applies River's migrations with rivermigrate after these.

ALTER TABLE catalog_versions ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE services         ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE dependencies     ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE metric_buckets   ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE slos             ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE recommendations  ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE feedback         ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE incidents        ADD COLUMN tenant text NOT NULL DEFAULT 'default';
-- A constant default is stored in the catalog, not written into each row
-- (PostgreSQL 11+), so the append-only triggers of audit_log do not fire.
ALTER TABLE audit_log        ADD COLUMN tenant text NOT NULL DEFAULT 'default';

-- Foreign keys go first: the keys they reference are rebuilt below.
ALTER TABLE services       DROP CONSTRAINT services_version_fkey;
ALTER TABLE dependencies   DROP CONSTRAINT dependencies_source_fkey;
ALTER TABLE metric_buckets DROP CONSTRAINT metric_buckets_service_fkey;
ALTER TABLE slos           DROP CONSTRAINT slos_service_fkey;
ALTER TABLE feedback       DROP CONSTRAINT feedback_recommendation_id_fkey;

ALTER TABLE catalog_versions
    DROP CONSTRAINT catalog_versions_pkey,
    ADD CONSTRAINT catalog_versions_pkey PRIMARY KEY (tenant, version);

ALTER TABLE services
    DROP CONSTRAINT services_pkey,
    ADD CONSTRAINT services_pkey PRIMARY KEY (tenant, id),
    ADD CONSTRAINT services_version_fkey FOREIGN KEY (tenant, version)
        REFERENCES catalog_versions (tenant, version);

ALTER TABLE dependencies
    DROP CONSTRAINT dependencies_pkey,
    ADD CONSTRAINT dependencies_pkey PRIMARY KEY (tenant, source, target),
    ADD CONSTRAINT dependencies_source_fkey FOREIGN KEY (tenant, source)
        REFERENCES services (tenant, id) ON DELETE CASCADE;
DROP INDEX dependencies_target_idx;
CREATE INDEX dependencies_target_idx ON dependencies (tenant, target);

ALTER TABLE metric_buckets
    DROP CONSTRAINT metric_buckets_pkey,
    ADD CONSTRAINT metric_buckets_pkey PRIMARY KEY (tenant, service, ts),
    ADD CONSTRAINT metric_buckets_service_fkey FOREIGN KEY (tenant, service)
        REFERENCES services (tenant, id) ON DELETE CASCADE;

ALTER TABLE slos
    DROP CONSTRAINT slos_pkey,
    DROP CONSTRAINT slos_service_sli_version_key,
    ADD CONSTRAINT slos_pkey PRIMARY KEY (tenant, id),
    ADD CONSTRAINT slos_service_sli_version_key UNIQUE (tenant, service, sli, version),
    ADD CONSTRAINT slos_service_fkey FOREIGN KEY (tenant, service)
        REFERENCES services (tenant, id);

ALTER TABLE recommendations
    DROP CONSTRAINT recommendations_pkey,
    DROP CONSTRAINT recommendations_service_version_key,
    ADD CONSTRAINT recommendations_pkey PRIMARY KEY (tenant, id),
    ADD CONSTRAINT recommendations_service_version_key UNIQUE (tenant, service, version);
DROP INDEX recommendations_input_idx;
CREATE INDEX recommendations_input_idx ON recommendations (tenant, service, input_hash, version DESC);

ALTER TABLE feedback
    DROP CONSTRAINT feedback_pkey,
    ADD CONSTRAINT feedback_pkey PRIMARY KEY (tenant, id),
    ADD CONSTRAINT feedback_recommendation_id_fkey FOREIGN KEY (tenant, recommendation_id)
        REFERENCES recommendations (tenant, id);
DROP INDEX feedback_recommendation_idx;
CREATE INDEX feedback_recommendation_idx ON feedback (tenant, recommendation_id, created_at);

ALTER TABLE incidents
    DROP CONSTRAINT incidents_pkey,
    ADD CONSTRAINT incidents_pkey PRIMARY KEY (tenant, id);
DROP INDEX incidents_service_idx;
CREATE INDEX incidents_service_idx ON incidents (tenant, service, started_at);

-- The audit log keeps its global sequence (seq stays the primary key);
-- reads are per tenant, newest first.
DROP INDEX audit_log_at_idx;
CREATE INDEX audit_log_tenant_seq_idx ON audit_log (tenant, seq DESC);
CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant, at DESC);

-- API tokens. Only the SHA-256 of a secret is kept; the secret itself is
-- shown once, when the token is created.
CREATE TABLE api_tokens (
    id            text PRIMARY KEY CHECK (id <> ''),
    tenant        text NOT NULL CHECK (tenant ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    name          text NOT NULL CHECK (name <> ''),
    role          text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    secret_sha256 bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant);

-- Outcomes of POSTs sent with an Idempotency-Key. status_code is NULL while
-- the first request runs; rows older than a day are expired and reused.
CREATE TABLE idempotency_keys (
    tenant       text NOT NULL,
    key          text NOT NULL CHECK (key <> ''),
    request_hash text NOT NULL CHECK (request_hash <> ''),
    status_code  integer CHECK (status_code BETWEEN 100 AND 599),
    content_type text NOT NULL DEFAULT '',
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Webhook endpoints. The secret signs deliveries (HMAC-SHA256), so unlike
-- a token secret it must be kept; the store never returns it in lists.
CREATE TABLE webhook_subscriptions (
    id         text PRIMARY KEY CHECK (id <> ''),
    tenant     text NOT NULL,
    url        text NOT NULL CHECK (url <> ''),
    secret     text NOT NULL CHECK (octet_length(secret) >= 16),
    events     text[] NOT NULL CHECK (cardinality(events) > 0
                   AND events <@ ARRAY['slo.accepted', 'slo.modified']::text[]),
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    -- The target of the deliveries' foreign key, which keeps a delivery
    -- in the tenant of its subscription.
    UNIQUE (tenant, id)
);
CREATE INDEX webhook_subscriptions_tenant_idx ON webhook_subscriptions (tenant, created_at);

-- The outbox: one row per event and subscription, written in the
-- transaction that commits the SLOs, then sent by the delivery worker.
CREATE TABLE webhook_deliveries (
    id               text PRIMARY KEY CHECK (id <> ''),
    tenant           text NOT NULL,
    subscription_id  text NOT NULL,
    event_id         text NOT NULL CHECK (event_id <> ''),
    event_type       text NOT NULL CHECK (event_type IN ('slo.accepted', 'slo.modified')),
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_status_code integer CHECK (last_status_code BETWEEN 0 AND 599),
    last_error       text NOT NULL DEFAULT '',
    next_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    FOREIGN KEY (tenant, subscription_id) REFERENCES webhook_subscriptions (tenant, id),
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (tenant, subscription_id, created_at DESC);
CREATE INDEX webhook_deliveries_tenant_idx ON webhook_deliveries (tenant, created_at DESC);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
