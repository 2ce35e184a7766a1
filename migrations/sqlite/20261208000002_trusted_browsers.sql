-- Browsers trusted to skip the second step: the SHA-256 of the browser's known-device id (never
-- the id itself), until `expires_at` (fixed when trusted, never extended by use), with the device
-- for the owner's list.
CREATE TABLE trusted_devices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    user_agent   TEXT,
    ip           TEXT,
    UNIQUE (user_id, device_hash)
);
