//! Server-only code: configuration, state, tokens, passwords, sessions and queries.

pub mod context;
pub mod cookies;
pub mod flows;
pub mod input;
pub mod passwords;
pub mod sessions;
pub mod settings;
pub mod state;
pub mod tokens;
pub mod users;
