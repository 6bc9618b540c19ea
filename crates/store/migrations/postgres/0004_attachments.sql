-- Files attached to requests. Content lives in the database so every app node can serve it.
-- `internal` attachments are seen by the providing team only, like internal notes.

CREATE TABLE attachments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    uploader_id BIGINT NOT NULL REFERENCES people (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    internal BOOLEAN NOT NULL DEFAULT FALSE,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_request ON attachments (request_id);
