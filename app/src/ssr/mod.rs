//! Server-only code: configuration, state, tokens, passwords, sessions and queries.

pub mod account;
pub mod admin;
pub mod argon_memory;
pub mod audit;
pub mod context;
pub mod cookies;
pub mod flows;
pub mod hash_threads;
pub mod input;
pub mod passwords;
pub mod revocations;
pub mod sessions;
pub mod settings;
pub mod shared;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod users;
