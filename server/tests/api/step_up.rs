//! Step-up: actions that could hand an account over or wipe it ask for a recent sign-in, judged
//! from the access token's `auth_time` alone; `/api/reauthenticate` renews it within the same
//! login. A login authenticated long ago is staged by re-signing its own access token with an
//! older `auth_time` (the suite holds the signing key), so no test waits for the clock.

use crate::helpers::*;
use app::api::server_fn_policy;
use app::auth::Role;
use http::StatusCode;
use serde_json::json;
use server::layers::authorize::route_policy;

/// The functions and routes that must ask for a recent sign-in: a fork that loosens one of them
/// to a plain policy fails here.
const STEP_UP: &[&str] = &[
    "/api/change_email",
    "/api/delete_account",
    "/api/revoke_session",
    "/api/logout_others",
    "/api/set_role",
    "/api/set_disabled",
    "/api/revoke_user_sessions",
    "/api/admin_reset_second_factors",
    "/api/begin_totp",
    "/api/confirm_totp",
    "/api/disable_totp",
    "/api/regenerate_recovery_codes",
    "/api/passkey_registration_options",
    "/api/register_passkey",
    "/api/delete_passkey",
];

/// Rewrites `browser`'s access token as if its login had last proved who it is an hour ago.
fn authenticated_an_hour_ago(browser: &Browser) {
    let mut claims = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
    claims["auth_time"] = json!(now() - 3600);
    browser.set_cookie(ACCESS_COOKIE, &sign(&claims, JWT_SECRET, "at+jwt"));
}

fn auth_time(browser: &Browser) -> u64 {
    claims_in(&browser.cookie(ACCESS_COOKIE).unwrap())["auth_time"]
        .as_u64()
        .unwrap()
}

/// The handles of the logins on `browser`'s devices list, the current one marked.
async fn handles(browser: &Browser) -> Vec<(String, bool)> {
    let list = json(browser.post_form("/api/sessions", &[]).await).await;
    let mut handles: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|login| {
            let handle = login["handle"].as_str().unwrap().to_owned();
            (handle, login["current"].as_bool().unwrap())
        })
        .collect();
    handles.sort();
    handles
}

#[test]
fn sensitive_actions_are_declared_as_step_up() {
    for path in STEP_UP {
        let policy = server_fn_policy(path).unwrap_or_else(|| panic!("{path} has no policy"));
        assert!(
            policy.needs_step_up(),
            "{path} does not ask for a recent sign-in"
        );
    }
    assert!(route_policy("/account/export").unwrap().needs_step_up());
    assert!(route_policy("/account/security/totp")
        .unwrap()
        .needs_step_up());
    assert!(!server_fn_policy("/api/reauthenticate")
        .unwrap()
        .needs_step_up());
}

#[tokio::test]
async fn a_login_carries_how_and_when_it_was_authenticated_through_every_rotation() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("claims@example.com", Role::User).await;
    let first = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
    assert!(first["auth_time"].as_u64().unwrap().abs_diff(now()) <= 5);
    assert_eq!(first["amr"], json!(["pwd"]));
    assert_eq!(first["acr"], json!("aal1"));
    for _ in 0..2 {
        let refreshed = browser.post_form("/api/refresh", &[]).await;
        assert_eq!(refreshed.status(), StatusCode::OK);
        let claims = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
        assert_ne!(claims["jti"], first["jti"], "a new token");
        for claim in ["auth_time", "amr", "acr"] {
            assert_eq!(claims[claim], first[claim], "{claim} carried forward");
        }
    }
}

