//! TLS to the session store, the database and the mail server, as managed services require:
//! `rediss://` with the server verified against `REDIS_CA_CERT`, PostgreSQL with
//! `sslmode=verify-full`, and `smtps://` verified against `SMTP_CA_CERT`. Every server is set up to
//! refuse a plain connection, so a passing test proves the encryption.

use crate::helpers::*;
use crate::processes::{eventually, RedisProcess, SmtpProcess, SmtpTls};
use app::auth::Role;
use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A throwaway certificate authority and a server certificate for 127.0.0.1 that it signed.
struct Authority {
    ca: PathBuf,
    certificate: PathBuf,
    key: PathBuf,
    _dir: tempfile::TempDir,
}

impl Authority {
    fn new() -> Authority {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let openssl = |args: &[&str]| {
            let status = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .stderr(std::process::Stdio::null())
                .status()
                .expect("openssl is installed (scripts/setup.sh --test installs it)");
            assert!(status.success(), "openssl {args:?}");
        };
        let new_key = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-x509"][..],
                &new_key,
                &["-days", "2", "-subj", "/CN=test authority"],
                &["-keyout", "ca.key", "-out", "ca.pem"],
            ]
            .concat(),
        );
        openssl(
            &[
                &["req"][..],
                &new_key,
                &["-subj", "/CN=127.0.0.1"],
                &["-keyout", "server.key", "-out", "server.csr"],
            ]
            .concat(),
        );
        std::fs::write(path("names.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "names.ext",
            "-out",
            "server.pem",
        ]);
        Authority {
            ca: path("ca.pem"),
            certificate: path("server.pem"),
            key: path("server.key"),
            _dir: dir,
        }
    }
}

/// An app on `redis` (over TLS, trusting `ca`); `Err` when it refuses to start.
async fn start_on_redis(
    redis: &RedisProcess,
    ca: &Path,
) -> Result<server::startup::Application, server::error::StartupError> {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/app.db", dir.path().display());
    let ca = ca.display().to_string();
    let vars = test_vars(
        &database,
        &[("REDIS_URL", &redis.url()), ("REDIS_CA_CERT", &ca)],
    );
    build_application(&vars, dir.path()).await
}

/// Signs up, signs in, refreshes and opens a guarded page on `app`.
async fn sessions_work(app: &TestApp) {
    let browser = app.signed_in("tls@example.com", Role::User).await;
    assert_eq!(
        browser.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(browser.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_live_in_a_redis_reached_over_tls() {
    let authority = Authority::new();
    let redis =
        RedisProcess::start_with_tls(authority.certificate.clone(), authority.key.clone()).await;
    let ca = authority.ca.display().to_string();
    let app = TestApp::spawn_with(&[
        ("REDIS_URL", &redis.url()),
        ("REDIS_CA_CERT", &ca),
        ("REDIS_KEY_PREFIX", "tls"),
    ])
    .await;
    sessions_work(&app).await;

    let keys = Command::new("redis-cli")
        .args([
            "--tls",
            "--cacert",
            &ca,
            "-p",
            &redis.port.to_string(),
            "--scan",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&keys.stdout).contains("tls"),
        "the session records are in the TLS Redis"
    );
}

#[tokio::test]
async fn a_redis_certificate_from_another_authority_is_refused_at_start() {
    let authority = Authority::new();
    let redis =
        RedisProcess::start_with_tls(authority.certificate.clone(), authority.key.clone()).await;
    let stranger = Authority::new();
    let refused = start_on_redis(&redis, &stranger.ca)
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(refused, server::error::StartupError::Redis(_)),
        "{refused}"
    );
    // The same server is accepted with its own authority, so the refusal was the certificate.
    assert!(start_on_redis(&redis, &authority.ca).await.is_ok());
}

/// The suite's PostgreSQL (scripts/services.sh) serves TLS and refuses the role `tls_only`
/// without it. Runs where the suite is on PostgreSQL; `backends.rs` fails a run that was meant
/// to be and is not.
#[tokio::test]
async fn the_database_is_reached_over_verified_tls() {
    let Some(server) = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!("TEST_POSTGRES_URL is not set: no PostgreSQL to reach over TLS in this run");
        return;
    };
    let ca = std::env::var("TEST_POSTGRES_CA").expect(
        "TEST_POSTGRES_CA names the authority of the suite's PostgreSQL (scripts/services.sh)",
    );
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database_url(dir.path()).await;
    assert!(server.contains("//postgres@"), "{server}");
    let as_tls_only = database.replacen("//postgres@", "//tls_only@", 1);

    let plain = test_vars(&format!("{as_tls_only}?sslmode=disable"), &[]);
    let refused = build_application(&plain, dir.path())
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(refused, server::error::StartupError::Database(_)),
        "{refused}"
    );

    // A certificate the configured authority did not sign is refused, whatever it encrypts.
    let stranger = Authority::new();
    let wrong = format!(
        "{as_tls_only}?sslmode=verify-full&sslrootcert={}",
        stranger.ca.display()
    );
    let refused = build_application(&test_vars(&wrong, &[]), dir.path())
        .await
        .err()
        .expect("another authority's certificate refused");
    assert!(
        matches!(refused, server::error::StartupError::Database(_)),
        "{refused}"
    );

    let verified = format!("{as_tls_only}?sslmode=verify-full&sslrootcert={ca}");
    let app = TestApp::spawn_with(&[("DATABASE_URL", &verified)]).await;
    sessions_work(&app).await;
}

