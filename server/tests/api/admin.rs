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
    assert_audit_has(
        &app,
        "role_changed",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
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
    assert_audit_has(
        &app,
        "account_disabled",
        Some(app.user_id("ada@example.com").await),
    )
    .await;
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

#[tokio::test]
async fn the_last_enabled_administrator_cannot_be_demoted_disabled_or_erased() {
    let app = TestApp::spawn().await;
    let first = app.signed_in("first@example.com", Role::Admin).await;
    let second = app.signed_in("second@example.com", Role::Admin).await;
    let second_id = user_id(&second).await;

    let set_disabled = |disabled: &'static str| {
        let (first, second_id) = (first.clone(), second_id.clone());
        async move {
            let form = [("user_id", second_id.as_str()), ("disabled", disabled)];
            first.post_form("/api/set_disabled", &form).await.status()
        }
    };

    // With two, one may disable the other; a disabled administrator does not count.
    assert_eq!(set_disabled("true").await, StatusCode::OK);
    let erase = first
        .post_form("/api/delete_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(erase.status(), StatusCode::CONFLICT);
    assert_eq!(json(erase).await["code"], "last_administrator");
    assert_eq!(
        first.post_me().await.status(),
        StatusCode::OK,
        "still there"
    );

    // Once the other is back, the first may go.
    assert_eq!(set_disabled("false").await, StatusCode::OK);
    let erase = first
        .post_form("/api/delete_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(erase.status(), StatusCode::OK);
}

/// Two administrators demoting each other at the same moment: one change wins, the other is
/// refused, and an administrator remains. The loser is refused as the last administrator's
/// demotion (409) when both requests were past their guards together, or as no longer an
/// administrator (403) when the winner's change reached its guard first; which one happens is
/// up to the machine's timing (the database-level race, released together many times, is below).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_administrators_demoting_each_other_at_once_leave_one() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let a = app
            .signed_in(&format!("a{round}@example.com"), Role::Admin)
            .await;
        let b = app
            .signed_in(&format!("b{round}@example.com"), Role::Admin)
            .await;
        // Only these two are administrators in this round.
        sqlx::query("UPDATE users SET role = 'user' WHERE email NOT IN ($1, $2)")
            .bind(format!("a{round}@example.com"))
            .bind(format!("b{round}@example.com"))
            .execute(&app.state.db)
            .await
            .unwrap();
        let (a_id, b_id) = (user_id(&a).await, user_id(&b).await);
        let demote = |by: &Browser, target: &str| {
            let (by, target) = (by.clone(), target.to_owned());
            tokio::spawn(async move {
                by.post_form("/api/set_role", &[("user_id", &target), ("role", "user")])
                    .await
                    .status()
            })
        };
        let (first, second) = (demote(&a, &b_id), demote(&b, &a_id));
        let mut statuses = [first.await.unwrap(), second.await.unwrap()];
        statuses.sort();
        assert_eq!(statuses[0], StatusCode::OK, "round {round}: {statuses:?}");
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::CONFLICT].contains(&statuses[1]),
            "round {round}: {statuses:?}"
        );
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert_eq!(admins, 1, "round {round}");
    }
}

/// The same race at the database, where it is tightest: two transactions each taking one of
/// the last two administrators away, released together, many times over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_demotions_in_the_database_never_leave_no_administrator() {
    use app::ssr::users::{self, AdminSafeChange};
    let app = TestApp::spawn().await;
    for round in 0..20 {
        let (a, b) = (
            format!("a{round}@example.com"),
            format!("b{round}@example.com"),
        );
        app.create_user(&a, Role::Admin).await;
        app.create_user(&b, Role::Admin).await;
        sqlx::query("UPDATE users SET role = 'user' WHERE email NOT IN ($1, $2)")
            .bind(&a)
            .bind(&b)
            .execute(&app.state.db)
            .await
            .unwrap();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let demote = |email: String| {
            let (db, barrier) = (app.state.db.clone(), barrier.clone());
            tokio::spawn(async move {
                let email = app::ssr::input::Email::parse(&email).unwrap();
                let id = users::find_by_email(&db, &email).await.unwrap().unwrap().id;
                barrier.wait().await;
                users::set_role(&db, id, Role::User).await.unwrap()
            })
        };
        let (first, second) = (demote(a), demote(b));
        let mut outcomes = [first.await.unwrap(), second.await.unwrap()];
        outcomes.sort_by_key(|outcome| *outcome == AdminSafeChange::Done);
        assert_eq!(
            outcomes,
            [AdminSafeChange::LastAdministrator, AdminSafeChange::Done],
            "round {round}"
        );
    }
}
