use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_issues_a_new_access_token() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let first_refresh = browser.cookie(REFRESH_COOKIE).unwrap();
    let first_access = browser.cookie(ACCESS_COOKIE).unwrap();

    let response = browser.post_form("/api/refresh", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["role"], "user");
    let second_refresh = browser.cookie(REFRESH_COOKIE).unwrap();
    assert_ne!(first_refresh, second_refresh);
    assert_ne!(first_access, browser.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(browser.post_me().await.status(), StatusCode::OK);

    // Within the grace window the rotated-out token yields the same successor, never a branch.
    let late_tab = app.browser();
    late_tab.set_cookie(REFRESH_COOKIE, &first_refresh);
    assert_eq!(
        late_tab.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(late_tab.cookie(REFRESH_COOKIE).unwrap(), second_refresh);
    assert_audit_has(
        &app,
        "refresh_grace_replay",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
}

/// The grace window is for the rotating browser's own tabs: a copy of the previous token
/// presented from another device inside it gets nothing and revokes the login.
#[tokio::test]
async fn a_copy_presented_from_another_device_within_the_grace_window_revokes_the_login() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let copied = browser.cookie(REFRESH_COOKIE).unwrap();
    assert_eq!(
        browser.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );

    let thief = app.browser();
    thief.set_cookie(REFRESH_COOKIE, &copied);
    let request = thief
        .same_origin_post("/api/refresh")
        .header("user-agent", "Another device/1.0");
    let stolen = thief.send(request).await;
    assert_eq!(stolen.status(), StatusCode::UNAUTHORIZED);
    assert!(thief.cookie(ACCESS_COOKIE).is_none());
    assert_eq!(browser.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        browser.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_audit_has(
        &app,
        "reuse_detected",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
}

#[tokio::test]
async fn replaying_a_rotated_token_after_the_grace_window_revokes_the_whole_login() {
    let app = TestApp::spawn_with(&[("REFRESH_GRACE", "1")]).await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let stolen = browser.cookie(REFRESH_COOKIE).unwrap();
    assert_eq!(
        browser.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );

    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let thief = app.browser();
    thief.set_cookie(REFRESH_COOKIE, &stolen);
    assert_eq!(
        thief.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The legitimate holder is signed out too: its refresh token, its access token for server
    // functions, and its access token on guarded pages.
    let page_browser = app.access_token_copy(&browser);
    assert_eq!(
        page_browser.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
    let refresh_only = app.browser();
    refresh_only.set_cookie(REFRESH_COOKIE, &browser.cookie(REFRESH_COOKIE).unwrap());
    assert_eq!(
        refresh_only.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(browser.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_audit_has(
        &app,
        "reuse_detected",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
}

#[tokio::test]
async fn a_token_two_generations_back_revokes_the_login_even_within_the_grace_window() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let generation_zero = browser.cookie(REFRESH_COOKIE).unwrap();
    for _ in 0..2 {
        assert_eq!(
            browser.post_form("/api/refresh", &[]).await.status(),
            StatusCode::OK
        );
    }

    let thief = app.browser();
    thief.set_cookie(REFRESH_COOKIE, &generation_zero);
    assert_eq!(
        thief.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Sends `count` copies of one request at the same instant, each from its own browser holding
/// the same cookies, and returns each browser with its answer's status.
async fn simultaneously<F, Fut>(
    app: &TestApp,
    cookies: &[(&str, String)],
    count: usize,
    send: F,
) -> Vec<(StatusCode, Browser)>
where
    F: Fn(Browser) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = reqwest::Response> + Send,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(count));
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let browser = app.browser();
            for (name, value) in cookies {
                browser.set_cookie(name, value);
            }
            let (barrier, send) = (barrier.clone(), send.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let status = send(browser.clone()).await.status();
                (status, browser)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_refreshes_of_one_token_all_succeed_with_one_successor() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let token = browser.cookie(REFRESH_COOKIE).unwrap();

    let results = simultaneously(
        &app,
        &[(REFRESH_COOKIE, token.clone())],
        20,
        |tab| async move { tab.post_form("/api/refresh", &[]).await },
    )
    .await;

    let statuses: Vec<_> = results.iter().map(|(status, _)| *status).collect();
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );
    let successors: std::collections::BTreeSet<_> = results
        .iter()
        .map(|(_, tab)| tab.cookie(REFRESH_COOKIE).unwrap())
        .collect();
    assert_eq!(
        successors.len(),
        1,
        "one lineage, not {} branches",
        successors.len()
    );
    assert!(!successors.contains(&token));
    let (_, survivor) = &results[0];
    assert_eq!(
        survivor.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tabs_loading_pages_together_after_expiry_all_stay_signed_in() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let token = browser.cookie(REFRESH_COOKIE).unwrap();

    let results = simultaneously(&app, &[(REFRESH_COOKIE, token)], 8, |tab| async move {
        tab.get("/dashboard").await
    })
    .await;

    let statuses: Vec<_> = results.iter().map(|(status, _)| *status).collect();
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );
    let kept: std::collections::BTreeSet<_> = results
        .iter()
        .map(|(_, tab)| tab.cookie(REFRESH_COOKIE))
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "every tab holds the same live refresh token: {kept:?}"
    );
    assert!(
        kept.iter().all(Option::is_some),
        "no tab's cookies were cleared"
    );
}

#[tokio::test]
async fn refresh_without_a_refresh_cookie_is_refused() {
    let app = TestApp::spawn().await;
    let response = app.browser().post_form("/api/refresh", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_page_request_with_an_expired_access_token_is_refreshed_before_rendering() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let old_refresh = browser.cookie(REFRESH_COOKIE).unwrap();
    // The browser's own access token, correctly signed, expired beyond the leeway.
    let mut claims = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
    claims["exp"] = serde_json::json!(now() - 600);
    let expired = sign(&claims, JWT_SECRET, "at+jwt");
    browser.set_cookie(ACCESS_COOKIE, &expired);

    let response = browser.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(response.headers());
    assert!(
        cookies.iter().any(|c| c.starts_with(ACCESS_COOKIE)),
        "{cookies:?}"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with(REFRESH_COOKIE)),
        "{cookies:?}"
    );
    assert_ne!(browser.cookie(REFRESH_COOKIE).unwrap(), old_refresh);
    assert_ne!(browser.cookie(ACCESS_COOKIE).unwrap(), expired);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("ada@example.com"),
        "the page rendered for the refreshed user"
    );
}

#[tokio::test]
async fn a_server_function_call_with_only_a_refresh_cookie_is_refreshed_transparently() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    browser.remove_cookie(ACCESS_COOKIE);

    let response = browser.post_me().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await["email"], "ada@example.com");
    assert!(
        browser.cookie(ACCESS_COOKIE).is_some(),
        "a new access token"
    );
}

#[tokio::test]
async fn a_dead_refresh_session_clears_both_cookies_and_the_guard_redirects() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let stale = browser.clone();
    let stale_refresh = browser.cookie(REFRESH_COOKIE).unwrap();
    assert_eq!(
        browser.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );

    stale.remove_cookie(ACCESS_COOKIE);
    stale.set_cookie(REFRESH_COOKIE, &stale_refresh);
    let response = stale.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(response.headers());
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(
        cookies.iter().all(|c| c.contains("Max-Age=0")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn signing_in_again_ends_the_previous_login_of_that_browser() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let first_refresh = browser.cookie(REFRESH_COOKIE).unwrap();

    assert_eq!(
        browser
            .post_login("ada@example.com", PASSWORD, None)
            .await
            .status(),
        StatusCode::OK
    );

    assert_eq!(
        app.refresh_with(&first_refresh).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_that_user_only() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_in("ada@example.com", Role::User).await;
    let phone = app.signed_in_again("ada@example.com").await;
    let someone_else = app.signed_in("bob@example.com", Role::User).await;
    let phone_refresh = phone.cookie(REFRESH_COOKIE).unwrap();

    let response = laptop.post_form("/api/logout_all", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(laptop.cookie(ACCESS_COOKIE), None);

    assert_eq!(phone.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.refresh_with(&phone_refresh).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(someone_else.post_me().await.status(), StatusCode::OK);

    // Signing in again afterwards starts a fresh, working session.
    let again = app.signed_in_again("ada@example.com").await;
    assert_eq!(again.post_me().await.status(), StatusCode::OK);
    assert_eq!(
        again.post_form("/api/refresh", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn signing_out_everywhere_needs_a_login() {
    let app = TestApp::spawn().await;
    let response = app.browser().post_form("/api/logout_all", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refreshes_and_page_loads_on_pools_of_one_connection_do_not_deadlock() {
    let app = TestApp::spawn_with(&[("DATABASE_POOL_SIZE", "1"), ("REDIS_POOL_SIZE", "1")]).await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let cookies = [(REFRESH_COOKIE, browser.cookie(REFRESH_COOKIE).unwrap())];

    let all = async {
        let refreshes = simultaneously(&app, &cookies, 20, |tab| async move {
            tab.post_form("/api/refresh", &[]).await
        });
        let pages = simultaneously(&app, &cookies, 10, |tab| async move {
            tab.get("/dashboard").await
        });
        tokio::join!(refreshes, pages)
    };
    let (refreshes, pages) = tokio::time::timeout(std::time::Duration::from_secs(30), all)
        .await
        .expect("every request finished: no deadlock");
    let statuses: Vec<_> = refreshes
        .iter()
        .chain(pages.iter())
        .map(|(status, _)| *status)
        .collect();
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );
}
