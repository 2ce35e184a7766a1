use crate::helpers::*;
use crate::processes::{eventually, PostgresProcess};
use app::auth::Role;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// Far above the 1 s acquire timeout: this checks that nothing hangs, not how fast it is.
const NO_HANG: Duration = Duration::from_secs(3);

#[tokio::test]
async fn the_probes_report_a_healthy_app() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let health = browser.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = browser.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        json(ready).await,
        serde_json::json!({"database": "ok", "sessions": "ok", "revocations": "ok"})
    );
}

#[tokio::test]
async fn with_the_database_gone_sign_in_answers_503_and_readiness_says_so() {
    let app = TestApp::spawn().await;
    let signed_in = app.signed_in("ada@example.com", Role::User).await;
    app.state.db.close().await;

    let login = app
        .browser()
        .post_login("ada@example.com", PASSWORD, None)
        .await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    let error = json(login).await;
    assert_eq!(error["code"], "unavailable");
    assert!(!error["message"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("pool"));

    let ready = app.browser().get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(ready).await["database"], "unavailable");

    // Pages guarded by a still-valid access token need no database and keep working.
    assert_eq!(signed_in.get("/").await.status(), StatusCode::OK);
    assert_eq!(
        signed_in.get("/admin").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn with_postgresql_stopped_sign_in_answers_503_and_recovers_when_it_returns() {
    let postgres = PostgresProcess::start().await;
    let app = TestApp::spawn_with(&[("DATABASE_URL", &postgres.url())]).await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    app.create_user("bob@example.com", Role::User).await;

    postgres.stop_server();
    let started = Instant::now();
    let login = app
        .browser()
        .post_login("bob@example.com", PASSWORD, None)
        .await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < NO_HANG,
        "login hung for {:?}",
        started.elapsed()
    );
    assert_eq!(json(login).await["code"], "unavailable");
    assert_eq!(
        user.post_me().await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(user.get("/").await.status(), StatusCode::OK);
    assert_eq!(user.get("/admin").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.browser().get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    postgres.start_server();
    let recovered = eventually(Duration::from_secs(5), || async {
        let login = app
            .browser()
            .post_login("bob@example.com", PASSWORD, None)
            .await;
        login.status() == StatusCode::OK
    })
    .await;
    assert!(recovered, "sign-in works again once PostgreSQL is back");
    assert_eq!(user.post_me().await.status(), StatusCode::OK);
}
