//! The auth settings: token and session lifetimes, throttling, client addresses, mail links.
//! Every default comes from `Settings::for_env`; a variable only overrides it.

use super::vars::Vars;
use super::ConfigError;
use app::ssr::settings::{AppEnv, EmailVerification, Settings, ThrottleLimits};
use app::ssr::throttle::client_address::{Network, TrustedProxies};
use http::HeaderName;
use std::time::Duration;

/// Longest accepted `ACCESS_TOKEN_TTL`: an access token cannot be revoked before it lapses on
/// a server that has not heard of the revocation, so it stays short.
const MAX_ACCESS_TTL: Duration = Duration::from_secs(3600);
/// Longest accepted `RESET_TOKEN_TTL`: a reset link waiting in a mailbox is a way in.
const MAX_RESET_TTL: Duration = Duration::from_secs(3600);
/// Longest accepted `STEP_UP_MAX_AGE`: past an hour, "recently" no longer means anything.
const MAX_STEP_UP_AGE: Duration = Duration::from_secs(3600);
/// Longest accepted `REFRESH_GRACE`: concurrent tabs refresh within a second or two of each other.
const MAX_REFRESH_GRACE: Duration = Duration::from_secs(60);

pub(super) fn auth_settings(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    app_env: AppEnv,
) -> Result<Settings, ConfigError> {
    let hash_concurrency = vars
        .parsed("PASSWORD_HASH_CONCURRENCY", "a positive integer", |value| {
            value.parse::<usize>().ok().filter(|n| *n > 0)
        })?
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let public_origin = public_origin(vars, app_env)?;
    let mut auth = Settings::for_env(app_env);
    lifetimes(vars, &mut auth)?;
    auth.throttle = throttle_limits(vars, auth.throttle)?;
    auth.trusted_proxies = trusted_proxies(vars)?;
    auth.bench_routes = vars.get("BENCH_ROUTES").is_some_and(|value| value == "1");
    auth.audit_retention = Duration::from_secs(
        vars.positive(
            "AUDIT_RETENTION_DAYS",
            auth.audit_retention.as_secs() / 86_400,
            "days",
        )?
        .saturating_mul(86_400),
    );
    if let Some(mode) = vars.parsed(
        "EMAIL_VERIFICATION",
        "required or optional",
        EmailVerification::parse,
    )? {
        auth.email_verification = mode;
    }
    auth.reset_token_ttl =
        vars.seconds_at_most("RESET_TOKEN_TTL", auth.reset_token_ttl, MAX_RESET_TTL)?;
    auth.mfa_required_roles = mfa_required_roles(vars)?;
    let trust_days = vars.parsed("MFA_TRUST_DAYS", "a number of days (0: never)", |value| {
        value.parse::<u64>().ok().filter(|days| *days <= 365)
    })?;
    if let Some(days) = trust_days {
        auth.mfa_trust = Duration::from_secs(days * 86_400);
    }
    auth.step_up_max_age =
        vars.seconds_at_most("STEP_UP_MAX_AGE", auth.step_up_max_age, MAX_STEP_UP_AGE)?;
    if app_env == AppEnv::Prod && auth.email_verification == EmailVerification::Optional {
        tracing::warn!(
            "EMAIL_VERIFICATION=optional in prod: sign-up then tells whether an address already \
             has an account (409), and accounts may use addresses they do not own"
        );
    }
    auth.public_origin = public_origin;
    auth.hash_concurrency = hash_concurrency;
    Ok(auth)
}

/// `MFA_REQUIRED_ROLES`: roles by name, comma-separated; an unknown name is refused.
fn mfa_required_roles(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<Vec<app::auth::Role>, ConfigError> {
    let Some(value) = vars.get("MFA_REQUIRED_ROLES") else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            app::auth::Role::parse(name).ok_or_else(|| ConfigError::Invalid {
                name: "MFA_REQUIRED_ROLES",
                reason: format!("unknown role {name:?}. {}", app::auth::Role::choose_one()),
            })
        })
        .collect()
}

