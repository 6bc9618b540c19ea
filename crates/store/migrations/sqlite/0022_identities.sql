-- People's accounts at the company's identity providers (single sign-on), found by the
-- provider's stable subject, so a changed email at the provider still finds the same person.
CREATE TABLE identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people (id),
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_person ON identities (person_id);

-- Sign-ins sent to a provider and not yet back: what the answer must match (state, nonce,
-- PKCE verifier). Each is used once, whichever node receives the answer.
CREATE TABLE sso_attempts (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sso_attempts_created ON sso_attempts (created_at);
