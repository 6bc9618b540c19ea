-- SQLite's full-text index is now merged by the writer while idle, not inside writes.
-- PostgreSQL's GIN index has no such setting, so this version changes nothing here; it keeps
-- the two trees' numbers in step.
SELECT 1;
