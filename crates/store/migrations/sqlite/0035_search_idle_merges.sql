-- FTS5 merged segments inside the writes themselves: every 64 leaf pages written, a quantum of
-- 64 pages per level of the index (14-17 ms at a million requests) landed on one unlucky group
-- of creates. Writes no longer merge: the writer merges a few pages at a time while its queue is
-- empty (search::IDLE_MERGE), a level once it holds sixteen segments, as before. A level is
-- merged at once only when it reaches 64, when the writer has had no idle moment for long.
INSERT INTO request_search (request_search, rank) VALUES ('automerge', 0);
INSERT INTO request_search (request_search, rank) VALUES ('usermerge', 16);
INSERT INTO request_search (request_search, rank) VALUES ('crisismerge', 64);