/// Asks for a reset link for a fresh account on `app` (mail goes out in the background).
async fn mail_a_reset_link(app: &TestApp, email: &str) {
    app.create_user(email, Role::User).await;
    let response = app
        .browser()
        .post_form("/api/request_password_reset", &[("email", email)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn mail_goes_out_over_tls_to_a_server_verified_against_smtp_ca_cert() {
    let authority = Authority::new();
    let ca = authority.ca.to_string_lossy().into_owned();
    for mode in [SmtpTls::Implicit, SmtpTls::StartTls] {
        let (certificate, key) = (authority.certificate.clone(), authority.key.clone());
        let smtp = SmtpProcess::started_with_tls(mode, certificate, key).await;
        let app = TestApp::spawn_with(&[("SMTP_URL", &smtp.url()), ("SMTP_CA_CERT", &ca)]).await;
        mail_a_reset_link(&app, "over-tls@example.com").await;
        let delivered = eventually(std::time::Duration::from_secs(10), || {
            std::future::ready(!smtp.received().is_empty())
        })
        .await;
        assert!(delivered, "{mode:?}: the mail went out over TLS");
        let mail = smtp.received().pop().unwrap();
        assert_eq!(mail.to, "over-tls@example.com");
        assert!(mail.link_to("/reset-password").is_some());
    }
}

/// Waits until the mail to `email` has failed at least once (and waits to be retried).
async fn delivery_failed(app: &TestApp, email: &str) -> bool {
    eventually(std::time::Duration::from_secs(10), || async {
        let error: Option<Option<String>> =
            sqlx::query_scalar("SELECT last_error FROM mail_outbox WHERE recipient = $1")
                .bind(email)
                .fetch_optional(&app.state.db)
                .await
                .unwrap();
        matches!(error, Some(Some(_)))
    })
    .await
}

#[tokio::test]
async fn an_smtp_server_with_a_certificate_from_another_authority_gets_no_mail() {
    let (ours, theirs) = (Authority::new(), Authority::new());
    let (certificate, key) = (theirs.certificate.clone(), theirs.key.clone());
    let smtp = SmtpProcess::started_with_tls(SmtpTls::Implicit, certificate, key).await;
    let ca = ours.ca.to_string_lossy().into_owned();
    let app = TestApp::spawn_with(&[("SMTP_URL", &smtp.url()), ("SMTP_CA_CERT", &ca)]).await;
    let email = "not-to-strangers@example.com";
    mail_a_reset_link(&app, email).await;
    assert!(
        delivery_failed(&app, email).await,
        "the delivery failed and waits to be retried"
    );
    assert!(smtp.received().is_empty(), "nothing reached the stranger");
}

#[tokio::test]
async fn tls_required_gets_no_mail_through_to_a_server_that_does_not_offer_it() {
    // `?tls=required` must not fall back to plain text when the server offers no STARTTLS
    // (a downgrade an attacker on the path can force by stripping the offer).
    let smtp = SmtpProcess::started().await;
    let url = format!("{}?tls=required", smtp.url());
    let app = TestApp::spawn_with(&[("SMTP_URL", &url)]).await;
    let email = "never-in-clear@example.com";
    mail_a_reset_link(&app, email).await;
    assert!(delivery_failed(&app, email).await, "the delivery failed");
    assert!(smtp.received().is_empty(), "nothing went out in clear text");
}
