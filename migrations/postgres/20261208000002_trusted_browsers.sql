-- Browsers trusted to skip the second step: the SHA-256 of the browser's known-device id (never
-- the id itself), until `expires_at` (fixed when trusted, never extended by use), with the device
-- for the owner's list.
CREATE TABLE trusted_devices (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_hash  TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    user_agent   TEXT,
    ip           TEXT,
    UNIQUE (user_id, device_hash)
);
