-- The internal customer network: relationships declared by both sides, their named contacts,
-- and each team's goals.

CREATE TABLE relationships (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supplier_id BIGINT NOT NULL REFERENCES teams (id),
    customer_id BIGINT NOT NULL REFERENCES teams (id),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'declined')),
    -- The side that made the current proposal or last edit; the other side answers.
    proposed_by TEXT NOT NULL CHECK (proposed_by IN ('supplier', 'customer')),
    needs TEXT NOT NULL,
    success_measures TEXT NOT NULL DEFAULT '',
    shared_goals TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (supplier_id, customer_id),
    CHECK (supplier_id <> customer_id)
);
CREATE INDEX relationships_customer ON relationships (customer_id);

CREATE TABLE relationship_contacts (
    relationship_id BIGINT NOT NULL REFERENCES relationships (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    side TEXT NOT NULL CHECK (side IN ('supplier', 'customer')),
    PRIMARY KEY (relationship_id, person_id, side)
);

CREATE TABLE team_goals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planned', 'on_track', 'at_risk', 'done', 'dropped')),
    period TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX team_goals_team ON team_goals (team_id);

-- Request traffic between teams: who asked (on behalf of which team) whom.
CREATE INDEX requests_traffic ON requests (on_behalf_team_id, team_id, created_at);
