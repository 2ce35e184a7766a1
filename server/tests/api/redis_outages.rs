//! Redis outages, against a Redis of the test's own: frozen, stopped, restarted.

use crate::helpers::*;
use crate::processes::{eventually, RedisProcess};
use app::auth::Role;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// Far above the 250 ms command timeout: this checks that nothing hangs, not how fast it is
/// (the measured figures are in the issue notes).
const NO_HANG: Duration = Duration::from_secs(2);

async fn app_on(redis: &RedisProcess) -> TestApp {
    TestApp::spawn_with(&[("REDIS_URL", &redis.url())]).await
}

#[tokio::test]
async fn with_redis_frozen_sign_in_fails_fast_with_503_and_token_pages_keep_serving() {
    let redis = RedisProcess::start().await;
    let app = app_on(&redis).await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    app.create_user("bob@example.com", Role::User).await;

    redis.freeze();
    let started = Instant::now();
    let login = app
        .browser()
        .post_login("bob@example.com", PASSWORD, None)
        .await;
    let waited = started.elapsed();
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(waited < NO_HANG, "login hung for {waited:?}");
    assert_eq!(json(login).await["code"], "unavailable");
    assert_eq!(user.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(user.get("/admin").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.browser().get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    redis.thaw();
    let recovered = eventually(Duration::from_secs(5), || async {
        app.browser()
            .post_login("bob@example.com", PASSWORD, None)
            .await
            .status()
            == StatusCode::OK
    })
    .await;
    assert!(recovered, "sign-in works again once Redis answers");
}

#[tokio::test]
async fn after_redis_restarts_the_app_recovers_by_itself() {
    let mut redis = RedisProcess::start().await;
    let app = app_on(&redis).await;
    let user = app.signed_in("ada@example.com", Role::User).await;

    redis.stop();
    let started = Instant::now();
    let refresh = user.post_form("/api/refresh", &[]).await;
    assert_eq!(refresh.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < NO_HANG,
        "refresh hung for {:?}",
        started.elapsed()
    );
    assert!(
        user.cookie(REFRESH_COOKIE).is_some(),
        "an outage never signs anyone out"
    );
    let login = app
        .browser()
        .post_login("ada@example.com", PASSWORD, None)
        .await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(user.get("/dashboard").await.status(), StatusCode::OK);

    // This Redis keeps nothing on disk, so the sessions are gone; signing in works again.
    redis.restart().await;
    let recovered = eventually(Duration::from_secs(5), || async {
        let login = app
            .browser()
            .post_login("ada@example.com", PASSWORD, None)
            .await;
        login.status() == StatusCode::OK
    })
    .await;
    assert!(
        recovered,
        "sign-in works again within seconds of Redis coming back"
    );
}

fn redis_cli(port: u16, args: &[&str]) {
    let status = std::process::Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("redis-cli is installed with redis-server");
    assert!(status.success());
}

/// A Redis that may evict keys would silently drop revocations and rotation claims: `prod`
/// refuses to start on one, naming the policy, and starts once it is `noeviction`.
#[tokio::test]
async fn prod_refuses_a_redis_that_may_evict_session_keys() {
    let redis = RedisProcess::start().await;
    redis_cli(
        redis.port,
        &["CONFIG", "SET", "maxmemory-policy", "volatile-lru"],
    );
    let dir = tempfile::tempdir().unwrap();
    let vars: std::collections::HashMap<String, String> = [
        ("APP_ENV", "prod".to_owned()),
        ("JWT_SECRET", JWT_SECRET.to_owned()),
        ("PUBLIC_ORIGIN", "https://app.example".to_owned()),
        ("SMTP_URL", "smtps://smtp.example:465".to_owned()),
        ("DATABASE_URL", fresh_database_url(dir.path()).await),
        ("REDIS_URL", redis.url()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();

    let refused = build_application(&vars, dir.path())
        .await
        .err()
        .expect("refused");
    assert!(refused.to_string().contains("volatile-lru"), "{refused}");

    redis_cli(
        redis.port,
        &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    );
    assert!(build_application(&vars, dir.path()).await.is_ok());
}

#[tokio::test]
async fn a_sign_out_during_an_outage_still_clears_the_browsers_cookies() {
    let redis = RedisProcess::start().await;
    let app = app_on(&redis).await;
    let user = app.signed_in("ada@example.com", Role::User).await;

    redis.freeze();
    let response = user.post_form("/api/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let cleared = set_cookies(response.headers());
    for name in [ACCESS_COOKIE, REFRESH_COOKIE] {
        assert!(
            cleared
                .iter()
                .any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0")),
            "{name} not cleared: {cleared:?}"
        );
    }
    assert_eq!(user.cookie(REFRESH_COOKIE), None);
    redis.thaw();
}

/// A new instance reads the whole feed before it serves, however many pages it takes: the
/// newest revocation, behind more than a page of older ones, is known from its first request.
#[tokio::test]
async fn a_new_instance_knows_every_live_revocation_before_it_serves() {
    use app::ssr::sessions::revocation_feed::Revocation;
    let redis = RedisProcess::start().await;
    // Both instances on one Redis namespace, whatever the run's default.
    let shared = [
        ("REDIS_URL", redis.url()),
        ("REDIS_KEY_PREFIX", "feed".to_owned()),
    ];
    let shared: Vec<(&str, &str)> = shared.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = TestApp::spawn_with(&shared).await;
    let coordination = first.state.sessions.coordination();
    for n in 0..1_100 {
        let filler = Revocation::Family {
            family: format!("earlier-login-{n}"),
            until: now() + 600,
        };
        let entry = serde_json::to_string(&filler).unwrap();
        coordination
            .publish(&entry, Duration::from_secs(600))
            .await
            .unwrap();
    }
    let user = first.signed_in("ada@example.com", Role::User).await;
    let token = user.cookie(ACCESS_COOKIE).unwrap();
    assert_eq!(
        user.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );

    // Built, not yet serving, and its background poll not yet run (this test's runtime has one
    // thread, busy here): what it knows now, it loaded before serving.
    let dir = tempfile::tempdir().unwrap();
    let vars = test_vars(&first.database_url, &shared);
    let second = build_application(&vars, dir.path()).await.unwrap();
    let claims = second.state.tokens.verify(&token).unwrap();
    assert!(second.state.sessions.revoked().refuses(&claims));
}

/// A Redis that answers everything but the feed (an ACL without `XRANGE`, say): readiness says
/// so, instead of a ready instance whose page guards miss revocations made elsewhere.
#[tokio::test]
async fn readiness_fails_while_the_revocation_feed_cannot_be_read() {
    let redis = RedisProcess::start().await;
    let acl = std::process::Command::new("redis-cli")
        .args([
            "-p",
            &redis.port.to_string(),
            "ACL",
            "SETUSER",
            "nofeed",
            "on",
            ">secret",
        ])
        .args(["~*", "&*", "+@all", "-xrange"])
        .output()
        .unwrap();
    assert!(acl.status.success(), "{acl:?}");
    let url = format!("redis://nofeed:secret@127.0.0.1:{}", redis.port);
    let app = TestApp::spawn_with(&[("REDIS_URL", &url)]).await;

    let ready = app.browser().get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = json(ready).await;
    assert_eq!(body["sessions"], "ok");
    assert_eq!(body["revocations"], "stale");
}

#[tokio::test]
async fn a_reset_while_the_session_store_is_down_changes_nothing_and_keeps_its_link() {
    // The sessions must end with the password change; if they cannot, nothing may commit: not
    // the new password, not the spent link.
    let redis = RedisProcess::start().await;
    let app = app_on(&redis).await;
    let email = "outage@example.com";
    let device = app.signed_in(email, Role::User).await;
    let form = [("email", email)];
    let asked = app
        .browser()
        .post_form("/api/request_password_reset", &form)
        .await;
    assert_eq!(asked.status(), StatusCode::OK);
    let token = app
        .wait_for_mail(email, 1)
        .await
        .token_for("/reset-password");
    let form = [
        ("token", token.as_str()),
        ("password", "a new passphrase of mine"),
    ];

    redis.freeze();
    let refused = app.browser().post_form("/api/reset_password", &form).await;
    redis.thaw();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let old = app.browser().post_login(email, PASSWORD, None).await;
    assert_eq!(old.status(), StatusCode::OK, "the password is unchanged");

    let reset = app.browser().post_form("/api/reset_password", &form).await;
    assert_eq!(reset.status(), StatusCode::OK, "the link still works");
    assert_eq!(device.post_me().await.status(), StatusCode::UNAUTHORIZED);
}
