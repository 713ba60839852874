-- Webhook endpoints and their delivery log, kept as blob objects
-- (webhooks/endpoints.json, webhooks/deliveries/) until deliveries became
-- River jobs queued in the transaction of the change they report. Times
-- are integer microseconds.

-- +goose Up
-- events is a JSON list of event types; '[]' means every event.
CREATE TABLE webhook_endpoints (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL DEFAULT '',
    feed       TEXT NOT NULL DEFAULT '',
    events     TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL
);

-- One row per event sent to one endpoint. id is the idempotency key every
-- attempt carries. endpoint_id has no foreign key: the endpoint from the
-- server configuration ("global") has no row. url is shown without
-- credentials; event is the JSON body.
CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY,
    endpoint_id  TEXT NOT NULL,
    url          TEXT NOT NULL,
    event        TEXT NOT NULL,
    delivered_at BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);
-- The log lists newest first; pruning keeps the newest of each endpoint.
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at DESC, id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id);

-- Every try of a delivery, numbered by the job's attempt, so that a retry
-- after a node died never overwrites an earlier record.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status      BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    duration_us BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (delivery_id, attempt)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
