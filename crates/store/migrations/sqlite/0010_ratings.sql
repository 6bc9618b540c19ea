-- Organisation settings (the rating scale, the smallest group shown in aggregate), and ratings
-- on requests both ways: by the requester of the service they got, and by the providing team of
-- how the request was made. One of each per request.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id),
    direction TEXT NOT NULL CHECK (direction IN ('requester', 'provider')),
    -- The scale the rating was given on, so a later change of scale keeps its meaning.
    scale_max INTEGER NOT NULL CHECK (scale_max IN (3, 5)),
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND scale_max),
    comment TEXT NOT NULL DEFAULT '',
    -- Comma-separated flags of the provider's rating (unclear, missing_inputs, ...).
    flags TEXT NOT NULL DEFAULT '',
    rated_by INTEGER NOT NULL REFERENCES people (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (request_id, direction)
);
CREATE INDEX ratings_created ON ratings (direction, created_at);
