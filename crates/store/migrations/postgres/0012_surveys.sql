-- Relationship surveys, both directions. Who was invited and whether they answered is kept apart
-- from what was answered: responses and free text carry no person, and their ids are random, so
-- neither their order nor their ids say who answered when.

CREATE TABLE survey_questions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    audience TEXT NOT NULL CHECK (audience IN ('about_supplier', 'about_customer')),
    text TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);
INSERT INTO survey_questions (audience, text, position, active, created_at) VALUES
    ('about_supplier', 'They respond quickly when we need them.', 1, TRUE, 0),
    ('about_supplier', 'The quality of their work meets our needs.', 2, TRUE, 0),
    ('about_supplier', 'They keep us informed.', 3, TRUE, 0),
    ('about_supplier', 'They understand our goals.', 4, TRUE, 0),
    ('about_customer', 'Their requests are clear.', 5, TRUE, 0),
    ('about_customer', 'They give us the inputs we need on time.', 6, TRUE, 0),
    ('about_customer', 'Their deadlines are realistic.', 7, TRUE, 0);

-- Each agreed relationship is surveyed on its own schedule (quarterly unless changed).
ALTER TABLE relationships ADD COLUMN survey_rule TEXT NOT NULL DEFAULT 'FREQ=MONTHLY;INTERVAL=3';
ALTER TABLE relationships ADD COLUMN survey_next_at BIGINT;

CREATE TABLE survey_rounds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    relationship_id BIGINT NOT NULL REFERENCES relationships (id),
    opened_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (relationship_id, opened_at)
);

-- The questions a round asks, fixed when it opens: a later edit never changes a running round.
CREATE TABLE survey_round_questions (
    round_id BIGINT NOT NULL REFERENCES survey_rounds (id),
    question_id BIGINT NOT NULL REFERENCES survey_questions (id),
    audience TEXT NOT NULL,
    text TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (round_id, question_id)
);

-- Who was asked, and whether they answered: never what.
CREATE TABLE survey_invitations (
    round_id BIGINT NOT NULL REFERENCES survey_rounds (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    audience TEXT NOT NULL CHECK (audience IN ('about_supplier', 'about_customer')),
    answered BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (round_id, person_id, audience)
);
CREATE INDEX survey_invitations_person ON survey_invitations (person_id, answered);

-- What was answered: never by whom.
CREATE TABLE survey_responses (
    id BIGINT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES survey_rounds (id),
    audience TEXT NOT NULL CHECK (audience IN ('about_supplier', 'about_customer'))
);
CREATE INDEX survey_responses_round ON survey_responses (round_id, audience);

CREATE TABLE survey_scores (
    response_id BIGINT NOT NULL REFERENCES survey_responses (id),
    question_id BIGINT NOT NULL REFERENCES survey_questions (id),
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    PRIMARY KEY (response_id, question_id)
);

-- "One thing to start" and "one thing to stop", kept apart from the scores they came with.
CREATE TABLE survey_texts (
    id BIGINT PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES survey_rounds (id),
    audience TEXT NOT NULL CHECK (audience IN ('about_supplier', 'about_customer')),
    kind TEXT NOT NULL CHECK (kind IN ('start', 'stop')),
    text TEXT NOT NULL
);
CREATE INDEX survey_texts_round ON survey_texts (round_id, audience);

-- Reminders, each sent once whichever node runs the job.
CREATE TABLE survey_marks (
    round_id BIGINT NOT NULL REFERENCES survey_rounds (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    mark TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (round_id, person_id, mark)
);

-- The daily job that opens the rounds that are due, from the next start on.
INSERT INTO jobs (kind, job_key, payload, run_at, created_at) VALUES ('surveys_open', 'surveys:open', '{}', 0, 0);
