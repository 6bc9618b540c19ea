-- Who does what between two partner teams: a relationship's responsibilities table. Each side's
-- agreement is kept apart; an edit by one side asks the other again.

CREATE TABLE responsibilities (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    relationship_id BIGINT NOT NULL REFERENCES relationships (id),
    activity TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('supplier', 'customer')),
    responsible_id BIGINT REFERENCES people (id),
    consulted TEXT NOT NULL DEFAULT '',
    when_text TEXT NOT NULL DEFAULT '',
    commitment_id BIGINT REFERENCES commitments (id),
    service_id BIGINT REFERENCES services (id),
    agreed_by_supplier BOOLEAN NOT NULL DEFAULT FALSE,
    agreed_by_customer BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX responsibilities_relationship ON responsibilities (relationship_id);
