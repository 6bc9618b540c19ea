-- Mail in: which address files requests with which team's service, and every message received,
-- raw and whole (up to the size limit), with what became of it.

CREATE TABLE mail_routes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    service_id BIGINT NOT NULL REFERENCES services (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE inbound_mail (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The message's Message-ID, or a digest of the raw message when it has none: a message
    -- fetched twice (two nodes, a retried poll) is handled once.
    message_id TEXT NOT NULL UNIQUE,
    mailbox TEXT NOT NULL,
    sender TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    raw BYTEA NOT NULL,
    size BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    -- created, replied, ignored, refused, failed; NULL while being handled.
    outcome TEXT,
    detail TEXT NOT NULL DEFAULT '',
    request_id BIGINT REFERENCES requests (id),
    person_id BIGINT REFERENCES people (id)
);
CREATE INDEX inbound_mail_request ON inbound_mail (request_id);
CREATE INDEX inbound_mail_received ON inbound_mail (received_at);
