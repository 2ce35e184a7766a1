//! Configuration from the environment (and `.env`), parsed once into one typed value.
//! `.env.example` documents every variable.

use app::ssr::client_address::TrustedProxies;
use app::ssr::settings::{
    AppEnv, AuthSettings, EmailVerification, MailSettings, MailTransport, Secret, ThrottleLimits,
};
use http::HeaderName;
use std::env;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The signing key earlier versions of this template used in `dev` and `test`: published, so
/// refused everywhere (a deployment may still have it in its environment).
const PUBLISHED_DEV_SECRET: &str = "dev-only-secret-change-me-dev-only-secret-change-me";
const MIN_SECRET_BYTES: usize = 32;
/// A key of at least 32 bytes that uses fewer different characters than this (`aaaa…`,
/// `abababab…`) was typed, not generated.
const MIN_SECRET_DISTINCT_CHARS: usize = 8;
/// Longest accepted `REFRESH_GRACE`: concurrent tabs refresh within a second or two of each other.
const MAX_REFRESH_GRACE: Duration = Duration::from_secs(60);
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
    /// (`app::ssr::server_secrets`).
    pub jwt_secret: Option<Secret>,
    pub auth: AuthSettings,
    pub mail: MailSettings,
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
            Some(secret) => Some(checked_secret(secret)?),
            None if app_env == AppEnv::Prod => {
                return Err(ConfigError::Insecure("JWT_SECRET must be set".into()))
            }
            None => None,
        };
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
        if app_env == AppEnv::Prod {
            match public_origin.as_deref() {
                None => {
                    return Err(ConfigError::Insecure(
                        "PUBLIC_ORIGIN must be set (the site's https:// origin)".into(),
                    ))
                }
                Some(origin) if !origin.starts_with("https://") => {
                    return Err(ConfigError::Insecure("PUBLIC_ORIGIN must be https".into()))
                }
                Some(_) => {}
            }
        }

        // Every default comes from `AuthSettings::for_env`; a variable only overrides it.
        let mut auth = AuthSettings::for_env(app_env);
        auth.access_ttl = seconds("ACCESS_TOKEN_TTL", auth.access_ttl)?;
        auth.refresh_ttl = seconds("REFRESH_TOKEN_TTL", auth.refresh_ttl)?;
        auth.refresh_idle_ttl =
            seconds("REFRESH_IDLE_TTL", auth.refresh_idle_ttl)?.min(auth.refresh_ttl);
        auth.refresh_grace = match lookup("REFRESH_GRACE") {
            // The default never outlasts a short access token (test setups shorten it).
            None => auth
                .refresh_grace
                .min(auth.access_ttl / 2)
                .max(Duration::from_secs(1)),
            Some(_) => seconds("REFRESH_GRACE", auth.refresh_grace)?,
        };
        if lookup("REFRESH_GRACE").is_some()
            && (auth.refresh_grace >= auth.access_ttl || auth.refresh_grace > MAX_REFRESH_GRACE)
        {
            return Err(ConfigError::Invalid {
                name: "REFRESH_GRACE",
                reason: format!(
                    "{} s is too long: the grace for concurrent tabs must be shorter than the \
                     access token's lifetime ({} s) and at most {} s",
                    auth.refresh_grace.as_secs(),
                    auth.access_ttl.as_secs(),
                    MAX_REFRESH_GRACE.as_secs()
                ),
            });
        }
        let limits = auth.throttle;
        auth.throttle = ThrottleLimits {
            account_failures: positive("LOGIN_MAX_FAILURES", limits.account_failures, "attempts")?,
            account_failures_everywhere: positive(
                "LOGIN_MAX_FAILURES_ACCOUNT_WIDE",
                limits.account_failures_everywhere,
                "attempts",
            )?,
            address_failures: positive(
                "LOGIN_MAX_FAILURES_PER_IP",
                limits.address_failures,
                "attempts",
            )?,
            window: seconds("LOGIN_FAILURE_WINDOW", limits.window)?,
            first_block: seconds("LOGIN_BLOCK", limits.first_block)?,
            registrations_per_address: positive(
                "REGISTER_MAX_PER_IP",
                limits.registrations_per_address,
                "accounts",
            )?,
            mail_per_recipient: positive(
                "MAIL_MAX_PER_RECIPIENT",
                limits.mail_per_recipient,
                "mails",
            )?,
            mail_per_address: positive("MAIL_MAX_PER_IP", limits.mail_per_address, "mails")?,
            mail_window: limits.mail_window,
        };
        auth.trusted_proxies = trusted_proxies(&lookup)?;
        auth.bench_routes = lookup("BENCH_ROUTES").is_some_and(|value| value == "1");
        auth.audit_retention = Duration::from_secs(
            positive(
                "AUDIT_RETENTION_DAYS",
                auth.audit_retention.as_secs() / 86_400,
                "days",
            )?
            .saturating_mul(86_400),
        );
        if let Some(value) = lookup("EMAIL_VERIFICATION") {
            auth.email_verification =
                EmailVerification::parse(value.trim()).ok_or_else(|| ConfigError::Invalid {
                    name: "EMAIL_VERIFICATION",
                    reason: format!("expected required or optional, got {value:?}"),
                })?;
        }
        auth.reset_token_ttl = seconds("RESET_TOKEN_TTL", auth.reset_token_ttl)?;
        auth.public_origin = public_origin;
        auth.hash_concurrency = hash_concurrency;

        let redis_url = lookup("REDIS_URL");
        let redis_ca_cert = lookup("REDIS_CA_CERT").map(PathBuf::from);
        if redis_ca_cert.is_some() && !redis_url.as_deref().is_some_and(uses_tls) {
            return Err(ConfigError::Invalid {
                name: "REDIS_CA_CERT",
                reason: "it only applies to a TLS connection: REDIS_URL must start with rediss://"
                    .into(),
            });
        }

        Ok(Config {
            database_url: lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            redis_url,
            redis_ca_cert,
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
            jwt_secret,
            mail: mail_settings(&lookup, app_env)?,
            auth,
        })
    }
}

