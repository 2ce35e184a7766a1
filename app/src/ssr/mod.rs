//! Server-only code: the engine behind the server functions and the auth layer.
//!
//! Reading order, from what a server function touches to what lies beneath:
//! [`context`] (what a server function knows about its request: start here), [`state`] (what
//! every request shares), [`settings`], [`input`] (validated emails and passwords), [`users`]
//! and [`audit`] (tables), then the auth engine: [`tokens`] (access JWTs), [`cookies`],
//! [`refresh`] and [`sessions`] (refresh sessions: rotation, revocation, logins),
//! [`revocations`] (what page guards refuse), [`throttle`], [`passwords`] (Argon2 on its own
//! threads), [`client_address`] (who is asking, behind proxies), and the plumbing under them:
//! [`coordination`] (state every instance shares),
//! [`errors`] (failures as the user sees them), [`clock`], [`random`], [`server_secrets`] (the
//! signing key made at first start when none is configured). Account self-service by email:
//! [`mail`] (the outbox and its sender) and [`link_tokens`] (the one-time tokens in its links);
//! [`export`] (an account's own data, for download).

pub mod audit;
pub mod client_address;
pub mod clock;
pub mod context;
pub mod cookies;
pub mod coordination;
pub mod errors;
pub mod export;
pub mod input;
pub mod keyed_hash;
pub mod known_device;
pub mod link_tokens;
pub mod mail;
pub mod passwords;
pub mod random;
pub mod refresh;
pub mod revocations;
pub mod server_secrets;
pub mod sessions;
pub mod settings;
pub mod sign_in;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod users;
