-- Passkeys (WebAuthn credentials). `webauthn_handle` is the random user id the account's
-- passkeys carry (made at the first registration; never the account id or the address), by
-- which a sign-in without a typed address finds the account. A passkey row keeps what
-- webauthn-rs needs to check the next assertion (public key, signature counter, backup flags)
-- as its JSON, beside the columns the owner's list shows.
ALTER TABLE users ADD COLUMN webauthn_handle TEXT;
CREATE UNIQUE INDEX users_webauthn_handle ON users (webauthn_handle);

CREATE TABLE passkeys (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT   NOT NULL UNIQUE,
    passkey       TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    backup_eligible BIGINT NOT NULL,
    backup_state  BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);
