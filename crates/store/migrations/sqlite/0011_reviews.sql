-- Partnership reviews between a supplier team and a customer team, their attendees, and the
-- action items agreed at them. A held review keeps the agenda it was held with.

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    supplier_id INTEGER NOT NULL REFERENCES teams (id),
    customer_id INTEGER NOT NULL REFERENCES teams (id),
    title TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    -- Local time and zone as planned, so a recurring series keeps its wall-clock time.
    scheduled_for TEXT NOT NULL,
    zone TEXT NOT NULL,
    -- RRULE repeating the review: the next one is planned when this one is held.
    rule TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'held', 'cancelled')),
    notes TEXT NOT NULL DEFAULT '',
    decisions TEXT NOT NULL DEFAULT '',
    held_at BIGINT,
    -- The agenda as it stood when the review was held (JSON), and the period it covered.
    agenda TEXT,
    agenda_since BIGINT,
    created_by INTEGER REFERENCES people (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (supplier_id <> customer_id)
);
CREATE INDEX reviews_pair ON reviews (supplier_id, customer_id, scheduled_at);
CREATE INDEX reviews_customer ON reviews (customer_id, scheduled_at);

CREATE TABLE review_attendees (
    review_id INTEGER NOT NULL REFERENCES reviews (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    PRIMARY KEY (review_id, person_id)
);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES reviews (id),
    title TEXT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES people (id),
    -- The side that owes it (the owner's team of the two); the other side waits for it.
    owner_team_id INTEGER NOT NULL REFERENCES teams (id),
    waiting_team_id INTEGER NOT NULL REFERENCES teams (id),
    due_on TEXT NOT NULL,
    -- The end of the due date in the review's zone: overdue from then on.
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    effort_hours REAL,
    done_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX actions_owner ON actions (owner_id, status);
CREATE INDEX actions_owner_team ON actions (owner_team_id, status);
CREATE INDEX actions_waiting_team ON actions (waiting_team_id, status);
CREATE INDEX actions_review ON actions (review_id);

-- An overdue action item reminds its owner once, whichever node runs the job.
CREATE TABLE action_marks (
    action_id INTEGER NOT NULL REFERENCES actions (id),
    mark TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (action_id, mark)
);

-- Notifications about a review or its action items point at the review.
ALTER TABLE notifications ADD COLUMN review_id INTEGER REFERENCES reviews (id);
