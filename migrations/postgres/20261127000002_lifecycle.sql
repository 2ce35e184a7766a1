-- Session lifecycle state when sessions live in this database (with Redis, Redis holds it).
-- Expiry times are unix milliseconds; rows past them count as absent and are swept.

-- Small values shared by every instance: rotation claims and throttling blocks.
CREATE TABLE auth_kv (
    key        TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Counters with a window: failed sign-ins per account and per address.
CREATE TABLE auth_counters (
    key        TEXT   PRIMARY KEY,
    count      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Sets with members that expire one by one: each user's logins, for the devices list.
CREATE TABLE auth_set_members (
    set_key    TEXT    NOT NULL,
    member     TEXT    NOT NULL,
    expires_at BIGINT  NOT NULL,
    PRIMARY KEY (set_key, member)
);

-- The revocation feed every instance follows to refuse revoked access tokens on page requests.
CREATE TABLE revocations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Security events, newest read first. Token ids appear only as hashes; times are unix seconds.
CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    user_id     BIGINT,
    family_hash TEXT,
    ip          TEXT,
    user_agent  TEXT,
    detail      TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
