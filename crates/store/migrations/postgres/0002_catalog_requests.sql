-- Service catalog, requests and their conversation, notifications and saved views.

CREATE TABLE services (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL CHECK (audience IN ('everyone', 'teams')),
    default_priority BIGINT NOT NULL CHECK (default_priority BETWEEN 1 AND 4),
    default_effort_hours DOUBLE PRECISION NOT NULL,
    round_robin BOOLEAN NOT NULL DEFAULT FALSE,
    -- Position in the responder list of the next round-robin assignee.
    next_responder BIGINT NOT NULL DEFAULT 0,
    form_version BIGINT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (team_id, slug)
);

CREATE TABLE service_audience (
    service_id BIGINT NOT NULL REFERENCES services (id),
    team_id BIGINT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (service_id, team_id)
);

CREATE TABLE service_responders (
    service_id BIGINT NOT NULL REFERENCES services (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (service_id, person_id)
);

-- Every version of every form is kept: a request points at the version it was filed under.
CREATE TABLE service_forms (
    service_id BIGINT NOT NULL REFERENCES services (id),
    version BIGINT NOT NULL,
    fields TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (service_id, version)
);

CREATE TABLE request_counters (
    team_id BIGINT PRIMARY KEY REFERENCES teams (id),
    last_number BIGINT NOT NULL
);

CREATE TABLE requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    team_id BIGINT NOT NULL REFERENCES teams (id),
    number BIGINT NOT NULL,
    service_id BIGINT NOT NULL REFERENCES services (id),
    form_version BIGINT NOT NULL,
    requester_id BIGINT NOT NULL REFERENCES people (id),
    on_behalf_team_id BIGINT REFERENCES teams (id),
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '{}',
    priority BIGINT NOT NULL CHECK (priority BETWEEN 1 AND 4),
    status TEXT NOT NULL CHECK (status IN ('new', 'open', 'in_progress', 'waiting_on_requester', 'waiting_on_others', 'resolved', 'closed')),
    assignee_id BIGINT REFERENCES people (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    UNIQUE (team_id, number)
);
CREATE INDEX requests_queue ON requests (team_id, status, priority, created_at);
CREATE INDEX requests_requester ON requests (requester_id, created_at);
CREATE INDEX requests_on_behalf ON requests (on_behalf_team_id, created_at);
CREATE INDEX requests_assignee ON requests (assignee_id, status);
CREATE INDEX requests_service ON requests (service_id);

CREATE TABLE request_watchers (
    request_id BIGINT NOT NULL REFERENCES requests (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    PRIMARY KEY (request_id, person_id)
);
CREATE INDEX request_watchers_person ON request_watchers (person_id);

CREATE TABLE comments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    author_id BIGINT NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'note')),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_request ON comments (request_id, created_at);

-- One row per person and thing to tell them. `channel` lets email be a second channel later;
-- `dedupe_key` makes every notice idempotent.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id),
    channel TEXT NOT NULL DEFAULT 'in_app',
    kind TEXT NOT NULL,
    request_id BIGINT REFERENCES requests (id),
    actor_id BIGINT REFERENCES people (id),
    summary TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_person ON notifications (person_id, read_at, created_at);

CREATE TABLE saved_views (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (person_id, name)
);
