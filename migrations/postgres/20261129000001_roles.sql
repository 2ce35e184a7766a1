-- Roles are data: every role of `app::auth::Role` is a row here, and `users.role` must name one.
-- A new role is one `INSERT INTO roles (name) VALUES ('…');` in a new migration, in each engine's
-- folder; the server refuses to start while a role of the code has no row.
CREATE TABLE roles (
    name TEXT PRIMARY KEY
);
INSERT INTO roles (name) VALUES ('user'), ('admin');

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_fkey FOREIGN KEY (role) REFERENCES roles (name);
