//! Administrators' changes to other accounts take effect at once.

use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

async fn user_id(browser: &Browser) -> String {
    json(browser.post_me().await).await["id"].to_string()
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_users_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let id = user_id(&user).await;
    assert_eq!(user.get("/admin").await.status(), StatusCode::FORBIDDEN);
    let stale_token = app.browser();
    stale_token.set_cookie(ACCESS_COOKIE, &user.cookie(ACCESS_COOKIE).unwrap());

    let response = admin
        .post_form("/api/set_role", &[("user_id", &id), ("role", "admin")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // The next page load refreshes into a token with the new role.
    assert_eq!(user.get("/admin").await.status(), StatusCode::OK);
    assert_eq!(json(user.post_me().await).await["role"], "admin");
    // A token naming the old role is no longer accepted on its own.
    assert_eq!(
        stale_token.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );

    // And back: the admin page is refused on the next request.
    let response = admin
        .post_form("/api/set_role", &[("user_id", &id), ("role", "user")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(user.get("/admin").await.status(), StatusCode::FORBIDDEN);
    assert_audit_has(&app, "role_changed").await;
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_cannot_sign_in_until_enabled() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let id = user_id(&user).await;
    let page = app.browser();
    page.set_cookie(ACCESS_COOKIE, &user.cookie(ACCESS_COOKIE).unwrap());

    let response = admin
        .post_form(
            "/api/set_disabled",
            &[("user_id", &id), ("disabled", "true")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(page.get("/dashboard").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(user.post_me().await.status(), StatusCode::UNAUTHORIZED);
    let again = app.browser();
    let refused = again.post_login("ada@example.com", PASSWORD, None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["code"], "account_disabled");
    // A wrong password still gets the ordinary answer: being disabled is not revealed.
    let guess = again
        .post_login("ada@example.com", "wrong password", None)
        .await;
    assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    let users = json(admin.post_form("/api/users", &[]).await).await;
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["email"] == "ada@example.com" && u["disabled"] == true));

    let response = admin
        .post_form(
            "/api/set_disabled",
            &[("user_id", &id), ("disabled", "false")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.signed_in_again("ada@example.com").await;
    assert_audit_has(&app, "account_disabled").await;
}

#[tokio::test]
async fn an_admin_can_end_every_session_of_a_user() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let id = user_id(&user).await;

    let response = admin
        .post_form("/api/revoke_user_sessions", &[("user_id", &id)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(user.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        user.post_form("/api/refresh", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(admin.post_me().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn admin_functions_refuse_users_self_changes_and_bad_input() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let admin_id = user_id(&admin).await;
    let id = user_id(&user).await;

    let by_user = user
        .post_form("/api/set_role", &[("user_id", &id), ("role", "admin")])
        .await;
    assert_eq!(by_user.status(), StatusCode::FORBIDDEN);
    let own = admin
        .post_form("/api/set_role", &[("user_id", &admin_id), ("role", "user")])
        .await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_role = admin
        .post_form("/api/set_role", &[("user_id", &id), ("role", "root")])
        .await;
    assert_eq!(unknown_role.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(unknown_role).await["field"], "role");
    let nobody = admin
        .post_form(
            "/api/set_disabled",
            &[("user_id", "99999"), ("disabled", "true")],
        )
        .await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);
    let garbage = admin
        .post_form(
            "/api/set_disabled",
            &[("user_id", "x"), ("disabled", "maybe")],
        )
        .await;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(user.post_me().await).await["role"], "user");
}