/// `PUBLIC_ORIGIN`, the site's origin for links in mail: `scheme://host[:port]` and nothing
/// else (a path, a query or a `user@` would end up in every mailed link); `prod` needs one, on
/// https.
fn public_origin(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    app_env: AppEnv,
) -> Result<Option<String>, ConfigError> {
    let origin = vars.parsed(
        "PUBLIC_ORIGIN",
        "an origin, like https://app.example",
        parse_origin,
    )?;
    if app_env == AppEnv::Prod {
        match origin.as_deref() {
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
    Ok(origin)
}

/// `value` as `scheme://host[:port]` (one trailing slash allowed), or `None`.
pub(super) fn parse_origin(value: &str) -> Option<String> {
    let value = value.strip_suffix('/').unwrap_or(value);
    let (scheme, authority) = value.split_once("://")?;
    if !matches!(scheme, "http" | "https") || authority.contains(['@', '/', '\\', '?', '#']) {
        return None;
    }
    let parsed: http::uri::Authority = authority.parse().ok()?;
    (!parsed.host().is_empty()).then(|| format!("{scheme}://{authority}"))
}

/// The access token's and the refresh session's lifetimes, and the grace for concurrent tabs.
fn lifetimes(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    auth: &mut Settings,
) -> Result<(), ConfigError> {
    auth.access_ttl = vars.seconds_at_most("ACCESS_TOKEN_TTL", auth.access_ttl, MAX_ACCESS_TTL)?;
    auth.refresh_ttl = vars.seconds("REFRESH_TOKEN_TTL", auth.refresh_ttl)?;
    auth.refresh_idle_ttl = vars
        .seconds("REFRESH_IDLE_TTL", auth.refresh_idle_ttl)?
        .min(auth.refresh_ttl);
    if !vars.is_set("REFRESH_GRACE") {
        // The default never outlasts a short access token (test setups shorten it).
        auth.refresh_grace = auth
            .refresh_grace
            .min(auth.access_ttl / 2)
            .max(Duration::from_secs(1));
        return Ok(());
    }
    auth.refresh_grace = vars.seconds("REFRESH_GRACE", auth.refresh_grace)?;
    if auth.refresh_grace >= auth.access_ttl || auth.refresh_grace > MAX_REFRESH_GRACE {
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
    Ok(())
}

/// Sign-in, sign-up and mail limits, each defaulting to `limits`.
fn throttle_limits(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    limits: ThrottleLimits,
) -> Result<ThrottleLimits, ConfigError> {
    Ok(ThrottleLimits {
        account_failures: vars.positive(
            "LOGIN_MAX_FAILURES",
            limits.account_failures,
            "attempts",
        )?,
        account_failures_everywhere: vars.positive(
            "LOGIN_MAX_FAILURES_ACCOUNT_WIDE",
            limits.account_failures_everywhere,
            "attempts",
        )?,
        account_failures_daily: vars.positive(
            "LOGIN_MAX_FAILURES_PER_DAY",
            limits.account_failures_daily,
            "attempts",
        )?,
        address_failures: vars.positive(
            "LOGIN_MAX_FAILURES_PER_IP",
            limits.address_failures,
            "attempts",
        )?,
        window: vars.seconds("LOGIN_FAILURE_WINDOW", limits.window)?,
        first_block: vars.seconds("LOGIN_BLOCK", limits.first_block)?,
        registrations_per_address: vars.positive(
            "REGISTER_MAX_PER_IP",
            limits.registrations_per_address,
            "accounts",
        )?,
        passkey_ceremonies_per_address: vars.positive(
            "PASSKEY_MAX_CEREMONIES_PER_IP",
            limits.passkey_ceremonies_per_address,
            "ceremonies",
        )?,
        mail_per_recipient: vars.positive(
            "MAIL_MAX_PER_RECIPIENT",
            limits.mail_per_recipient,
            "mails",
        )?,
        mail_per_address: vars.positive("MAIL_MAX_PER_IP", limits.mail_per_address, "mails")?,
        mail_window: limits.mail_window,
        second_step_attempts: vars.positive(
            "MFA_MAX_FAILURES",
            limits.second_step_attempts,
            "attempts",
        )?,
        second_step_failures: vars.positive(
            "MFA_MAX_FAILURES_ACCOUNT_WIDE",
            limits.second_step_failures,
            "attempts",
        )?,
    })
}

/// `TRUSTED_PROXY_HOPS` (how many proxies append to the forwarding header; default 0, which
/// ignores it), `CLIENT_IP_HEADER` (default `X-Forwarded-For`) and `TRUSTED_PROXIES` (the
/// proxies' networks, comma-separated; unset: any peer).
fn trusted_proxies(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<TrustedProxies, ConfigError> {
    let mut proxies = TrustedProxies::default();
    if let Some(value) = vars.get("TRUSTED_PROXY_HOPS") {
        proxies.hops = value.trim().parse().map_err(|_| ConfigError::Invalid {
            name: "TRUSTED_PROXY_HOPS",
            reason: format!("expected how many proxies are in front (0, 1, 2…), got {value:?}"),
        })?;
    }
    if let Some(value) = vars.get("CLIENT_IP_HEADER") {
        proxies.header = HeaderName::try_from(value.trim()).map_err(|_| ConfigError::Invalid {
            name: "CLIENT_IP_HEADER",
            reason: format!("{value:?} is not a header name"),
        })?;
    }
    if let Some(value) = vars.get("TRUSTED_PROXIES") {
        proxies.networks = value
            .split(',')
            .map(|network| {
                Network::parse(network).ok_or_else(|| ConfigError::Invalid {
                    name: "TRUSTED_PROXIES",
                    reason: format!("{network:?} is not an address or a network like 10.0.0.0/8"),
                })
            })
            .collect::<Result<_, _>>()?;
        if proxies.hops == 0 {
            return Err(ConfigError::Invalid {
                name: "TRUSTED_PROXIES",
                reason: "it names proxies, but TRUSTED_PROXY_HOPS is 0 (the header is ignored)"
                    .into(),
            });
        }
    } else if proxies.hops > 0 {
        tracing::warn!(
            "TRUSTED_PROXY_HOPS is set without TRUSTED_PROXIES: the forwarding header is believed \
             from any connection, so the app must be reachable through the proxies only"
        );
    }
    Ok(proxies)
}
