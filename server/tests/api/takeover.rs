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

/// The attacker confirms the change from their mailbox: the account's address becomes theirs.
async fn attacker_confirms(app: &TestApp, token: &str, user_id: i64, address: &str) {
    let response = app
        .browser()
        .post_form("/api/verify_email", &[("token", token)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(address_of(app, user_id).await, address);
}

/// The token of the undo link in the newest mail to `to` (its `count`-th).
async fn undo_link(app: &TestApp, to: &str, count: usize) -> String {
    let mail = app.wait_for_mail(to, count).await;
    assert!(mail.text.contains("no longer signs in"), "{}", mail.text);
    mail.token_for("/undo-email-change")
}

async fn undo(browser: &Browser, token: &str, password: &str) -> reqwest::Response {
    let form = [("token", token), ("password", password)];
    browser.post_form("/api/undo_email_change", &form).await
}

#[tokio::test]
async fn the_old_address_takes_back_an_account_whose_change_completed() {
    let app = TestApp::spawn().await;
    let owner = "moved@example.com";
    app.create_user(owner, Role::User).await;
    let user_id = id_of(&app, owner).await;
    let token = attacker_asks_for_the_address(&app, owner, 1).await;
    attacker_confirms(&app, &token, user_id, ATTACKER).await;
    // The old address is told (after the notice of the request), with a way back.
    let undo_token = undo_link(&app, owner, 2).await;
    // The attacker makes the account theirs: a reset through their address, which voids every
    // other link of the account, but not this one.
    let attacker = app.browser();
    let form = [("email", ATTACKER)];
    assert_eq!(
        post(&attacker, "/api/request_password_reset", &form).await,
        StatusCode::OK
    );
    let reset = app
        .wait_for_mail(ATTACKER, 2)
        .await
        .token_for("/reset-password");
    let attackers_password = "the attacker's own passphrase";
    let form = [("token", reset.as_str()), ("password", attackers_password)];
    assert_eq!(
        post(&attacker, "/api/reset_password", &form).await,
        StatusCode::OK
    );
    assert_eq!(attacker.post_me().await.status(), StatusCode::OK);
    // The owner follows the link: the page names the address it restores, the form takes it.
    let owners = app.browser();
    let page = owners
        .get(&format!("/undo-email-change?token={undo_token}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(owner));
    let undone = undo(&owners, &undo_token, OWNERS_NEW_PASSWORD).await;
    assert_eq!(undone.status(), StatusCode::OK);
    assert_eq!(address_of(&app, user_id).await, owner);
    assert_eq!(owners.post_me().await.status(), StatusCode::OK);
    // The attacker holds nothing: their session ended, their address and password open nothing,
    // the link does not work twice.
    assert_eq!(attacker.post_me().await.status(), StatusCode::UNAUTHORIZED);
    let theirs = app
        .browser()
        .post_login(ATTACKER, attackers_password, None)
        .await;
    assert_eq!(theirs.status(), StatusCode::UNAUTHORIZED);
    let again = undo(&app.browser(), &undo_token, "yet another passphrase").await;
    assert_eq!(again.status(), StatusCode::GONE);
    let signed_in = app
        .browser()
        .post_login(owner, OWNERS_NEW_PASSWORD, None)
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_audit_has(&app, "email_change_undone", Some(user_id)).await;
}

#[tokio::test]
async fn undoing_a_later_change_leaves_the_first_address_its_way_back() {
    let app = TestApp::spawn().await;
    let owner = "twice@example.com";
    let second = "second@evil.example";
    app.create_user(owner, Role::User).await;
    let user_id = id_of(&app, owner).await;
    let token = attacker_asks_for_the_address(&app, owner, 1).await;
    attacker_confirms(&app, &token, user_id, ATTACKER).await;
    let owners_way_back = undo_link(&app, owner, 2).await;
    // A second move, from the attacker's first address to another of theirs.
    let attacker = app.signed_in_again(ATTACKER).await;
    let form = [("new_email", second), ("password", PASSWORD)];
    assert_eq!(
        post(&attacker, "/api/change_email", &form).await,
        StatusCode::OK
    );
    let token = app
        .wait_for_mail(second, 1)
        .await
        .token_for("/verify-email");
    attacker_confirms(&app, &token, user_id, second).await;
    // The attacker spends the undo link of the second move (mailed to their first address)...
    let attackers_way_back = undo_link(&app, ATTACKER, 3).await;
    let attackers = undo(&app.browser(), &attackers_way_back, "attacker passphrase").await;
    assert_eq!(attackers.status(), StatusCode::OK);
    assert_eq!(address_of(&app, user_id).await, ATTACKER);
    // ...and the owner's link of the first move still works, and wins.
    let owners = undo(&app.browser(), &owners_way_back, OWNERS_NEW_PASSWORD).await;
    assert_eq!(owners.status(), StatusCode::OK);
    assert_eq!(address_of(&app, user_id).await, owner);
}

#[tokio::test]
async fn an_undo_that_cannot_happen_is_refused_and_keeps_its_link() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("root@example.com", Role::Admin).await;
    let owner = "squatted@example.com";
    app.create_user(owner, Role::User).await;
    let user_id = id_of(&app, owner).await;
    let token = attacker_asks_for_the_address(&app, owner, 1).await;
    attacker_confirms(&app, &token, user_id, ATTACKER).await;
    let way_back = undo_link(&app, owner, 2).await;
    // The freed address now names another account: refused, said plainly, link kept.
    let squatter = app.browser();
    let signed_up = squatter
        .post_register(owner, "a squatter's passphrase")
        .await;
    assert_eq!(signed_up.status(), StatusCode::OK);
    let taken = undo(&app.browser(), &way_back, OWNERS_NEW_PASSWORD).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(json(taken).await["code"], "email_taken");
    assert_eq!(address_of(&app, user_id).await, ATTACKER);
    let page = app
        .browser()
        .get(&format!("/undo-email-change?token={way_back}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    // A disabled account is not given back either (the address is free again).
    let form = [("password", "a squatter's passphrase")];
    assert_eq!(
        post(&squatter, "/api/delete_account", &form).await,
        StatusCode::OK
    );
    let id = user_id.to_string();
    let off = [("user_id", id.as_str()), ("disabled", "true")];
    assert_eq!(
        post(&admin, "/api/set_disabled", &off).await,
        StatusCode::OK
    );
    let disabled = undo(&app.browser(), &way_back, OWNERS_NEW_PASSWORD).await;
    assert_eq!(disabled.status(), StatusCode::FORBIDDEN);
    assert_eq!(address_of(&app, user_id).await, ATTACKER);
}
