-- Two-step verification.

-- An account's authenticator: its seed sealed under DATA_ENCRYPTION_KEY (bound to this account),
-- when it was confirmed with a first code (NULL while set-up is under way), and the last time
-- step a code was accepted for: a code is accepted once, and the set-up code never signs in.
CREATE TABLE user_totp (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed  TEXT    NOT NULL,
    confirmed_at   INTEGER,
    last_used_step INTEGER,
    created_at     INTEGER NOT NULL
);

-- Recovery codes: the first group of each in clear (to find it), the rest Argon2id-hashed;
-- `used_at` is set once, when it is spent.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lookup     TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    UNIQUE (user_id, lookup)
);
