-- Search rows carry who may see them as tokens in a `scope` column, so a search for one team's
-- requests (or one person's) intersects index entries instead of ranking every team's rows:
-- `t<team>` the providing team, `p<person>` the requester, `o<team>` the team requested on behalf
-- of, `r<request>` the request (for watchers), `k<kind>` request, reply or note.
-- FTS5 cannot add a column, so the table is rebuilt with the same rowids.

CREATE VIRTUAL TABLE request_search_scoped USING fts5 (
    body,
    scope,
    request_id UNINDEXED,
    team_id UNINDEXED,
    kind UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO request_search_scoped (rowid, body, scope, request_id, team_id, kind)
SELECT s.rowid, s.body,
       't' || r.team_id || ' p' || r.requester_id || COALESCE(' o' || r.on_behalf_team_id, '') || ' r' || r.id || ' k' || s.kind,
       s.request_id, s.team_id, s.kind
FROM request_search s JOIN requests r ON r.id = s.request_id;

DROP TABLE request_search;
ALTER TABLE request_search_scoped RENAME TO request_search;

-- Ranking looks at the text only: scope tokens match every candidate alike.
INSERT INTO request_search (request_search, rank) VALUES ('rank', 'bm25(1.0, 0.0)');
