-- An administrator can disable an account: it cannot sign in and its sessions are ended.
-- NULL while the account is enabled; otherwise when it was disabled (unix seconds).
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
