//! The settings the auth core needs, already parsed and checked (the server binary reads them
//! from the environment).

use crate::ssr::throttle::client_address::TrustedProxies;
use std::fmt;
use std::time::Duration;

/// Which kind of deployment this is. `prod` refuses insecure settings; `test` may use fast
/// password hashing; `dev` uses plain cookie names so it works over plain HTTP on any host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Dev,
    Test,
    Prod,
}

impl AppEnv {
    pub fn parse(value: &str) -> Option<AppEnv> {
        match value {
            "dev" => Some(AppEnv::Dev),
            "test" => Some(AppEnv::Test),
            "prod" => Some(AppEnv::Prod),
            _ => None,
        }
    }

    /// The name `APP_ENV` gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            AppEnv::Dev => "dev",
            AppEnv::Test => "test",
            AppEnv::Prod => "prod",
        }
    }
}

/// A secret whose `Debug` output never shows the value.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Argon2id cost. OWASP's recommendation is the default; only `test` may lower it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashCost {
    pub const OWASP: HashCost = HashCost {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };
    /// For test suites only: keeps hundreds of sign-ins fast. Never accepted in `prod`.
    pub const FAST_FOR_TESTS: HashCost = HashCost {
        memory_kib: 1_024,
        iterations: 1,
        parallelism: 1,
    };
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub env: AppEnv,
    pub access_ttl: Duration,
    /// Absolute lifetime of a login (refresh session family).
    pub refresh_ttl: Duration,
    /// A refresh session unused for this long ends, even before its absolute lifetime.
    pub refresh_idle_ttl: Duration,
    /// How long the previous refresh credential stays usable after a rotation (concurrent tabs).
    pub refresh_grace: Duration,
    pub issuer: String,
    pub audience: String,
    /// The site's own origin (`https://example.com`), for the cross-site request check. When
    /// unset, the origin is derived from the request's `Host` header.
    pub public_origin: Option<String>,
    pub hash_cost: HashCost,
    /// How many password hashes may run at once (each takes ~19 MiB and a core for a while).
    pub hash_concurrency: usize,
    pub throttle: ThrottleLimits,
    /// The proxies in front of the app, whose forwarding header names the client.
    pub trusted_proxies: TrustedProxies,
    /// Serve the benchmark pages under `/bench` (`BENCH_ROUTES=1`); off by default.
    pub bench_routes: bool,
    /// How long audit events are kept (`AUDIT_RETENTION_DAYS`).
    pub audit_retention: Duration,
    /// Whether signing in waits for the address to be confirmed (`EMAIL_VERIFICATION`).
    pub email_verification: EmailVerification,
    /// How long a password-reset link works (`RESET_TOKEN_TTL`).
    pub reset_token_ttl: Duration,
    /// How long a link confirming an address works.
    pub verify_token_ttl: Duration,
    /// How long the old address can undo a completed address change: the window in which the
    /// owner of an account taken over that way can get it back.
    pub undo_email_change_ttl: Duration,
    /// How recent the last interactive authentication must be for a step-up action
    /// (`STEP_UP_MAX_AGE`): older, and the user confirms it's them first.
    pub step_up_max_age: Duration,
    /// Roles whose accounts must have a second factor (`MFA_REQUIRED_ROLES`): until they set one
    /// up, their logins can do nothing else.
    pub mfa_required_roles: Vec<crate::auth::Role>,
    /// How long a browser trusted at the second step skips it (`MFA_TRUST_DAYS`); zero: never.
    pub mfa_trust: Duration,
    /// Where passkeys work (`WEBAUTHN_RP_ID` and its origins); `None` with `PASSKEYS=off`.
    pub passkeys: Option<RelyingParty>,
}

/// The passkey settings (`PASSKEYS`, `WEBAUTHN_RP_ID`, `WEBAUTHN_RP_NAME`,
/// `WEBAUTHN_EXTRA_ORIGINS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingParty {
    /// The registrable domain passkeys are scoped to: the site's host or a suffix of it.
    pub id: String,
    /// The name an authenticator shows beside the account.
    pub name: String,
    /// Origins whose pages may use the passkeys: the site's, then any extra ones.
    pub origins: Vec<url::Url>,
    /// Any port of those origins (`dev` and `test` only, whose servers pick free ports).
    pub any_port: bool,
}

impl RelyingParty {
    /// `dev` and `test`: `localhost`, on any port.
    pub fn local(name: &str) -> RelyingParty {
        RelyingParty {
            id: "localhost".to_owned(),
            name: name.to_owned(),
            // Cannot fail: a literal, valid URL.
            origins: vec![url::Url::parse("http://localhost").expect("a valid literal URL")],
            any_port: true,
        }
    }
}

/// `EMAIL_VERIFICATION`: `required` refuses sign-in until the account has followed the link
/// mailed to its address (and sign-up then never says whether an address was taken);
/// `optional` lets it in and shows a reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailVerification {
    Required,
    Optional,
}

impl EmailVerification {
    pub fn parse(value: &str) -> Option<EmailVerification> {
        match value {
            "required" => Some(EmailVerification::Required),
            "optional" => Some(EmailVerification::Optional),
            _ => None,
        }
    }
}

