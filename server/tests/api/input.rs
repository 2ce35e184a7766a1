use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn missing_or_malformed_fields_are_a_400_not_a_500() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let missing_password = browser
        .post_form("/api/login", &[("email", "ada@example.com")])
        .await;
    assert_eq!(missing_password.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(missing_password).await["code"], "bad_request");

    let not_a_form = browser
        .send(
            browser
                .same_origin_post("/api/register")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(vec![0xff, 0xfe, b'=', 0x00]),
        )
        .await;
    assert_eq!(not_a_form.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn invalid_fields_are_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for (email, password, field) in [
        ("not-an-email", PASSWORD, "email"),
        ("ada@example.com", "short", "password"),
        ("ada@example.com", &"x".repeat(257) as &str, "password"),
    ] {
        let response = browser.post_register(email, password).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{email} / {}",
            password.len()
        );
        let error = json(response).await;
        assert_eq!(error["field"], field);
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn an_overlong_password_at_login_is_just_wrong_credentials() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let response = app
        .browser()
        .post_login("ada@example.com", &"x".repeat(10_000), None)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let huge = "x".repeat(200 * 1024);
    let response = browser
        .post_form("/api/login", &[("email", "a@b.co"), ("password", &huge)])
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let chunked = reqwest::Body::wrap_stream(futures::stream::iter(
        (0..100).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 4096])),
    ));
    let streamed = browser
        .send(
            browser
                .same_origin_post("/api/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(chunked),
        )
        .await;
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn unknown_server_functions_are_404_and_never_reveal_internals() {
    let app = TestApp::spawn().await;
    let response = app.browser().post_form("/api/does_not_exist", &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.unwrap();
    assert!(
        !body.contains("server function") && !body.contains("register_explicit"),
        "{body}"
    );
}
