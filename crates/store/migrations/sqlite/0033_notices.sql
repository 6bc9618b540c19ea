-- One row per notice, and a narrow row per person it went to. A notice used to be copied into a
-- row per recipient (its text, its JSON and a text key each time, under three indexes); a new
-- request told to a team of eight wrote 27 index entries. Now the notice is written once and
-- each recipient is one entry in a table ordered by person, which is also the bell's order.

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    request_id INTEGER REFERENCES requests (id),
    commitment_id INTEGER REFERENCES commitments (id),
    review_id INTEGER REFERENCES reviews (id),
    actor_id INTEGER REFERENCES people (id),
    summary TEXT NOT NULL,
    notice TEXT,
    -- The event behind the notice (kind, subject, source), so a retried change tells no one twice.
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- `channel`: the bell only, or also mail now, or also the next daily digest.
CREATE TABLE notice_recipients (
    person_id INTEGER NOT NULL REFERENCES people (id),
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    channel TEXT NOT NULL DEFAULT 'in_app',
    read_at BIGINT,
    digested_at BIGINT,
    PRIMARY KEY (person_id, notice_id)
) WITHOUT ROWID;

CREATE INDEX notice_recipients_digest ON notice_recipients (person_id, notice_id)
    WHERE channel = 'digest' AND digested_at IS NULL;

-- Everything up to this notice is read: "mark all read" moves it, so the bell counts only what
-- came after it instead of every notice a person ever had.
CREATE TABLE notice_marks (
    person_id INTEGER PRIMARY KEY REFERENCES people (id),
    read_through BIGINT NOT NULL
);

-- The old rows of one event become one notice (the weekly notice differs per person, so it
-- stays one per person); the event key is the old key without its last part, the person.
CREATE TEMPORARY TABLE notice_events AS
    SELECT id, CASE WHEN kind = 'weekly' THEN dedupe_key
                    ELSE substr(dedupe_key, 1, length(dedupe_key) - length(':' || person_id)) END AS event_key
    FROM notifications;

INSERT INTO notices (id, kind, request_id, commitment_id, review_id, actor_id, summary, notice, dedupe_key, created_at)
    SELECT n.id, n.kind, n.request_id, n.commitment_id, n.review_id, n.actor_id, n.summary, n.notice, f.event_key, n.created_at
    FROM (SELECT event_key, MIN(id) AS first FROM notice_events GROUP BY event_key) f
    JOIN notifications n ON n.id = f.first;

INSERT INTO notice_recipients (person_id, notice_id, channel, read_at, digested_at)
    SELECT n.person_id, x.id, n.channel, n.read_at, n.digested_at
    FROM notifications n
    JOIN notice_events e ON e.id = n.id
    JOIN notices x ON x.dedupe_key = e.event_key;

DROP TABLE notice_events;
DROP TABLE notifications;
