-- Full-text search over requests: one row per request text and per comment.
-- SQLite uses FTS5; the PostgreSQL twin uses a tsvector column with a GIN index.
-- `kind` is 'request', 'reply' or 'note'; notes are searchable only by the providing team.

CREATE VIRTUAL TABLE request_search USING fts5 (
    body,
    request_id UNINDEXED,
    team_id UNINDEXED,
    kind UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO request_search (body, request_id, team_id, kind)
SELECT r.key || ' ' || r.subject || ' ' || r.description || ' ' || r.fields, r.id, r.team_id, 'request' FROM requests r;

INSERT INTO request_search (body, request_id, team_id, kind)
SELECT c.body, c.request_id, r.team_id, c.kind FROM comments c JOIN requests r ON r.id = c.request_id;
