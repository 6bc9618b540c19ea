-- Business-time targets: calendars, versioned target policies, clocks on requests, and the
-- durable job queue that watches them.

-- A team's working time as a CalendarSpec (JSON); the row without a team is the organisation's
-- default, used by teams without their own.
CREATE TABLE calendars (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id BIGINT UNIQUE REFERENCES teams (id),
    spec TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendars_organisation ON calendars ((team_id IS NULL)) WHERE team_id IS NULL;
INSERT INTO calendars (team_id, spec, updated_at) VALUES (NULL,
    '{"zone":"UTC","week":{"mon":["09:00-17:00"],"tue":["09:00-17:00"],"wed":["09:00-17:00"],"thu":["09:00-17:00"],"fri":["09:00-17:00"]}}',
    0);

-- One version of a service's targets; `targets` is {"P1": {"first_response_minutes": .., "resolution_minutes": ..}}.
CREATE TABLE target_policies (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id BIGINT NOT NULL REFERENCES services (id),
    version BIGINT NOT NULL,
    targets TEXT NOT NULL,
    pause_on_others BOOLEAN NOT NULL,
    at_risk_percent BIGINT NOT NULL CHECK (at_risk_percent BETWEEN 1 AND 99),
    reassign_to BIGINT REFERENCES people (id),
    raise_priority BOOLEAN NOT NULL,
    notify_person BIGINT REFERENCES people (id),
    created_by BIGINT REFERENCES people (id),
    created_at BIGINT NOT NULL,
    UNIQUE (service_id, version)
);

-- The policy a request was opened under.
ALTER TABLE requests ADD COLUMN policy_id BIGINT REFERENCES target_policies (id);

-- A target running on one request. Working time is banked in `elapsed_ms` whenever the clock
-- stops running; `due_at` caches the due instant of a running clock for sorting.
CREATE TABLE request_clocks (
    request_id BIGINT NOT NULL REFERENCES requests (id),
    kind TEXT NOT NULL CHECK (kind IN ('first_response', 'resolution')),
    target_ms BIGINT NOT NULL,
    elapsed_ms BIGINT NOT NULL,
    running_since BIGINT,
    stopped_at BIGINT,
    due_at BIGINT,
    PRIMARY KEY (request_id, kind)
);
CREATE INDEX request_clocks_due ON request_clocks (due_at);

-- Each clock passes each mark (at_risk, breached) once: the unique key makes the job's effects
-- (history, notices, escalation) happen exactly once, whichever node runs it.
CREATE TABLE clock_marks (
    request_id BIGINT NOT NULL REFERENCES requests (id),
    kind TEXT NOT NULL,
    mark TEXT NOT NULL CHECK (mark IN ('at_risk', 'breached')),
    at BIGINT NOT NULL,
    PRIMARY KEY (request_id, kind, mark)
);

-- Durable background work. A pending job has no done_at/failed_at; a claimed one holds a lease
-- (locked_until) that expires if its node dies, so another node picks it up.
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    job_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    done_at BIGINT,
    failed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_pending ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
