-- FTS5 merges its segments as rows arrive. With its default of merging four segments of a level
-- into one of the next, each row was rewritten at every level (log4 of all rows), and that
-- merging was most of the full-text work in a create. Sixteen per level halves the levels, and
-- so the rewriting; a query reads a few more segments (about a tenth more time, measured at
-- 100,000 rows). A level is merged at once only when it reaches 32 segments.
INSERT INTO request_search (request_search, rank) VALUES ('automerge', 16);
INSERT INTO request_search (request_search, rank) VALUES ('crisismerge', 32);
