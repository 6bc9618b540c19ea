-- Thanks to a team or a person, optionally about a request or a commitment. `across` is decided
-- when it is given: from outside the thanked team (or from someone sharing no team with the
-- person), so the organisation's view counts help given to others without a join per read.
CREATE TABLE thanks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_id BIGINT NOT NULL REFERENCES people (id),
    team_id BIGINT REFERENCES teams (id),
    person_id BIGINT REFERENCES people (id),
    message TEXT NOT NULL,
    request_id BIGINT REFERENCES requests (id),
    commitment_id BIGINT REFERENCES commitments (id),
    across BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    removed_at BIGINT,
    CHECK ((team_id IS NULL) <> (person_id IS NULL))
);
CREATE INDEX thanks_newest ON thanks (created_at, id) WHERE removed_at IS NULL;
CREATE INDEX thanks_team ON thanks (team_id, created_at) WHERE removed_at IS NULL;
CREATE INDEX thanks_person ON thanks (person_id, created_at) WHERE removed_at IS NULL;
