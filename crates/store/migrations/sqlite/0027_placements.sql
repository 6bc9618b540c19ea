-- Ambassador placements: a person from the home team spends a set time with the host team and
-- reports back. The side that proposed it waits for a lead of the other side; action items
-- taken from a report live in the two teams' partnership review and are linked here.
CREATE TABLE placements (
    id INTEGER PRIMARY KEY,
    ambassador_id BIGINT NOT NULL REFERENCES people (id),
    home_team_id BIGINT NOT NULL REFERENCES teams (id),
    host_team_id BIGINT NOT NULL REFERENCES teams (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    focus TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'declined', 'cancelled')),
    proposed_side TEXT NOT NULL CHECK (proposed_side IN ('home', 'host')),
    proposed_by BIGINT NOT NULL REFERENCES people (id),
    decided_at BIGINT,
    learned TEXT NOT NULL DEFAULT '',
    together TEXT NOT NULL DEFAULT '',
    reported_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX placements_home ON placements (home_team_id, starts_on);
CREATE INDEX placements_host ON placements (host_team_id, starts_on);
CREATE INDEX placements_ambassador ON placements (ambassador_id);

CREATE TABLE placement_actions (
    placement_id BIGINT NOT NULL REFERENCES placements (id),
    action_id BIGINT NOT NULL REFERENCES actions (id),
    PRIMARY KEY (placement_id, action_id)
);
