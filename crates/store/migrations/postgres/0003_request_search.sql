-- Full-text search over requests: one row per request text and per comment.
-- PostgreSQL uses a generated tsvector with a GIN index; the SQLite twin uses FTS5.
-- `kind` is 'request', 'reply' or 'note'; notes are searchable only by the providing team.
-- The 'simple' configuration (no stemming) matches SQLite's unicode61 tokenizer.

CREATE TABLE request_search (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body TEXT NOT NULL,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    team_id BIGINT NOT NULL REFERENCES teams (id),
    kind TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX request_search_tsv ON request_search USING GIN (tsv);
CREATE INDEX request_search_request ON request_search (request_id);

INSERT INTO request_search (body, request_id, team_id, kind)
SELECT r.key || ' ' || r.subject || ' ' || r.description || ' ' || r.fields, r.id, r.team_id, 'request' FROM requests r;

INSERT INTO request_search (body, request_id, team_id, kind)
SELECT c.body, c.request_id, r.team_id, c.kind FROM comments c JOIN requests r ON r.id = c.request_id;
