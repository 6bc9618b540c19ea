-- Open meetings: a team opens a meeting to the teams it works with (by ring) or to everyone.
-- The invited teams are written when the meeting is announced, so who was invited does not drift
-- as the network changes. `sequence` is the iCalendar SEQUENCE: it grows when the meeting moves
-- or is cancelled, so calendar apps take the newer copy.
CREATE TABLE meetings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id),
    title TEXT NOT NULL,
    agenda TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    zone TEXT NOT NULL,
    place TEXT NOT NULL,
    link TEXT,
    guest_seats BIGINT,
    reach TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    sequence BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES people (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    cancel_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meetings_starting ON meetings (starts_at, id);
CREATE INDEX meetings_team ON meetings (team_id, starts_at);

CREATE TABLE meeting_invites (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    team_id BIGINT NOT NULL REFERENCES teams (id),
    ring BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, team_id)
);
CREATE INDEX meeting_invites_team ON meeting_invites (team_id, meeting_id);

CREATE TABLE meeting_rsvps (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    answer TEXT NOT NULL,
    guest BOOLEAN NOT NULL,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, person_id)
);
CREATE INDEX meeting_rsvps_person ON meeting_rsvps (person_id, meeting_id);

CREATE TABLE meeting_questions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    body TEXT NOT NULL,
    asked_at BIGINT NOT NULL
);
CREATE INDEX meeting_questions_meeting ON meeting_questions (meeting_id, id);
