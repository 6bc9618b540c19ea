-- The audit log is the events table's security-relevant and administrative rows: each event
-- now keeps the client address it came from, and whether it belongs to the audit log (set once,
-- when written, from core::audit), so the log is read by (audit, at) without scanning request
-- history.
ALTER TABLE events ADD COLUMN address TEXT;
ALTER TABLE events ADD COLUMN audit BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE events SET audit = TRUE
 WHERE entity IN ('person', 'team', 'token', 'feed', 'session', 'settings', 'import', 'webhook', 'export', 'calendar', 'identity')
   AND NOT (entity = 'person' AND action IN ('time_off', 'time_off_removed', 'mail_preferences'))
   AND NOT (entity = 'team' AND action IN ('goal_saved', 'capacity_share'));
CREATE INDEX events_audit ON events (audit, at);

-- Nothing rewrites history: an event is never changed once written. Retention may delete old
-- rows; nothing may edit them.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

-- Sessions say where and how they began, so people can recognise and end their own.
ALTER TABLE sessions ADD COLUMN handle TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
UPDATE sessions SET handle = substr(token_hash, 49, 16);
CREATE UNIQUE INDEX sessions_handle ON sessions (handle);
