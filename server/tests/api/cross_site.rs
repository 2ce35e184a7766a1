use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_runs() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let browser = app.browser();
    let form = [("email", "ada@example.com"), ("password", PASSWORD)];

    let labelled = browser
        .send(
            browser
                .raw_post("/api/login")
                .header("sec-fetch-site", "cross-site")
                .form(&form),
        )
        .await;
    assert_eq!(labelled.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(labelled.headers()).is_empty());
    assert_eq!(json(labelled).await["code"], "cross_site");

    let foreign_origin = browser
        .send(
            browser
                .raw_post("/api/login")
                .header("origin", "https://evil.example")
                .form(&form),
        )
        .await;
    assert_eq!(foreign_origin.status(), StatusCode::FORBIDDEN);

    let sibling = browser
        .send(
            browser
                .raw_post("/api/login")
                .header("sec-fetch-site", "same-site")
                .form(&form),
        )
        .await;
    assert_eq!(sibling.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_signed_in_users_cookies_do_not_let_another_site_sign_them_out() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let forged = browser
        .send(
            browser
                .raw_post("/api/logout")
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.post_me().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn same_origin_requests_pass_by_fetch_metadata_or_exact_origin() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let form = [("email", "ada@example.com"), ("password", PASSWORD)];
    let browser = app.browser();
    let by_origin = browser
        .send(
            browser
                .raw_post("/api/login")
                .header("origin", app.address.clone())
                .form(&form),
        )
        .await;
    assert_eq!(by_origin.status(), StatusCode::OK);
    let by_metadata = app
        .browser()
        .post_login("ada@example.com", PASSWORD, None)
        .await;
    assert_eq!(by_metadata.status(), StatusCode::OK);
}
