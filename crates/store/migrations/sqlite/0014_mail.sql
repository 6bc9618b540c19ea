-- Mail out: how each person wants each kind of notice, the notice itself on its row (so a
-- digest can render it later), and single-use links that let a person set a password.

CREATE TABLE mail_preferences (
    person_id INTEGER NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('off', 'immediate', 'digest')),
    PRIMARY KEY (person_id, kind)
);

ALTER TABLE notifications ADD COLUMN notice TEXT;
-- Set when the notice went out in a digest mail.
ALTER TABLE notifications ADD COLUMN digested_at BIGINT;
CREATE INDEX notifications_digest ON notifications (person_id, digested_at);

CREATE TABLE password_links (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES people (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    created_by INTEGER REFERENCES people (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_links_person ON password_links (person_id);
