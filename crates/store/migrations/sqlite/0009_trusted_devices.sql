-- Browsers that signed in to an account before carry a device cookie; its digest lives here.
-- Failed sign-ins from such a device are counted apart (login_failures.device), so a stranger's
-- failures cannot pause the person's own browser.
CREATE TABLE trusted_devices (
    token_hash TEXT NOT NULL,
    email TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (token_hash, email)
);
CREATE INDEX trusted_devices_expires ON trusted_devices (expires_at);

ALTER TABLE login_failures ADD COLUMN device TEXT;
