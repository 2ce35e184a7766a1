-- Account self-service by email.

-- When the account proved it receives mail at its address (unix seconds); NULL until then.
-- Accounts that existed before verification count as verified: nobody can be asked now.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- Mail waiting to go out, written by the request that caused it and sent in the background, so a
-- restart loses nothing and no answer waits on the mail server. Times are unix milliseconds.
-- A sender claims a row by moving `next_attempt_at` past its lease; bodies are blanked once sent
-- (they may carry a link's token).
CREATE TABLE mail_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    failed_at       BIGINT,
    last_error      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- One-time tokens of the links in mail: only their SHA-256 is kept, with what they may do
-- (`purpose`), for which account and address, until when (unix seconds), and when they were spent.
CREATE TABLE link_tokens (
    token_hash TEXT    PRIMARY KEY,
    purpose    TEXT    NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX link_tokens_account ON link_tokens (user_id, purpose);
