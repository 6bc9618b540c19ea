-- Search rows carry who may see them as tokens in a `scope` column, so a search for one team's
-- requests (or one person's) intersects index entries instead of ranking every team's rows:
-- `t<team>` the providing team, `p<person>` the requester, `o<team>` the team requested on behalf
-- of, `r<request>` the request (for watchers), `k<kind>` request, reply or note.
-- One GIN index over the scope and the text answers both conditions in a single scan; the scope
-- has a tsvector of its own so a word typed in a search never matches a scope token.

ALTER TABLE request_search ADD COLUMN scope TEXT NOT NULL DEFAULT '';

UPDATE request_search s
SET scope = 't' || r.team_id || ' p' || r.requester_id || COALESCE(' o' || r.on_behalf_team_id, '') || ' r' || r.id || ' k' || s.kind
FROM requests r WHERE r.id = s.request_id;

ALTER TABLE request_search ALTER COLUMN scope DROP DEFAULT;
ALTER TABLE request_search ADD COLUMN scope_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', scope)) STORED;
DROP INDEX request_search_tsv;
CREATE INDEX request_search_match ON request_search USING GIN (scope_tsv, tsv);