/// `SMTP_URL` (`smtp://user:pass@host:587?tls=required`, `smtps://…:465`), else `.eml` files
/// in `MAIL_OUTBOX`; `MAIL_FROM` names the sender. `prod` must send real mail, over TLS.
fn mail_settings(
    lookup: &impl Fn(&str) -> Option<String>,
    env: AppEnv,
) -> Result<MailSettings, ConfigError> {
    let transport = match lookup("SMTP_URL") {
        Some(url) => {
            let parsed = url::Url::parse(&url).map_err(|_| ConfigError::Invalid {
                name: "SMTP_URL",
                reason: "expected smtp://host:port or smtps://host:port".into(),
            })?;
            let tls = parsed.scheme() == "smtps"
                || parsed
                    .query_pairs()
                    .any(|(key, value)| key == "tls" && value == "required");
            if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
                return Err(ConfigError::Invalid {
                    name: "SMTP_URL",
                    reason: format!(
                        "expected smtp://host:port or smtps://host:port, got scheme {:?}",
                        parsed.scheme()
                    ),
                });
            }
            if !tls && lookup("SMTP_CA_CERT").is_some() {
                return Err(ConfigError::Invalid {
                    name: "SMTP_CA_CERT",
                    reason: "it only applies to a TLS connection: SMTP_URL must be smtps:// or \
                             smtp://…?tls=required"
                        .into(),
                });
            }
            if env == AppEnv::Prod && !tls {
                return Err(ConfigError::Insecure(
                    "SMTP_URL must use TLS (smtps://, or smtp://…?tls=required)".into(),
                ));
            }
            MailTransport::Smtp {
                url: Secret::new(url),
                ca_cert: lookup("SMTP_CA_CERT").map(PathBuf::from),
            }
        }
        None if env == AppEnv::Prod => {
            return Err(ConfigError::Insecure(
                "SMTP_URL must be set: password resets and address checks need real mail".into(),
            ))
        }
        None if lookup("SMTP_CA_CERT").is_some() => {
            return Err(ConfigError::Invalid {
                name: "SMTP_CA_CERT",
                reason: "it only applies to a TLS connection: set SMTP_URL".into(),
            })
        }
        None => MailTransport::Directory(PathBuf::from(
            lookup("MAIL_OUTBOX").unwrap_or_else(|| DEFAULT_MAIL_OUTBOX.into()),
        )),
    };
    let from = lookup("MAIL_FROM")
        .unwrap_or_else(|| format!("{} <no-reply@localhost>", app::product::NAME));
    if lettre::message::Mailbox::from_str(&from).is_err() {
        return Err(ConfigError::Invalid {
            name: "MAIL_FROM",
            reason: format!("expected an address or `Name <address>`, got {from:?}"),
        });
    }
    Ok(MailSettings { transport, from })
}

