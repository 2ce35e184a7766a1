//! When an owner loses both the app and the recovery codes: an administrator resets their second
//! step, or, with no administrator able to sign in, the server's command line does.

use super::*;
use crate::cli::server_command;
use app::auth::Role;

#[tokio::test]
async fn an_administrator_resets_a_users_second_step_ending_their_sessions_and_telling_them() {
    let app = TestApp::spawn().await;
    let email = "lost-phone@example.com";
    let (owner, _) = enrolled(&app, email).await;
    let admin = app.signed_in("helpdesk@example.com", Role::Admin).await;
    let user_id = app.user_id(email).await.to_string();
    let users = json(admin.post_form("/api/users", &[]).await).await;
    let listed = users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == email)
        .unwrap();
    assert_eq!(listed["two_step"], true);

    // Not by a user, and not on one's own account.
    let refused = owner
        .post_form("/api/admin_reset_second_factors", &[("user_id", &user_id)])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let admin_id = app.user_id("helpdesk@example.com").await.to_string();
    let own = admin
        .post_form("/api/admin_reset_second_factors", &[("user_id", &admin_id)])
        .await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let reset = admin
        .post_form("/api/admin_reset_second_factors", &[("user_id", &user_id)])
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(owner.post_me().await.status(), StatusCode::UNAUTHORIZED);
    let mail = app.wait_for_mail(email, 2).await;
    assert!(mail.subject.contains("was reset"), "{}", mail.subject);
    let again = app.browser();
    again.post_login(email, PASSWORD, None).await;
    assert!(
        again.cookie(ACCESS_COOKIE).is_some(),
        "the password alone signs in"
    );
    assert_audit_has(&app, "mfa_reset_by_admin", Some(app.user_id(email).await)).await;
}

#[tokio::test]
async fn the_command_line_resets_a_second_step_when_no_administrator_can_sign_in() {
    let app = TestApp::spawn().await;
    let email = "only-admin@example.com";
    let (_, _) = enrolled(&app, email).await;
    let output = server_command(&app.database_url)
        .args(["user", "reset-mfa", "--email", email])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let again = app.browser();
    again.post_login(email, PASSWORD, None).await;
    assert!(
        again.cookie(ACCESS_COOKIE).is_some(),
        "the password alone signs in"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE kind = 'mfa_reset_by_admin' AND user_id = $1",
    )
    .bind(app.user_id(email).await)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    let unknown = server_command(&app.database_url)
        .args(["user", "reset-mfa", "--email", "nobody@example.com"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no user"));
}
