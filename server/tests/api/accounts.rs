use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn registering_signs_the_new_user_in_and_the_profile_shows_their_email() {
    let app = TestApp::spawn().await;
    let browser = app.browser();

    let response = browser.post_register("  Ada@Example.com ", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let viewer = json(response).await;
    assert_eq!(viewer["role"], "user");

    let profile = json(browser.post_me().await).await;
    assert_eq!(profile["email"], "ada@example.com");
    assert_eq!(profile["role"], "user");
}

#[tokio::test]
async fn registering_an_email_twice_is_a_conflict_whatever_its_case() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.browser()
            .post_register("ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );

    let response = app
        .browser()
        .post_register("ADA@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error = json(response).await;
    assert_eq!(error["code"], "email_taken");
    assert_eq!(error["field"], "email");
}

#[tokio::test]
async fn login_sets_host_prefixed_http_only_lax_cookies_without_a_domain() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;

    let response = app
        .browser()
        .post_login("ada@example.com", PASSWORD, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(response.headers());
    // The two tokens, and the mark of a known device (see `app::ssr::throttle::known_device`).
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    for name in [ACCESS_COOKIE, REFRESH_COOKIE, "__Host-known_device"] {
        let cookie = cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .expect(name);
        for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
        }
        assert!(!cookie.to_lowercase().contains("domain"), "{cookie}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;

    let wrong_password = app
        .browser()
        .post_login("ada@example.com", "not the password", None)
        .await;
    let unknown_email = app
        .browser()
        .post_login("nobody@example.com", PASSWORD, None)
        .await;

    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookies(wrong_password.headers()).is_empty());
    assert_eq!(
        wrong_password.text().await.unwrap(),
        unknown_email.text().await.unwrap()
    );
}

#[tokio::test]
async fn the_profile_is_refused_without_a_login() {
    let app = TestApp::spawn().await;
    let response = app.browser().post_me().await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(response).await["code"], "unauthenticated");
}

#[tokio::test]
async fn after_logout_the_old_access_token_is_refused_by_server_functions_at_once() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let old_access = browser.cookie(ACCESS_COOKIE).unwrap();
    assert_eq!(browser.post_me().await.status(), StatusCode::OK);

    let response = browser.post_form("/api/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        browser.cookie(ACCESS_COOKIE),
        None,
        "logout clears the access cookie"
    );
    assert_eq!(
        browser.cookie(REFRESH_COOKIE),
        None,
        "logout clears the refresh cookie"
    );

    // Replay the still-unexpired access token on its own.
    let replay = app.browser();
    replay.set_cookie(ACCESS_COOKIE, &old_access);
    assert_eq!(replay.post_me().await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logging_out_twice_or_while_signed_out_is_harmless() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    assert_eq!(
        browser.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        browser.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_plain_form_login_redirects_to_next_with_303() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let browser = app.browser();

    let response = browser
        .post_plain_form(
            "/api/login",
            "/login?next=/dashboard%3Ftab%3D2",
            &[
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("next", "/dashboard?tab=2"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/dashboard?tab=2");
    assert!(browser.cookie(ACCESS_COOKIE).is_some());
}

#[tokio::test]
async fn a_plain_form_login_failure_goes_back_to_the_form_with_the_error() {
    let app = TestApp::spawn().await;
    let browser = app.browser();

    let response = browser
        .post_plain_form(
            "/api/login",
            "/login",
            &[("email", "ada@example.com"), ("password", "wrong password")],
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let target = location(&response);
    assert!(
        target.contains("/login") && target.contains("__err="),
        "{target}"
    );

    let page = browser.get(&target.replace(&app.address, "")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Incorrect email or password."),
        "the error is shown next to the form"
    );
}

#[tokio::test]
async fn open_redirects_through_next_fall_back_to_the_dashboard() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    for hostile in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/.//evil.example",
        "/a/..//evil.example",
        "/%2e//evil.example",
    ] {
        let response = app
            .browser()
            .post_plain_form(
                "/api/login",
                "/login",
                &[
                    ("email", "ada@example.com"),
                    ("password", PASSWORD),
                    ("next", hostile),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{hostile}");
        assert_eq!(location(&response), "/dashboard", "{hostile}");

        // The sign-in page hands the page script the same checked destination.
        let query: String = url::form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
        let page = app.browser().get(&format!("/login?next={query}")).await;
        let html = page.text().await.unwrap();
        assert!(html.contains(r#"data-enhance="/dashboard""#), "{hostile}");
    }
}

#[tokio::test]
async fn administrators_can_list_users_and_users_cannot() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let user = app.signed_in("ada@example.com", Role::User).await;

    let listed = json(admin.post_form("/api/users", &[]).await).await;
    let emails: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(emails, ["root@example.com", "ada@example.com"]);

    let refused = user.post_form("/api/users", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["code"], "forbidden");
}

#[tokio::test]
async fn a_common_password_is_refused_with_the_reason_and_no_account_is_made() {
    let app = TestApp::spawn().await;
    let response = app
        .browser()
        .post_register("ada@example.com", "Password1")
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(response).await;
    assert_eq!(body["field"], "password");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("attackers try first"),
        "{body}"
    );
    let login = app
        .browser()
        .post_login("ada@example.com", "Password1", None)
        .await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_sign_out_after_the_access_token_lapsed_is_audited_from_the_refresh_token() {
    let app = TestApp::spawn().await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let refresh_token = user.cookie(REFRESH_COOKIE).unwrap();
    user.remove_cookie(ACCESS_COOKIE);
    assert_eq!(
        user.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );
    assert_audit_has(
        &app,
        "signed_out",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
    // And that login is over.
    assert_eq!(
        app.refresh_with(&refresh_token).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_up_from_a_signed_in_browser_ends_its_previous_login() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let previous = browser.cookie(REFRESH_COOKIE).unwrap();
    assert_eq!(
        browser
            .post_register("second@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(app.refresh_with(&previous).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        json(browser.post_me().await).await["email"],
        "second@example.com"
    );
}
