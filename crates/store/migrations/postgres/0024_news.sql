-- Team news: what a team posts for the people it works with (Markdown; a spotlight is news the
-- team wants the whole organisation to see), and who follows which team. Following is by default
-- (a team's members and the members of its first ring, from declared relationships and
-- commitments); a row here records a person's own choice, to follow or not.
CREATE TABLE news_posts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES teams (id),
    author_id BIGINT NOT NULL REFERENCES people (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    spotlight BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX news_posts_newest ON news_posts (created_at, id) WHERE removed_at IS NULL;
CREATE INDEX news_posts_team ON news_posts (team_id, created_at, id) WHERE removed_at IS NULL;

CREATE TABLE team_follows (
    person_id BIGINT NOT NULL REFERENCES people (id),
    team_id BIGINT NOT NULL REFERENCES teams (id),
    following BOOLEAN NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, team_id)
);
CREATE INDEX team_follows_team ON team_follows (team_id, following);