/// Where outgoing mail goes: an SMTP server (`SMTP_URL`), or else `.eml` files in a directory
/// (`MAIL_OUTBOX`), so the app runs with no mail service at all.
#[derive(Clone, Debug)]
pub enum MailTransport {
    Smtp {
        url: Secret,
        /// `SMTP_CA_CERT`: a PEM file of the authority that signed the server's certificate,
        /// trusted instead of the system's store.
        ca_cert: Option<std::path::PathBuf>,
    },
    Directory(std::path::PathBuf),
}

#[derive(Clone, Debug)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// The sender (`MAIL_FROM`), as `Name <address>` or a bare address.
    pub from: String,
}

/// When failed sign-ins start being refused with 429 (see `throttle`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Attempts on one account from one source within `window` before that source is blocked:
    /// from one known device, or from unknown browsers at one address group.
    pub account_failures: u64,
    /// Failures on one account from unknown browsers at every address together before the
    /// account is blocked for all of them (its known devices keep their own counts).
    pub account_failures_everywhere: u64,
    /// Failures on one account from unknown browsers at every address within a day: past it, the
    /// account refuses unknown browsers for a day (a patient guesser spread over many addresses
    /// gets this many guesses a day, not `account_failures_everywhere` every `window`).
    pub account_failures_daily: u64,
    /// Failures from one IP address within `window`: higher, as many people may share one.
    pub address_failures: u64,
    pub window: Duration,
    /// The first block; each further failure doubles it, up to `window`.
    pub first_block: Duration,
    /// Accounts one address may create within `window` (an IPv6 address: its /64).
    pub registrations_per_address: u64,
    /// Passkey ceremonies (sign-in options) one address group may start within `window`.
    pub passkey_ceremonies_per_address: u64,
    /// Mails one address may be sent within `mail_window` (resets, links, notices).
    pub mail_per_recipient: u64,
    /// Mails the clients of one address group may cause within `mail_window`.
    pub mail_per_address: u64,
    pub mail_window: Duration,
    /// Codes one sign-in waiting for its second step may try before it is void.
    pub second_step_attempts: u64,
    /// Wrong second-step codes one account may get within `window`, from everywhere together
    /// (whoever tries already has the password): past it, the second step is blocked for the
    /// rest of the window and the owner is told, once.
    pub second_step_failures: u64,
}

impl ThrottleLimits {
    pub const DEFAULT: ThrottleLimits = ThrottleLimits {
        account_failures: 5,
        account_failures_everywhere: 50,
        account_failures_daily: 200,
        address_failures: 50,
        window: Duration::from_secs(15 * 60),
        first_block: Duration::from_secs(30),
        registrations_per_address: 20,
        passkey_ceremonies_per_address: 100,
        mail_per_recipient: 5,
        mail_per_address: 20,
        mail_window: Duration::from_secs(3600),
        second_step_attempts: 5,
        second_step_failures: 10,
    };
    /// The `test` profile's: suites create many accounts from one address.
    pub const FOR_TEST_SUITES: ThrottleLimits = ThrottleLimits {
        registrations_per_address: 10_000,
        passkey_ceremonies_per_address: 10_000,
        mail_per_address: 10_000,
        ..ThrottleLimits::DEFAULT
    };
}

impl Settings {
    /// `Secure` cookies with the `__Host-` prefix everywhere but `dev`.
    pub fn secure_cookies(&self) -> bool {
        self.env != AppEnv::Dev
    }

    /// The defaults of a profile (the signing key is not a setting here: see `TokenIssuer::new`).
    pub fn for_env(env: AppEnv) -> Self {
        Self {
            env,
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            refresh_idle_ttl: Duration::from_secs(14 * 24 * 3600),
            refresh_grace: Duration::from_secs(5),
            issuer: crate::product::SLUG.to_owned(),
            audience: crate::product::SLUG.to_owned(),
            public_origin: None,
            hash_cost: if env == AppEnv::Test {
                HashCost::FAST_FOR_TESTS
            } else {
                HashCost::OWASP
            },
            hash_concurrency: 2,
            throttle: if env == AppEnv::Test {
                ThrottleLimits::FOR_TEST_SUITES
            } else {
                ThrottleLimits::DEFAULT
            },
            trusted_proxies: TrustedProxies::default(),
            bench_routes: false,
            audit_retention: Duration::from_secs(90 * 24 * 3600),
            email_verification: if env == AppEnv::Prod {
                EmailVerification::Required
            } else {
                EmailVerification::Optional
            },
            reset_token_ttl: Duration::from_secs(30 * 60),
            verify_token_ttl: Duration::from_secs(24 * 3600),
            undo_email_change_ttl: Duration::from_secs(7 * 24 * 3600),
            step_up_max_age: Duration::from_secs(600),
            mfa_required_roles: Vec::new(),
            mfa_trust: Duration::from_secs(30 * 24 * 3600),
            // `prod` takes its relying party from `PUBLIC_ORIGIN` (see the server's config).
            passkeys: (env != AppEnv::Prod).then(|| RelyingParty::local(crate::product::NAME)),
        }
    }
}
