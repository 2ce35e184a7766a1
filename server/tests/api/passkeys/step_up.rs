//! Confirming it's you with a passkey, before an action that asks for a recent sign-in.

use super::*;
use app::auth::Role;

/// Rewrites `browser`'s access token as if its login had last proved who it is an hour ago.
fn authenticated_an_hour_ago(browser: &Browser) {
    let mut claims = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
    claims["auth_time"] = json!(now() - 3600);
    browser.set_cookie(
        ACCESS_COOKIE,
        &crate::helpers::sign(&claims, JWT_SECRET, "at+jwt"),
    );
}

#[tokio::test]
async fn a_passkey_confirms_it_is_you_within_the_same_login() {
    let app = TestApp::spawn().await;
    let email = "passkey-step-up@example.com";
    let browser = app.signed_in(email, Role::User).await;
    let mut device = add_passkey(&browser, "Phone").await;
    let login = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap())["sid"].clone();
    authenticated_an_hour_ago(&browser);
    let stale = browser.post_form("/api/logout_others", &[]).await;
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(stale).await["code"], "reauthentication_required");

    let (ceremony, options) = super::ceremony(
        browser
            .post_form("/api/passkey_reauthentication_options", &[])
            .await,
    )
    .await;
    let assertion = super::sign(&mut device.authenticator, &options, "", None);
    let form = [
        ("ceremony", ceremony.as_str()),
        ("credential", &assertion),
        ("next", "/account"),
    ];
    let confirmed = browser
        .post_form("/api/reauthenticate_with_passkey", &form)
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(confirmed.headers()["x-navigate"], "/account");
    let claims = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(claims["sid"], login, "the same login");
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]));
    assert!(claims["auth_time"].as_u64().unwrap() + 60 > now());
    let fresh = browser.post_form("/api/logout_others", &[]).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_audit_has(&app, "reauthenticated", Some(app.user_id(email).await)).await;
}

#[tokio::test]
async fn another_accounts_passkey_does_not_confirm_and_an_account_without_one_is_offered_none() {
    let app = TestApp::spawn().await;
    let victim = app
        .signed_in("passkey-step-up-victim@example.com", Role::User)
        .await;
    add_passkey(&victim, "Phone").await;
    let attacker = "passkey-step-up-attacker@example.com";
    let mut attackers = add_passkey(&app.signed_in(attacker, Role::User).await, "Mine").await;

    let (ceremony, mut options) = super::ceremony(
        victim
            .post_form("/api/passkey_reauthentication_options", &[])
            .await,
    )
    .await;
    options["publicKey"]["allowCredentials"] = json!([]);
    let id = attackers.credential_id.clone();
    let handle = attackers.user_handle.clone();
    let assertion = super::sign(&mut attackers.authenticator, &options, &id, Some(&handle));
    let form = [("ceremony", ceremony.as_str()), ("credential", &assertion)];
    let refused = victim
        .post_form("/api/reauthenticate_with_passkey", &form)
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(refused).await["code"], "passkey_invalid");

    let without = app
        .signed_in("passkey-step-up-none@example.com", Role::User)
        .await;
    let none = without
        .post_form("/api/passkey_reauthentication_options", &[])
        .await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
}
