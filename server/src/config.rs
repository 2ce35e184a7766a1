//! Configuration from the environment (and `.env`), parsed once into one typed value.
//! `.env.example` documents every variable.

use app::ssr::settings::{AppEnv, AuthSettings, Secret, ThrottleLimits};
use std::env;
use std::time::Duration;

/// Used only in `dev` and `test` when `JWT_SECRET` is unset; `prod` refuses to start with it.
const DEV_JWT_SECRET: &str = "dev-only-secret-change-me-dev-only-secret-change-me";
const MIN_SECRET_BYTES: usize = 32;
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/app.db";

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub redis_url: Option<String>,
    /// Connections to the database (`DATABASE_POOL_SIZE`) and to Redis (`REDIS_POOL_SIZE`).
    pub database_pool_size: u32,
    pub redis_pool_size: usize,
    /// Namespaces every session record, so apps sharing one Redis never meet.
    pub session_namespace: String,
    pub auth: AuthSettings,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("refusing to start in prod: {0}")]
    Insecure(String),
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok().filter(|value| !value.is_empty()))
    }

    /// Parses configuration from any variable source (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let app_env = match lookup("APP_ENV") {
            None => AppEnv::Dev,
            Some(value) => AppEnv::parse(&value).ok_or_else(|| ConfigError::Invalid {
                name: "APP_ENV",
                reason: format!("expected dev, test or prod, got {value:?}"),
            })?,
        };
        let positive = |name: &'static str, default: u64, unit: &str| match lookup(name) {
            None => Ok(default),
            Some(value) => match value.trim().parse::<u64>() {
                Ok(number) if number > 0 => Ok(number),
                _ => Err(ConfigError::Invalid {
                    name,
                    reason: format!("expected a positive number of {unit}, got {value:?}"),
                }),
            },
        };
        let seconds = |name: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            positive(name, default.as_secs(), "seconds").map(Duration::from_secs)
        };
        let jwt_secret = match lookup("JWT_SECRET") {
            Some(secret) => secret,
            None if app_env == AppEnv::Prod => {
                return Err(ConfigError::Insecure("JWT_SECRET must be set".into()))
            }
            None => DEV_JWT_SECRET.to_owned(),
        };
        if app_env == AppEnv::Prod {
            if jwt_secret == DEV_JWT_SECRET {
                return Err(ConfigError::Insecure(
                    "JWT_SECRET is the development default".into(),
                ));
            }
            if jwt_secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::Insecure(format!(
                    "JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"
                )));
            }
        }
        let hash_concurrency = match lookup("PASSWORD_HASH_CONCURRENCY") {
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
            Some(value) => value
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "PASSWORD_HASH_CONCURRENCY",
                    reason: format!("expected a positive integer, got {value:?}"),
                })?,
        };
        let public_origin =
            lookup("PUBLIC_ORIGIN").map(|origin| origin.trim_end_matches('/').to_owned());
        if app_env == AppEnv::Prod
            && public_origin
                .as_deref()
                .is_some_and(|origin| !origin.starts_with("https://"))
        {
            return Err(ConfigError::Insecure("PUBLIC_ORIGIN must be https".into()));
        }

        // Every default comes from `AuthSettings::for_env`; a variable only overrides it.
        let mut auth = AuthSettings::for_env(app_env, Secret::new(jwt_secret));
        auth.access_ttl = seconds("ACCESS_TOKEN_TTL", auth.access_ttl)?;
        auth.refresh_ttl = seconds("REFRESH_TOKEN_TTL", auth.refresh_ttl)?;
        auth.refresh_idle_ttl =
            seconds("REFRESH_IDLE_TTL", auth.refresh_idle_ttl)?.min(auth.refresh_ttl);
        auth.refresh_grace = seconds("REFRESH_GRACE", auth.refresh_grace)?;
        let limits = auth.throttle;
        auth.throttle = ThrottleLimits {
            account_failures: positive("LOGIN_MAX_FAILURES", limits.account_failures, "attempts")?,
            address_failures: positive(
                "LOGIN_MAX_FAILURES_PER_IP",
                limits.address_failures,
                "attempts",
            )?,
            window: seconds("LOGIN_FAILURE_WINDOW", limits.window)?,
            first_block: seconds("LOGIN_BLOCK", limits.first_block)?,
        };
        auth.bench_routes = lookup("BENCH_ROUTES").is_some_and(|value| value == "1");
        auth.public_origin = public_origin;
        auth.hash_concurrency = hash_concurrency;

        Ok(Config {
            database_url: lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            redis_url: lookup("REDIS_URL"),
            database_pool_size: positive(
                "DATABASE_POOL_SIZE",
                u64::from(crate::backends::sql::DEFAULT_POOL_SIZE),
                "connections",
            )?
            .min(u64::from(u32::MAX)) as u32,
            redis_pool_size: positive(
                "REDIS_POOL_SIZE",
                crate::backends::redis::DEFAULT_POOL_SIZE as u64,
                "connections",
            )? as usize,
            session_namespace: lookup("REDIS_KEY_PREFIX").unwrap_or_else(|| "lha".into()),
            auth,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::ssr::settings::HashCost;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_dev_setup() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.auth.env, AppEnv::Dev);
        assert_eq!(config.auth.access_ttl, Duration::from_secs(900));
        assert_eq!(config.auth.refresh_ttl, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(config.auth.hash_cost, HashCost::OWASP);
    }

    #[test]
    fn prod_refuses_missing_default_or_short_secrets() {
        for vars in [
            vec![("APP_ENV", "prod")],
            vec![("APP_ENV", "prod"), ("JWT_SECRET", DEV_JWT_SECRET)],
            vec![("APP_ENV", "prod"), ("JWT_SECRET", "short")],
        ] {
            assert!(
                matches!(parse(&vars), Err(ConfigError::Insecure(_))),
                "{vars:?}"
            );
        }
        let strong = "x".repeat(48);
        let config = parse(&[("APP_ENV", "prod"), ("JWT_SECRET", &strong)]).unwrap();
        assert!(config.auth.secure_cookies());
        assert_eq!(config.auth.hash_cost, HashCost::OWASP);
    }

    #[test]
    fn lifetimes_must_be_positive_numbers() {
        assert!(parse(&[("ACCESS_TOKEN_TTL", "0")]).is_err());
        assert!(parse(&[("ACCESS_TOKEN_TTL", "soon")]).is_err());
        assert!(parse(&[("APP_ENV", "staging")]).is_err());
        let config = parse(&[("ACCESS_TOKEN_TTL", "5"), ("REFRESH_TOKEN_TTL", "60")]).unwrap();
        assert_eq!(config.auth.access_ttl, Duration::from_secs(5));
        assert_eq!(config.auth.refresh_idle_ttl, Duration::from_secs(60));
    }

    #[test]
    fn only_the_test_profile_may_hash_fast() {
        assert_eq!(
            parse(&[("APP_ENV", "test")]).unwrap().auth.hash_cost,
            HashCost::FAST_FOR_TESTS
        );
        assert_eq!(
            parse(&[("APP_ENV", "dev")]).unwrap().auth.hash_cost,
            HashCost::OWASP
        );
    }
}
