-- SCIM 2.0 provisioning: the clients allowed to provision (each with its own token, apart from
-- people's API tokens), and what each User and Group resource holds beyond the person or team
-- it describes (the client's userName and externalId, the resource as last written, deletion).
CREATE TABLE scim_clients (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE scim_users (
    person_id BIGINT PRIMARY KEY REFERENCES people (id),
    user_name TEXT NOT NULL,
    -- userName compared without case, unique among the resources not deleted.
    user_name_key TEXT NOT NULL,
    external_id TEXT,
    kept TEXT NOT NULL DEFAULT '{}',
    department_team_id BIGINT REFERENCES teams (id),
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (user_name_key) WHERE NOT deleted;
CREATE INDEX scim_users_external ON scim_users (external_id);

CREATE TABLE scim_groups (
    team_id BIGINT PRIMARY KEY REFERENCES teams (id),
    external_id TEXT,
    kept TEXT NOT NULL DEFAULT '{}',
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
CREATE INDEX scim_groups_external ON scim_groups (external_id);
