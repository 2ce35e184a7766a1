use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn guarded_pages_send_signed_out_visitors_to_login_with_303_and_next() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for (path, expected) in [
        ("/dashboard", "/login?next=/dashboard"),
        ("/admin", "/login?next=/admin"),
        ("/account", "/login?next=/account"),
        (
            "/dashboard?tab=2&x=y",
            "/login?next=/dashboard%3Ftab%3D2%26x%3Dy",
        ),
    ] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&response), expected, "{path}");
    }
}

#[tokio::test]
async fn public_pages_render_for_everyone_and_unknown_pages_are_404() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for path in ["/", "/login", "/register", "/login?next=/admin"] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.text().await.unwrap().contains("<html"), "{path}");
    }
    assert_eq!(
        browser.get("/no-such-page").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_signed_in_user_sees_the_dashboard_with_their_email() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let response = browser.get("/dashboard").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"dashboard-email\""), "{html}");
    assert!(html.contains("ada@example.com"));
}

#[tokio::test]
async fn a_user_without_the_admin_role_gets_a_403_page() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let response = browser.get("/admin").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"forbidden\""));
    assert!(!html.contains("data-testid=\"users-table\""));
}

#[tokio::test]
async fn an_admin_sees_the_user_list() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", Role::User).await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let response = admin.get("/admin").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"users-table\""));
    assert!(html.contains("ada@example.com") && html.contains("root@example.com"));
}

#[tokio::test]
async fn the_page_carries_the_viewer_for_hydration_without_personal_data() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("ada@example.com", Role::User).await;
    let html = browser.get("/").await.text().await.unwrap();
    let meta = html
        .split("<meta name=\"viewer\"")
        .nth(1)
        .expect("viewer meta")
        .split('>')
        .next()
        .unwrap();
    assert!(
        meta.contains("&quot;role&quot;:&quot;user&quot;") || meta.contains("\"role\":\"user\""),
        "{meta}"
    );
    assert!(!meta.contains('@'), "{meta}");

    let anonymous = app.browser().get("/").await.text().await.unwrap();
    assert!(anonymous.contains("<meta name=\"viewer\" content=\"null\""));
}

#[tokio::test]
async fn the_benchmark_pages_exist_only_when_enabled() {
    let app = TestApp::spawn().await;
    for path in [
        "/bench/open",
        "/bench/token",
        "/bench/store",
        "/bench/token/1",
    ] {
        assert_eq!(
            app.browser().get(path).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn the_benchmark_pages_guard_one_page_three_ways() {
    let app = TestApp::spawn_with(&[("BENCH_ROUTES", "1")]).await;
    let visitor = app.browser();
    assert_eq!(visitor.get("/bench/open").await.status(), StatusCode::OK);
    assert_eq!(
        visitor.get("/bench/token").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        visitor.get("/bench/store").await.status(),
        StatusCode::SEE_OTHER
    );

    let user = app.signed_in("ada@example.com", Role::User).await;
    let copy = app.access_token_copy(&user);
    for path in ["/bench/open", "/bench/token", "/bench/store"] {
        assert_eq!(copy.get(path).await.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        user.post_form("/api/logout", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        copy.get("/bench/store").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_viewer_and_session_functions_answer_from_the_token_and_the_store() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    let anonymous = visitor.post_form("/api/viewer", &[]).await;
    assert_eq!(anonymous.status(), StatusCode::OK);
    assert!(json(anonymous).await.is_null());
    assert_eq!(
        visitor.post_form("/api/session", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let user = app.signed_in("ada@example.com", Role::User).await;
    assert_eq!(
        json(user.post_form("/api/viewer", &[]).await).await["role"],
        "user"
    );
    assert_eq!(
        json(user.post_form("/api/session", &[]).await).await["role"],
        "user"
    );
}

#[tokio::test]
async fn a_signed_in_page_behind_a_route_parameter_is_guarded_by_its_route() {
    // The policy is found by the route that matched (`/bench/token/{id}`), not by the concrete
    // path, which no table names.
    let app = TestApp::spawn_with(&[("BENCH_ROUTES", "1")]).await;
    let response = app.browser().get("/bench/token/42").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=/bench/token/42");
    let user = app.signed_in("ada@example.com", Role::User).await;
    assert_eq!(user.get("/bench/token/42").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn paths_no_route_matches_show_the_not_found_page_to_everyone() {
    // The router in the page matches some paths the server's does not (a trailing slash): the
    // not-found fallback renders them, and it never shows a guarded page, for no route decided.
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    for path in ["/admin/nope", "/dashboard/", "/admin/", "/account/x"] {
        for browser in [&app.browser(), &admin] {
            let response = browser.get(path).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            let html = response.text().await.unwrap();
            assert!(
                html.contains(r#"data-testid="not-found""#),
                "{path}: {html}"
            );
            assert!(!html.contains(r#"data-testid="dashboard-email""#), "{path}");
            assert!(!html.contains(r#"data-testid="users-table""#), "{path}");
        }
    }
}
