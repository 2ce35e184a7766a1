//! What can stop the server from starting, or a command from completing.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Unsupported(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("session store: {0}")]
    SessionStore(String),
    #[error("redis: {0}")]
    Redis(String),
    /// Redis may evict keys: revocations and rotation claims could vanish.
    #[error(
        "redis: maxmemory-policy is {0}, which may evict session keys (revocations, rotation \
         claims, blocks); set it to noeviction (CONFIG SET maxmemory-policy noeviction, or the \
         service's parameter group)"
    )]
    RedisEviction(String),
    #[error("mail: {0}")]
    Mail(#[from] app::ssr::mail::sender::SetupError),
    #[error("password hasher: {0}")]
    Hasher(#[from] app::ssr::passwords::HashError),
    /// A route of the app has no row in `app::pages::PAGES`: it would have no policy.
    #[error("pages without a policy in app::pages::PAGES: {0:?}")]
    PagesWithoutPolicy(Vec<String>),
    /// A role of `app::auth::Role` is missing from the `roles` table: add its migration.
    #[error("roles missing from the roles table (add an INSERT INTO roles migration): {0:?}")]
    RolesMissing(Vec<&'static str>),
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Why a subcommand failed; `main` prints it and exits non-zero.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("serving: {0}")]
    Serve(#[from] std::io::Error),
    /// A value given on the command line was refused, with the reason a form would show.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("a user with email {0} already exists")]
    EmailTaken(String),
    #[error("no user has the email {0}")]
    NoSuchUser(String),
}

impl CommandError {
    pub fn invalid(field: &'static str, reason: impl std::fmt::Display) -> Self {
        CommandError::Invalid {
            field,
            reason: reason.to_string(),
        }
    }
}
