-- PostgreSQL's search rows gain block tokens so a search reads the newest matches first. FTS5
-- already walks its rows newest first and stops at the window, so this version changes nothing
-- here; it keeps the two trees' numbers in step.
SELECT 1;
