-- Only notices waiting for a person's digest are looked up by person and time: index just those.
-- Every other notice, most of them, is then written with one index entry fewer, and a notice
-- leaves the index when its digest goes out.
DROP INDEX notifications_digest;
CREATE INDEX notifications_digest ON notifications (person_id, created_at)
    WHERE channel = 'digest' AND digested_at IS NULL;
