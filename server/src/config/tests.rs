//! The configuration's rules, each on a map of variables.

use super::secrets::PUBLISHED_DEV_SECRET;
use super::*;
use app::ssr::settings::{EmailVerification, HashCost, MailTransport};
use std::collections::HashMap;
use std::time::Duration;

pub(super) fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
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

pub(super) const STRONG: &str = "k3Jv9-QwZt_7hLmN2pXr8sYc4dFg6bHa0eUi1oTj5";
const ORIGIN: (&str, &str) = ("PUBLIC_ORIGIN", "https://app.example");
pub(super) const SMTP: (&str, &str) = ("SMTP_URL", "smtps://mailer:secret@smtp.example:465");

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
    let proxies = parse(&[
        ("TRUSTED_PROXY_HOPS", "1"),
        ("TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32,192.0.2.7"),
    ])
    .unwrap()
    .auth
    .trusted_proxies;
    assert_eq!(proxies.networks.len(), 3);
    for refused in [
        &[
            ("TRUSTED_PROXY_HOPS", "1"),
            ("TRUSTED_PROXIES", "10.0.0.0/40"),
        ][..],
        &[
            ("TRUSTED_PROXY_HOPS", "1"),
            ("TRUSTED_PROXIES", "proxy.internal"),
        ],
        &[("TRUSTED_PROXIES", "10.0.0.0/8")],
    ] {
        let error = parse(refused).unwrap_err();
        assert!(error.to_string().contains("TRUSTED_PROXIES"), "{error}");
    }
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

#[test]
fn public_origin_is_an_origin_and_nothing_more() {
    for (given, kept) in [
        ("https://app.example", "https://app.example"),
        ("https://app.example/", "https://app.example"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
    ] {
        let config = parse(&[("PUBLIC_ORIGIN", given)]).unwrap();
        assert_eq!(config.auth.public_origin.as_deref(), Some(kept), "{given}");
    }
    for refused in [
        "https://app.example/path",
        "https://user@app.example",
        "https://localhost:1@evil.example",
        "https://app.example?next=x",
        "https://app.example#x",
        "ftp://app.example",
        "https://",
        "app.example",
        "https://app example",
    ] {
        let error = parse(&[("PUBLIC_ORIGIN", refused)]).unwrap_err();
        assert!(
            error.to_string().contains("PUBLIC_ORIGIN"),
            "{refused}: {error}"
        );
    }
}

#[test]
fn token_and_link_lifetimes_have_ceilings() {
    for (name, longest) in [("ACCESS_TOKEN_TTL", 3600), ("RESET_TOKEN_TTL", 3600)] {
        assert!(parse(&[(name, &longest.to_string())]).is_ok(), "{name}");
        let error = parse(&[(name, &(longest + 1).to_string())]).unwrap_err();
        assert!(error.to_string().contains(name), "{error}");
    }
}

#[test]
fn only_prod_listens_beyond_this_machine_unless_told_and_never_with_benchmark_pages() {
    let outside: std::net::SocketAddr = "0.0.0.0:3000".parse().unwrap();
    for inside in ["127.0.0.1:3000", "[::1]:3000"] {
        let inside = inside.parse().unwrap();
        for env in ["dev", "test"] {
            let config = parse(&[("APP_ENV", env), ("BENCH_ROUTES", "1")]).unwrap();
            assert_eq!(config.check_listen_address(inside), Ok(()), "{env}");
        }
    }
    let refused = |vars: &[(&str, &str)]| {
        let config = parse(vars).unwrap();
        let error = config.check_listen_address(outside).unwrap_err();
        error.to_string()
    };
    for env in ["dev", "test"] {
        assert!(
            refused(&[("APP_ENV", env), ORIGIN]).contains("ALLOW_PUBLIC_BIND"),
            "{env}"
        );
        let told = [("APP_ENV", env), ("ALLOW_PUBLIC_BIND", "1")];
        assert!(refused(&told).contains("PUBLIC_ORIGIN"), "{env}");
        let config = parse(&[told[0], told[1], ORIGIN]).unwrap();
        assert_eq!(config.check_listen_address(outside), Ok(()), "{env}");
    }
    let prod = [("APP_ENV", "prod"), ("JWT_SECRET", STRONG), ORIGIN, SMTP];
    let config = parse(&prod).unwrap();
    assert_eq!(config.check_listen_address(outside), Ok(()));
    let bench = [prod[0], prod[1], prod[2], prod[3], ("BENCH_ROUTES", "1")];
    assert!(refused(&bench).contains("BENCH_ROUTES"));
}

#[test]
fn the_data_key_is_thirty_two_bytes_and_step_up_at_most_an_hour() {
    let key = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
    assert!(parse(&[("DATA_ENCRYPTION_KEY", key)])
        .unwrap()
        .data_key
        .is_some());
    for bad in [
        "short",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        STRONG,
    ] {
        assert!(parse(&[("DATA_ENCRYPTION_KEY", bad)]).is_err(), "{bad}");
    }
    let config = parse(&[("STEP_UP_MAX_AGE", "120"), ("MFA_MAX_FAILURES", "3")]).unwrap();
    assert_eq!(config.auth.step_up_max_age, Duration::from_secs(120));
    assert_eq!(config.auth.throttle.second_step_attempts, 3);
    assert!(parse(&[("STEP_UP_MAX_AGE", "3601")]).is_err());
}
