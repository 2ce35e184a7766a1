//! Server-only code: what server functions use, and the auth engine beneath it.
//!
//! **What a feature uses**, in reading order: [`context`] (what a server function knows about
//! its request: start here), [`state`] (what every request shares), [`settings`], [`input`]
//! (validated emails and passwords), [`users`] (the accounts table), [`sign_in`] (starting a
//! login), [`two_step`] (second factors: authenticator codes, recovery codes, the sign-in that
//! waits for them), [`errors`] (failures as the user sees them), [`audit`] (the security log), [`mail`]
//! (the outbox, its sender, the texts and the one-time link tokens) and [`personal_data`]
//! (every table that holds an account's data: what its export and its erasure do; a feature
//! that stores per-user data adds its table there).
//!
//! **The engine**, which a feature calls through [`state`] and need not open: [`tokens`] (access
//! JWTs and the cookies that carry them), [`sessions`] (refresh sessions: rotation, reuse
//! detection, revocation, the revocation feed page guards follow), [`passwords`] (Argon2 on
//! its own threads), [`throttle`] (sign-in and mail limits, known devices, client addresses
//! behind proxies), and [`platform`] beneath them all (the store every instance shares, time,
//! randomness, keyed hashes, the generated signing key).

pub mod audit;
pub mod context;
pub mod errors;
pub mod input;
pub mod mail;
pub mod passkeys;
pub mod passwords;
pub mod personal_data;
pub mod platform;
pub mod sessions;
pub mod settings;
pub mod sign_in;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod two_step;
pub mod users;
