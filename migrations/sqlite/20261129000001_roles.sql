-- Roles are data: every role of `app::auth::Role` is a row here, and `users.role` must name one.
-- A new role is one `INSERT INTO roles (name) VALUES ('…');` in a new migration, in each engine's
-- folder; the server refuses to start while a role of the code has no row.
CREATE TABLE roles (
    name TEXT PRIMARY KEY
);
INSERT INTO roles (name) VALUES ('user'), ('admin');

-- SQLite cannot drop the CHECK the role column had: rebuild the table with a foreign key instead.
CREATE TABLE users_with_roles (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL DEFAULT 'user' REFERENCES roles (name),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    disabled_at   INTEGER
);
INSERT INTO users_with_roles (id, email, password_hash, role, created_at, updated_at, disabled_at)
    SELECT id, email, password_hash, role, created_at, updated_at, disabled_at FROM users;
DROP TABLE users;
ALTER TABLE users_with_roles RENAME TO users;