/// Whether a Redis URL asks for TLS (`rediss://`, or Valkey's `valkeys://`).
fn uses_tls(redis_url: &str) -> bool {
    let scheme = redis_url.split_once("://").map_or("", |(scheme, _)| scheme);
    scheme.starts_with("rediss") || scheme.starts_with("valkeys")
}

/// `TRUSTED_PROXY_HOPS` (how many proxies append to the forwarding header; default 0, which
/// ignores it) and `CLIENT_IP_HEADER` (default `X-Forwarded-For`).
fn trusted_proxies(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<TrustedProxies, ConfigError> {
    let mut proxies = TrustedProxies::default();
    if let Some(value) = lookup("TRUSTED_PROXY_HOPS") {
        proxies.hops = value.trim().parse().map_err(|_| ConfigError::Invalid {
            name: "TRUSTED_PROXY_HOPS",
            reason: format!("expected how many proxies are in front (0, 1, 2…), got {value:?}"),
        })?;
    }
    if let Some(value) = lookup("CLIENT_IP_HEADER") {
        proxies.header = HeaderName::try_from(value.trim()).map_err(|_| ConfigError::Invalid {
            name: "CLIENT_IP_HEADER",
            reason: format!("{value:?} is not a header name"),
        })?;
    }
    Ok(proxies)
}

/// `JWT_SECRET` if it could be a generated key: long, not the published development value, not
/// a typed pattern. Checked in every profile: a weak key is as weak in `dev` on a public address.
fn checked_secret(secret: String) -> Result<Secret, ConfigError> {
    if secret == PUBLISHED_DEV_SECRET {
        return Err(ConfigError::WeakSecret(
            "it is the development value published with this template; generate one \
             (openssl rand -base64 48) or leave it unset outside prod"
                .into(),
        ));
    }
    if secret.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::WeakSecret(format!(
            "it must be at least {MIN_SECRET_BYTES} bytes (openssl rand -base64 48)"
        )));
    }
    let distinct: std::collections::HashSet<char> = secret.chars().collect();
    if distinct.len() < MIN_SECRET_DISTINCT_CHARS {
        return Err(ConfigError::WeakSecret(format!(
            "it has fewer than {MIN_SECRET_DISTINCT_CHARS} different characters: use a \
             generated key (openssl rand -base64 48)"
        )));
    }
    Ok(Secret::new(secret))
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

    const STRONG: &str = "k3Jv9-QwZt_7hLmN2pXr8sYc4dFg6bHa0eUi1oTj5";
    const ORIGIN: (&str, &str) = ("PUBLIC_ORIGIN", "https://app.example");
    const SMTP: (&str, &str) = ("SMTP_URL", "smtps://mailer:secret@smtp.example:465");

    #[test]
    fn prod_refuses_a_missing_secret_and_any_profile_a_weak_one() {
        assert!(matches!(
            parse(&[("APP_ENV", "prod"), ORIGIN]),
            Err(ConfigError::Insecure(_))
        ));
        for env in ["dev", "test", "prod"] {
            for weak in [
                PUBLISHED_DEV_SECRET,
                "short",
                &"x".repeat(48),
                &"ab".repeat(24),
            ] {
                assert!(
                    matches!(
                        parse(&[("APP_ENV", env), ("JWT_SECRET", weak), ORIGIN]),
                        Err(ConfigError::WeakSecret(_))
                    ),
                    "{env}: {weak}"
                );
            }
        }
        let config = parse(&[("APP_ENV", "prod"), ("JWT_SECRET", STRONG), ORIGIN, SMTP]).unwrap();
        assert!(config.auth.secure_cookies());
        assert_eq!(config.auth.hash_cost, HashCost::OWASP);
        assert_eq!(config.jwt_secret.unwrap().expose(), STRONG);
    }

    #[test]
    fn without_a_secret_dev_and_test_use_the_key_kept_in_the_database() {
        for env in ["dev", "test"] {
            assert!(parse(&[("APP_ENV", env)]).unwrap().jwt_secret.is_none());
        }
    }

    #[test]
    fn prod_needs_its_https_public_origin() {
        let secret = ("JWT_SECRET", STRONG);
        for origin in [None, Some("http://app.example")] {
            let mut vars = vec![("APP_ENV", "prod"), secret, SMTP];
            vars.extend(origin.map(|origin| ("PUBLIC_ORIGIN", origin)));
            let refused = parse(&vars).unwrap_err();
            assert!(refused.to_string().contains("PUBLIC_ORIGIN"), "{refused}");
        }
    }

    #[test]
    fn the_refresh_grace_stays_shorter_than_an_access_token() {
        for (access, grace) in [("900", "61"), ("10", "10"), ("5", "30")] {
            let refused = parse(&[("ACCESS_TOKEN_TTL", access), ("REFRESH_GRACE", grace)]);
            assert!(
                matches!(
                    refused,
                    Err(ConfigError::Invalid {
                        name: "REFRESH_GRACE",
                        ..
                    })
                ),
                "access {access}, grace {grace}"
            );
        }
        let config = parse(&[("ACCESS_TOKEN_TTL", "2"), ("REFRESH_GRACE", "1")]).unwrap();
        assert_eq!(config.auth.refresh_grace, Duration::from_secs(1));
        // Unset, the default shrinks to fit a short access token.
        let config = parse(&[("ACCESS_TOKEN_TTL", "6")]).unwrap();
        assert_eq!(config.auth.refresh_grace, Duration::from_secs(3));
        assert_eq!(
            parse(&[]).unwrap().auth.refresh_grace,
            Duration::from_secs(5)
        );
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
    fn trusted_proxies_are_off_unless_configured() {
        let proxies = parse(&[]).unwrap().auth.trusted_proxies;
        assert_eq!(
            (proxies.header.as_str(), proxies.hops),
            ("x-forwarded-for", 0)
        );
        let proxies = parse(&[
            ("TRUSTED_PROXY_HOPS", "2"),
            ("CLIENT_IP_HEADER", "X-Real-IP"),
        ])
        .unwrap()
        .auth
        .trusted_proxies;
        assert_eq!((proxies.header.as_str(), proxies.hops), ("x-real-ip", 2));
        assert!(parse(&[("TRUSTED_PROXY_HOPS", "-1")]).is_err());
        assert!(parse(&[("CLIENT_IP_HEADER", "not a header")]).is_err());
    }

    #[test]
    fn prod_sends_real_mail_over_tls_and_other_profiles_write_files() {
        let prod = [("APP_ENV", "prod"), ("JWT_SECRET", STRONG), ORIGIN];
        let refused = parse(&prod).unwrap_err();
        assert!(refused.to_string().contains("SMTP_URL"), "{refused}");
        let mut plain = prod.to_vec();
        plain.push(("SMTP_URL", "smtp://smtp.example:25"));
        assert!(matches!(parse(&plain), Err(ConfigError::Insecure(_))));
        for tls in [
            "smtps://smtp.example:465",
            "smtp://user:pass@smtp.example:587?tls=required",
        ] {
            let mut vars = prod.to_vec();
            vars.push(("SMTP_URL", tls));
            assert!(matches!(
                parse(&vars).unwrap().mail.transport,
                MailTransport::Smtp { ca_cert: None, .. }
            ));
        }
        let dev = parse(&[]).unwrap();
        assert!(matches!(
            dev.mail.transport,
            MailTransport::Directory(ref dir) if dir == &PathBuf::from(DEFAULT_MAIL_OUTBOX)
        ));
        assert_eq!(dev.auth.email_verification, EmailVerification::Optional);
        assert_eq!(dev.auth.reset_token_ttl, Duration::from_secs(1800));
        assert_eq!(
            parse(&[SMTP, ("APP_ENV", "prod"), ("JWT_SECRET", STRONG), ORIGIN])
                .unwrap()
                .auth
                .email_verification,
            EmailVerification::Required
        );
    }

    #[test]
    fn mail_settings_are_checked() {
        for (name, value) in [
            ("SMTP_URL", "http://smtp.example"),
            ("SMTP_URL", "not a url"),
            ("MAIL_FROM", "not an address"),
            ("EMAIL_VERIFICATION", "sometimes"),
            ("RESET_TOKEN_TTL", "0"),
            ("SMTP_CA_CERT", "/etc/ssl/relay-ca.pem"),
        ] {
            let refused = parse(&[(name, value)]).unwrap_err();
            assert!(
                refused.to_string().contains(name),
                "{name}={value}: {refused}"
            );
        }
        let config = parse(&[
            ("MAIL_FROM", "Acme <hello@acme.example>"),
            ("EMAIL_VERIFICATION", "required"),
        ])
        .unwrap();
        assert_eq!(config.mail.from, "Acme <hello@acme.example>");
        assert_eq!(config.auth.email_verification, EmailVerification::Required);
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
