//! Someone who knows an account's password (from another site's leak, say) asks to move the
//! account to their own address. Whatever the owner then does to take the account back (a new
//! password, a reset by mail, signing out everywhere) or an administrator does for them
//! (disabling it, ending its sessions) kills that pending change, and every other link mailed
//! before it.

use crate::helpers::*;
use app::auth::Role;
use reqwest::StatusCode;

const ATTACKER: &str = "attacker@evil.example";
const OWNERS_NEW_PASSWORD: &str = "the owner's own new passphrase";

async fn post(browser: &Browser, path: &str, form: &[(&str, &str)]) -> StatusCode {
    browser.post_form(path, form).await.status()
}

/// The attacker, signed in with the stolen password, asks to move `victim`'s account to their
/// own address; returns the token of the link they receive (their `count`-th mail).
async fn attacker_asks_for_the_address(app: &TestApp, victim: &str, count: usize) -> String {
    let attacker = app.signed_in_again(victim).await;
    let form = [("new_email", ATTACKER), ("password", PASSWORD)];
    assert_eq!(
        post(&attacker, "/api/change_email", &form).await,
        StatusCode::OK
    );
    app.wait_for_mail(ATTACKER, count)
        .await
        .token_for("/verify-email")
}

async fn address_of(app: &TestApp, user_id: i64) -> String {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn id_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// The attacker follows their link: it must be refused, and the address stay the owner's.
async fn assert_the_change_is_dead(
    app: &TestApp,
    token: &str,
    user_id: i64,
    owner: &str,
    after: &str,
) {
    let response = app
        .browser()
        .post_form("/api/verify_email", &[("token", token)])
        .await;
    assert_eq!(response.status(), StatusCode::GONE, "after {after}");
    assert_eq!(
        json(response).await["code"],
        "link_invalid",
        "after {after}"
    );
    assert_eq!(address_of(app, user_id).await, owner, "after {after}");
}

#[tokio::test]
async fn a_pending_address_change_dies_with_every_credential_or_control_event() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let events = [
        "a password change",
        "signing out everywhere",
        "disabling",
        "ending every session by an administrator",
    ];
    for (n, event) in events.into_iter().enumerate() {
        let owner = format!("owner-{n}@example.com");
        let browser = app.signed_in(&owner, Role::User).await;
        let user_id = id_of(&app, &owner).await;
        let token = attacker_asks_for_the_address(&app, &owner, n + 1).await;
        let id = user_id.to_string();
        let status = match event {
            "a password change" => {
                let form = [
                    ("current_password", PASSWORD),
                    ("new_password", OWNERS_NEW_PASSWORD),
                ];
                post(&browser, "/api/change_password", &form).await
            }
            "signing out everywhere" => post(&browser, "/api/logout_all", &[]).await,
            "disabling" => {
                let off = [("user_id", id.as_str()), ("disabled", "true")];
                assert_eq!(
                    post(&admin, "/api/set_disabled", &off).await,
                    StatusCode::OK
                );
                // Enabled again for its owner: the link must stay dead.
                let on = [("user_id", id.as_str()), ("disabled", "false")];
                post(&admin, "/api/set_disabled", &on).await
            }
            _ => {
                post(
                    &admin,
                    "/api/revoke_user_sessions",
                    &[("user_id", id.as_str())],
                )
                .await
            }
        };
        assert_eq!(status, StatusCode::OK, "{event}");
        assert_the_change_is_dead(&app, &token, user_id, &owner, event).await;
    }
}

#[tokio::test]
async fn the_whole_takeover_chain_ends_with_the_attacker_holding_nothing() {
    let app = TestApp::spawn().await;
    let owner = "victim@example.com";
    app.create_user(owner, Role::User).await;
    let user_id = id_of(&app, owner).await;
    // 1. The attacker signs in with the leaked password and asks for the address.
    let token = attacker_asks_for_the_address(&app, owner, 1).await;
    let notice = app.wait_for_mail(owner, 1).await;
    assert!(notice.text.contains(ATTACKER), "{}", notice.text);
    // 2. The owner follows the notice's advice: a reset by mail.
    let visitor = app.browser();
    let form = [("email", owner)];
    assert_eq!(
        post(&visitor, "/api/request_password_reset", &form).await,
        StatusCode::OK
    );
    let reset = app
        .wait_for_mail(owner, 2)
        .await
        .token_for("/reset-password");
    let form = [("token", reset.as_str()), ("password", OWNERS_NEW_PASSWORD)];
    assert_eq!(
        post(&visitor, "/api/reset_password", &form).await,
        StatusCode::OK
    );
    // 3. The attacker's link is dead, the address the owner's.
    assert_the_change_is_dead(&app, &token, user_id, owner, "a password reset").await;
    // 4. Nothing else opens the account to them: not the old password, not a reset to their
    //    address (which names no account, so gets no mail: checked once a later mail arrived).
    let old = app.browser().post_login(owner, PASSWORD, None).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let form = [("email", ATTACKER)];
    assert_eq!(
        post(&app.browser(), "/api/request_password_reset", &form).await,
        StatusCode::OK
    );
    let form = [("email", owner)];
    assert_eq!(
        post(&app.browser(), "/api/request_password_reset", &form).await,
        StatusCode::OK
    );
    app.wait_for_mail(owner, 3).await;
    assert_eq!(
        app.mail_to(ATTACKER).len(),
        1,
        "only the change link reached the attacker"
    );
    let owners = app
        .browser()
        .post_login(owner, OWNERS_NEW_PASSWORD, None)
        .await;
    assert_eq!(owners.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reset_link_mailed_before_a_password_change_stops_working() {
    let app = TestApp::spawn().await;
    let owner = "careful@example.com";
    let browser = app.signed_in(owner, Role::User).await;
    let form = [("email", owner)];
    assert_eq!(
        post(&app.browser(), "/api/request_password_reset", &form).await,
        StatusCode::OK
    );
    let reset = app
        .wait_for_mail(owner, 1)
        .await
        .token_for("/reset-password");
    let form = [
        ("current_password", PASSWORD),
        ("new_password", OWNERS_NEW_PASSWORD),
    ];
    assert_eq!(
        post(&browser, "/api/change_password", &form).await,
        StatusCode::OK
    );
    let form = [
        ("token", reset.as_str()),
        ("password", "an attacker's passphrase"),
    ];
    let late = app.browser().post_form("/api/reset_password", &form).await;
    assert_eq!(late.status(), StatusCode::GONE);
}

#[tokio::test]
async fn an_address_change_holds_only_for_the_account_as_it_was_when_asked_for() {
    // Bound to the account's state: any change to it since (here a new role, which voids no
    // link) makes the link refuse.
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let owner = "promoted@example.com";
    app.create_user(owner, Role::User).await;
    let user_id = id_of(&app, owner).await;
    let token = attacker_asks_for_the_address(&app, owner, 1).await;
    // Times are Unix seconds: the request is dated a minute back, so the role change is later.
    sqlx::query("UPDATE link_tokens SET created_at = created_at - 60")
        .execute(&app.state.db)
        .await
        .unwrap();
    let id = user_id.to_string();
    let form = [("user_id", id.as_str()), ("role", "admin")];
    assert_eq!(post(&admin, "/api/set_role", &form).await, StatusCode::OK);
    assert_the_change_is_dead(&app, &token, user_id, owner, "a role change").await;
}
