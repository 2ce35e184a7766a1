//! A login's two limits, with short values: it ends after its idle limit without use, and at its
//! absolute limit however active it is; rotation never extends the absolute limit.

use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;
use std::time::Duration;

/// The `Max-Age` of the refresh cookie that `response` sets.
fn refresh_max_age(response: &reqwest::Response) -> u64 {
    set_cookies(response.headers())
        .iter()
        .find(|cookie| cookie.starts_with(REFRESH_COOKIE))
        .and_then(|cookie| {
            cookie
                .split(';')
                .find_map(|part| part.trim().strip_prefix("Max-Age="))
                .and_then(|age| age.parse().ok())
        })
        .expect("the response sets the refresh cookie with a Max-Age")
}

#[tokio::test]
async fn a_login_used_within_its_idle_limit_lives_on_and_ends_once_left_idle() {
    let app = TestApp::spawn_with(&[("REFRESH_IDLE_TTL", "4"), ("REFRESH_GRACE", "1")]).await;
    let browser = app.signed_in("ada@example.com", Role::User).await;

    // Used every 1.2 s for longer than the idle limit: still alive, as each use restarts it.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let response = browser.post_form("/api/refresh", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(refresh_max_age(&response) <= 4);
    }

    // Left alone past the limit: the login is over.
    tokio::time::sleep(Duration::from_millis(5200)).await;
    let response = browser.post_form("/api/refresh", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(browser.cookie(REFRESH_COOKIE).is_none(), "cookies cleared");
}

#[tokio::test]
async fn a_login_ends_at_its_absolute_limit_however_active_and_rotation_never_extends_it() {
    let app = TestApp::spawn_with(&[("REFRESH_TOKEN_TTL", "5"), ("REFRESH_GRACE", "1")]).await;
    let browser = app.signed_in("ada@example.com", Role::User).await;

    let mut previous_max_age = 5;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let response = browser.post_form("/api/refresh", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        // Counted from the sign-in, not from this rotation.
        let max_age = refresh_max_age(&response);
        assert!(
            max_age < previous_max_age,
            "{max_age} after {previous_max_age}"
        );
        previous_max_age = max_age;
    }

    // Past five seconds from the sign-in, however recently it was used.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let response = browser.post_form("/api/refresh", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(browser.post_me().await.status(), StatusCode::UNAUTHORIZED);
}
