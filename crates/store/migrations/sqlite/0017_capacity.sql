-- Capacity and effort for the forecast: people's time off, the share of a person's week each of
-- their teams gets, and each request's estimate and logged time.

CREATE TABLE time_off (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    -- Dates as YYYY-MM-DD, in the person's own calendar; ends_on is the last day off.
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    half_day BOOLEAN NOT NULL DEFAULT FALSE,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES people (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX time_off_person ON time_off (person_id, ends_on);

-- The share (0-1) of the person's weekly capacity this team gets; NULL splits it evenly.
ALTER TABLE team_members ADD COLUMN capacity_share REAL;

-- Hours the team expects the request to take; NULL takes the service's default effort.
ALTER TABLE requests ADD COLUMN estimate_hours REAL;
-- Hours recorded as spent on it.
ALTER TABLE requests ADD COLUMN logged_hours REAL NOT NULL DEFAULT 0;
