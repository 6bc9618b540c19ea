-- Outgoing webhooks: where a team's (or, with no team, the organisation's) events are POSTed,
-- and every delivery with what the receiver answered.

CREATE TABLE webhooks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL: the organisation's, hearing every team.
    team_id BIGINT REFERENCES teams (id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('json', 'slack')),
    -- The kinds it hears, as ",request.created,rating.received," so one LIKE finds subscribers.
    events TEXT NOT NULL,
    -- Signs every body (HMAC-SHA256); shown to the webhook's managers, who give it to the receiver.
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT REFERENCES people (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_team ON webhooks (team_id);

CREATE TABLE webhook_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The event's id, the same for a redelivery: receivers drop what they have seen.
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- The event as captured when it happened (core::webhook::WebhookEvent).
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- pending (waiting or being retried), delivered, failed (given up).
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    last_attempt_at BIGINT,
    response_status BIGINT,
    -- The start of what the receiver answered, or why nothing was.
    response TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT,
    redelivery_of BIGINT REFERENCES webhook_deliveries (id) ON DELETE SET NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
