-- GIN hands back matches in no order, so a search for the newest matches of common words read
-- every match from the table (17,000 rows at a million requests) to keep the newest 1,000.
-- Search rows now also carry the block of 16,384 row ids they fall in, as scope tokens: `b<block>`
-- and, for searches within one team, `t<team>b<block>`. A search asks for the newest blocks
-- first and widens only while it has too few matches (store/src/search.rs). The tokens come from
-- the row's own id, so no writer has to know them; the shift of 14 is `BLOCK_SHIFT` there.
-- Rewrites the table and rebuilds the index: about two minutes at a million requests.

DROP INDEX request_search_match;
ALTER TABLE request_search DROP COLUMN scope_tsv;
ALTER TABLE request_search ADD COLUMN scope_tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', scope || ' b' || (id >> 14) || ' t' || team_id || 'b' || (id >> 14))
) STORED;
CREATE INDEX request_search_match ON request_search USING GIN (scope_tsv, tsv);
