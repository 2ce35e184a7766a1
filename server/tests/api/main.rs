//! HTTP-level tests: every test starts the real app on port 0 with a fresh database (SQLite, or
//! PostgreSQL and Redis when `TEST_POSTGRES_URL` / `TEST_REDIS_URL` name servers).

mod helpers;
mod hostile;
#[path = "../common/in_process.rs"]
mod in_process;
mod mail;

mod accounts;
mod admin;
mod assets;
mod audit;
mod backends;
mod cli;
mod coordination;
mod cross_site;
mod devices;
mod email;
mod guards;
mod headers;
mod input;
mod instances;
mod lifecycle;
mod lifetimes;
mod outages;
mod passkeys;
mod personal_data;
mod policies;
mod processes;
mod redis_outages;
mod rename;
mod sessions;
mod step_up;
mod takeover;
mod tls;
mod tokens;
mod two_step;
