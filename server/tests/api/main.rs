//! HTTP-level tests: every test starts the real app on port 0 with a fresh SQLite database.

mod helpers;

mod accounts;
mod cli;
mod cross_site;
mod guards;
mod input;
mod outages;
mod policies;
mod sessions;
mod tokens;
