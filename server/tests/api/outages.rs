use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

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
        serde_json::json!({"database": "ok", "sessions": "ok"})
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
