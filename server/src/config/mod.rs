//! Configuration from the environment (and `.env`), parsed once into one typed value.
//! `.env.example` documents every variable. Each group of settings has its file: [`auth`]
//! (lifetimes, throttling, client addresses, mail links), [`passkeys`] (the relying party),
//! [`secrets`] (the signing key),
//! [`mail`] (the relay or the outbox folder), [`bind`] (what may listen beyond this machine);
//! [`vars`] reads one variable.

mod auth;
mod bind;
mod mail;
#[cfg(test)]
mod passkey_tests;
mod passkeys;
mod secrets;
#[cfg(test)]
mod tests;
mod vars;

use app::ssr::platform::sealing::DataKey;
use app::ssr::settings::{AppEnv, MailSettings, Secret, Settings};
use std::env;
use std::path::PathBuf;
use vars::Vars;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/app.db";
pub const DEFAULT_MAIL_OUTBOX: &str = "data/outbox";

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub redis_url: Option<String>,
    /// `REDIS_CA_CERT`: a PEM file of the authority that signed the Redis server's certificate,
    /// trusted instead of the system's store for a `rediss://` URL (PostgreSQL's counterpart is
    /// the URL's own `sslrootcert`).
    pub redis_ca_cert: Option<PathBuf>,
    /// Connections to the database (`DATABASE_POOL_SIZE`) and to Redis (`REDIS_POOL_SIZE`).
    pub database_pool_size: u32,
    pub redis_pool_size: usize,
    /// Namespaces every session record, so apps sharing one Redis never meet.
    pub session_namespace: String,
    /// The token signing key (`JWT_SECRET`). `None` in `dev` and `test` when unset: the server
    /// then uses one it generated at first start and keeps in the database
    /// (`app::ssr::platform::server_secrets`).
    pub jwt_secret: Option<Secret>,
    /// Seals the secrets of second factors (`DATA_ENCRYPTION_KEY`). `None` when unset: `dev`
    /// and `test` then use one generated at first start and kept in the database; `prod` offers
    /// no two-step verification until it is set, and refuses to start without it once any
    /// account has a factor.
    pub data_key: Option<DataKey>,
    pub auth: Settings,
    pub mail: MailSettings,
    /// `ALLOW_PUBLIC_BIND=1`: `dev` or `test` may listen on an address other machines reach.
    pub allow_public_bind: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("refusing to start in prod: {0}")]
    Insecure(String),
    #[error("JWT_SECRET is refused: {0}")]
    WeakSecret(String),
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok().filter(|value| !value.is_empty()))
    }

    /// Parses configuration from any variable source (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let vars = Vars::new(lookup);
        let app_env = vars
            .parsed("APP_ENV", "dev, test or prod", AppEnv::parse)?
            .unwrap_or(AppEnv::Dev);
        let jwt_secret = secrets::jwt_secret(&vars, app_env)?;
        let data_key = secrets::data_key(&vars)?;
        let mut auth = auth::auth_settings(&vars, app_env)?;
        auth.passkeys = passkeys::relying_party(&vars, app_env, auth.public_origin.as_deref())?;
        let redis_url = vars.get("REDIS_URL");
        let redis_ca_cert = vars.get("REDIS_CA_CERT").map(PathBuf::from);
        if redis_ca_cert.is_some() && !redis_url.as_deref().is_some_and(uses_tls) {
            return Err(ConfigError::Invalid {
                name: "REDIS_CA_CERT",
                reason: "it only applies to a TLS connection: REDIS_URL must start with rediss://"
                    .into(),
            });
        }
        Ok(Config {
            database_url: vars
                .get("DATABASE_URL")
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            redis_url,
            redis_ca_cert,
            database_pool_size: vars
                .positive(
                    "DATABASE_POOL_SIZE",
                    u64::from(crate::backends::sql::DEFAULT_POOL_SIZE),
                    "connections",
                )?
                .min(u64::from(u32::MAX)) as u32,
            redis_pool_size: vars.positive(
                "REDIS_POOL_SIZE",
                crate::backends::redis::DEFAULT_POOL_SIZE as u64,
                "connections",
            )? as usize,
            session_namespace: vars
                .get("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| app::product::SLUG.into()),
            jwt_secret,
            data_key,
            mail: mail::mail_settings(&vars, app_env)?,
            auth,
            allow_public_bind: vars
                .get("ALLOW_PUBLIC_BIND")
                .is_some_and(|value| value == "1"),
        })
    }
}

/// Whether a Redis URL asks for TLS (`rediss://`, or Valkey's `valkeys://`).
fn uses_tls(redis_url: &str) -> bool {
    let scheme = redis_url.split_once("://").map_or("", |(scheme, _)| scheme);
    scheme.starts_with("rediss") || scheme.starts_with("valkeys")
}
