-- Commitments: recurring deliverables a provider team owes a receiver team, their occurrences
-- (one per due date, generated ahead), the deliveries made against each and how the receiver
-- answered, and calendar feeds of what is coming due.

CREATE TABLE commitments (
    id INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES teams (id),
    receiver_id INTEGER NOT NULL REFERENCES teams (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id INTEGER NOT NULL REFERENCES people (id),
    backup_id INTEGER REFERENCES people (id),
    -- RFC 5545 RRULE without DTSTART; first_due is its local anchor in zone.
    rule TEXT NOT NULL,
    first_due TEXT NOT NULL,
    zone TEXT NOT NULL,
    grace_ms BIGINT NOT NULL DEFAULT 0,
    remind_ms BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- Occurrences exist for every due time up to here.
    generated_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (provider_id <> receiver_id)
);
CREATE INDEX commitments_provider ON commitments (provider_id);
CREATE INDEX commitments_receiver ON commitments (receiver_id);

CREATE TABLE occurrences (
    id INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments (id),
    due_at BIGINT NOT NULL,
    -- Due plus the grace period in the provider's working time, fixed when generated.
    deadline_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'delivered', 'accepted')),
    -- The delivery standing now: cleared when one is sent back.
    delivered_at BIGINT,
    accepted_at BIGINT,
    sent_back INTEGER NOT NULL DEFAULT 0,
    UNIQUE (commitment_id, due_at)
);
CREATE INDEX occurrences_due ON occurrences (due_at);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    occurrence_id INTEGER NOT NULL REFERENCES occurrences (id),
    delivered_by INTEGER NOT NULL REFERENCES people (id),
    delivered_at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    link TEXT,
    file_name TEXT,
    file_type TEXT,
    file_data BLOB,
    outcome TEXT CHECK (outcome IN ('accepted', 'sent_back')),
    answered_by INTEGER REFERENCES people (id),
    answered_at BIGINT,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_occurrence ON deliveries (occurrence_id);

-- Reminders and overdue notices, each recorded once whichever node runs its job.
CREATE TABLE occurrence_marks (
    occurrence_id INTEGER NOT NULL REFERENCES occurrences (id),
    mark TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (occurrence_id, mark)
);

-- Subscribable iCalendar feeds: a person's own (team_id NULL) or a team's. Only a hash of the
-- token is kept.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL REFERENCES people (id),
    team_id INTEGER REFERENCES teams (id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX calendar_feeds_person ON calendar_feeds (person_id);

ALTER TABLE notifications ADD COLUMN commitment_id INTEGER REFERENCES commitments (id);

-- The organisation's business goals; a team goal may say which one it supports.
CREATE TABLE business_goals (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planned', 'on_track', 'at_risk', 'done', 'dropped')),
    period TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
ALTER TABLE team_goals ADD COLUMN business_goal_id INTEGER REFERENCES business_goals (id);
