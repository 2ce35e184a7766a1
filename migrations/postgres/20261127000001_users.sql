-- Accounts. Emails are stored normalised (trimmed, lower-case); the unique index on lower(email)
-- guards the uniqueness even if a caller forgets. Timestamps are unix seconds, as in SQLite.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    role          TEXT   NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));