#[tokio::test]
async fn a_stale_login_is_asked_to_confirm_then_the_action_goes_through() {
    let app = TestApp::spawn().await;
    let email = "stale@example.com";
    let browser = app.signed_in(email, Role::User).await;
    let other_device = app.signed_in_again(email).await;
    authenticated_an_hour_ago(&browser);
    let refresh_before = browser.cookie(REFRESH_COOKIE).unwrap();

    let refused = browser.post_form("/api/logout_others", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let error = json(refused).await;
    assert_eq!(error["code"], "reauthentication_required");
    assert_eq!(error["message"], "Confirm it's you to continue.");
    let plain = browser
        .post_plain_form("/api/logout_others", "/account", &[])
        .await;
    assert_eq!(plain.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&plain), "/reauthenticate?next=/account");
    let download = browser.get("/account/export").await;
    assert_eq!(download.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&download), "/reauthenticate?next=/account/export");
    assert_eq!(other_device.post_me().await.status(), StatusCode::OK);

    let wrong = browser
        .post_form("/api/reauthenticate", &[("password", "not my password")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(wrong).await["field"], "password");
    assert!(
        auth_time(&browser) < now() - 3000,
        "a wrong password renews nothing"
    );

    let logins_before = handles(&browser).await;
    let confirmed = browser
        .post_plain_form(
            "/api/reauthenticate",
            "/reauthenticate?next=/account",
            &[("password", PASSWORD), ("next", "/account")],
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&confirmed), "/account");
    assert!(auth_time(&browser).abs_diff(now()) <= 5);
    assert_ne!(browser.cookie(REFRESH_COOKIE).unwrap(), refresh_before);
    assert_eq!(
        handles(&browser).await,
        logins_before,
        "the same logins, none new"
    );

    assert_eq!(
        browser.get("/account/export").await.status(),
        StatusCode::OK
    );
    let done = browser.post_form("/api/logout_others", &[]).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(
        other_device.post_me().await.status(),
        StatusCode::UNAUTHORIZED
    );
    let user_id = app.user_id(email).await;
    assert_audit_has(&app, "reauthenticated", Some(user_id)).await;
}

#[tokio::test]
async fn a_confirmation_outlives_the_access_token_and_a_tab_that_refreshed_first() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("tabs@example.com", Role::User).await;
    let spent = browser.cookie(REFRESH_COOKIE).unwrap();
    // Another tab refreshed a moment ago; this request still carries the token it spent.
    assert_eq!(
        browser.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
    browser.set_cookie(REFRESH_COOKIE, &spent);
    authenticated_an_hour_ago(&browser);

    let confirmed = browser
        .post_form("/api/reauthenticate", &[("password", PASSWORD)])
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let confirmed_at = auth_time(&browser);
    assert!(confirmed_at.abs_diff(now()) <= 5);
    // The next access token comes from the refresh token the confirmation handed out.
    browser.remove_cookie(ACCESS_COOKIE);
    assert_eq!(browser.post_me().await.status(), StatusCode::OK);
    assert_eq!(auth_time(&browser), confirmed_at);
    assert_eq!(
        browser.post_form("/api/logout_others", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn administrators_confirm_it_is_them_before_acting_on_users() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("stepup-admin@example.com", Role::Admin).await;
    app.create_user("managed@example.com", Role::User).await;
    let target = app.user_id("managed@example.com").await.to_string();
    authenticated_an_hour_ago(&admin);
    let form = [("user_id", target.as_str()), ("role", "admin")];
    let refused = admin.post_form("/api/set_role", &form).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["code"], "reauthentication_required");
    // Reading is not a step-up action.
    assert_eq!(
        admin.post_form("/api/users", &[]).await.status(),
        StatusCode::OK
    );
    let confirmed = admin
        .post_form("/api/reauthenticate", &[("password", PASSWORD)])
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(
        admin.post_form("/api/set_role", &form).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_confirmation_page_needs_a_sign_in_and_renders_its_form() {
    let app = TestApp::spawn().await;
    let anonymous = app.browser().get("/reauthenticate?next=/account").await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let browser = app.signed_in("page@example.com", Role::User).await;
    let page = browser.get("/reauthenticate?next=/account").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"data-testid="reauthenticate-form""#),
        "{html}"
    );
    assert!(html.contains(r#"name="next" value="/account""#), "{html}");
}

#[tokio::test]
async fn a_function_that_sets_the_login_cookies_itself_is_not_overridden_by_a_refresh_before_it() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("lapsed@example.com", Role::User).await;
    // The access token has lapsed: the request is refreshed on its way in, then the function
    // hands out cookies of its own, which must be the only ones the answer sets.
    browser.remove_cookie(ACCESS_COOKIE);
    let confirmed = browser
        .post_form("/api/reauthenticate", &[("password", PASSWORD)])
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let refresh_cookies = set_cookies(confirmed.headers())
        .into_iter()
        .filter(|cookie| cookie.starts_with(&format!("{REFRESH_COOKIE}=")))
        .count();
    assert_eq!(refresh_cookies, 1);
    assert!(auth_time(&browser).abs_diff(now()) <= 5);

    browser.remove_cookie(ACCESS_COOKIE);
    let changed = browser
        .post_form(
            "/api/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let refresh_cookies = set_cookies(changed.headers())
        .into_iter()
        .filter(|cookie| cookie.starts_with(&format!("{REFRESH_COOKIE}=")))
        .count();
    assert_eq!(refresh_cookies, 1);
    assert_eq!(browser.post_me().await.status(), StatusCode::OK);
}
