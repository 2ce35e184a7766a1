-- Secrets the server makes for itself when none is configured: the token signing key when
-- JWT_SECRET is unset (dev and test). Kept with the data, so restarts keep everyone signed in and
-- instances sharing the database sign alike; never shipped in the repository.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
