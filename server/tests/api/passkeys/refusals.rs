//! What a passkey sign-in refuses, each audited: a signature counter that went back (a copied
//! credential), another account's credential, no user verification, a tampered signature.

use super::*;
use app::auth::Role;

#[tokio::test]
async fn a_signature_counter_that_goes_back_is_refused_as_a_copy() {
    let app = TestApp::spawn().await;
    let email = "passkey-clone@example.com";
    let mut device = add_passkey(&app.signed_in(email, Role::User).await, "Phone").await;
    let browser = app.browser();
    // Two assertions signed in turn (counters n and n + 1); the later one is used first, so
    // the earlier one arrives with a counter the server has already seen pass.
    let (earlier, earlier_options) =
        ceremony(browser.post_form("/api/passkey_sign_in_options", &[]).await).await;
    let (later, later_options) =
        ceremony(browser.post_form("/api/passkey_sign_in_options", &[]).await).await;
    let handle = Some(device.user_handle.as_str());
    let id = device.credential_id.clone();
    let first = sign(&mut device.authenticator, &earlier_options, &id, handle);
    let second = sign(&mut device.authenticator, &later_options, &id, handle);
    assert_eq!(
        finish_sign_in(&browser, &later, &second).await.status(),
        StatusCode::OK
    );
    let copied = finish_sign_in(&app.browser(), &earlier, &first).await;
    assert_eq!(copied.status(), StatusCode::UNAUTHORIZED);
    let body = json(copied).await;
    assert_eq!(body["code"], "passkey_invalid");
    assert_eq!(body["message"], "That passkey could not be verified.");
    assert_audit_has(
        &app,
        "passkey_clone_suspected",
        Some(app.user_id(email).await),
    )
    .await;
}

#[tokio::test]
async fn another_accounts_passkey_is_refused_whatever_the_answer_claims() {
    let app = TestApp::spawn().await;
    let victim = "passkey-victim@example.com";
    let attacker = "passkey-attacker@example.com";
    let victims = add_passkey(&app.signed_in(victim, Role::User).await, "Victim's").await;
    let mut attackers = add_passkey(&app.signed_in(attacker, Role::User).await, "Mine").await;
    let browser = app.browser();

    // Address first, for the victim: the attacker's own passkey does not finish it.
    let (ceremony, options, _) = offered_for(&browser, victim).await;
    let mut options = options;
    options["publicKey"]["allowCredentials"] = json!([]);
    let assertion = sign(
        &mut attackers.authenticator,
        &options,
        &attackers.credential_id,
        None,
    );
    let refused = finish_sign_in(&browser, &ceremony, &assertion).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // No address typed, with the victim's user handle claimed over the attacker's signature.
    let (ceremony, options) =
        super::ceremony(browser.post_form("/api/passkey_sign_in_options", &[]).await).await;
    let id = attackers.credential_id.clone();
    let assertion = sign(
        &mut attackers.authenticator,
        &options,
        &id,
        Some(&victims.user_handle),
    );
    let refused = finish_sign_in(&browser, &ceremony, &assertion).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(refused).await["code"], "passkey_invalid");
    assert!(browser.cookie(ACCESS_COOKIE).is_none());
    assert_audit_has(&app, "passkey_refused", Some(app.user_id(attacker).await)).await;
}

#[tokio::test]
async fn a_passkey_without_user_verification_or_with_a_bad_signature_is_refused() {
    let app = TestApp::spawn().await;
    let email = "passkey-uv@example.com";
    let mut device = add_passkey(&app.signed_in(email, Role::User).await, "Key").await;
    let browser = app.browser();
    let handle = device.user_handle.clone();
    let id = device.credential_id.clone();

    // The page asked for no verification (tampered options): the key signs without the flag.
    let (ceremony, mut options) =
        super::ceremony(browser.post_form("/api/passkey_sign_in_options", &[]).await).await;
    options["publicKey"]["userVerification"] = json!("discouraged");
    let assertion = sign(&mut device.authenticator, &options, &id, Some(&handle));
    let refused = finish_sign_in(&browser, &ceremony, &assertion).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(refused).await["code"], "passkey_invalid");

    // A signature with a flipped byte.
    let (ceremony, options) =
        super::ceremony(browser.post_form("/api/passkey_sign_in_options", &[]).await).await;
    let assertion = sign(&mut device.authenticator, &options, &id, Some(&handle));
    let mut assertion: Value = serde_json::from_str(&assertion).unwrap();
    let signature = assertion["response"]["signature"].as_str().unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assertion["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(bytes));
    let refused = finish_sign_in(&browser, &ceremony, &assertion.to_string()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // Garbage, and an unknown ceremony.
    let (ceremony, _) =
        super::ceremony(browser.post_form("/api/passkey_sign_in_options", &[]).await).await;
    let refused = finish_sign_in(&browser, &ceremony, "{not json").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let unknown = finish_sign_in(&browser, "no-such-ceremony", "{}").await;
    assert_eq!(unknown.status(), StatusCode::GONE);
    assert!(browser.cookie(ACCESS_COOKIE).is_none());
    assert_audit_has(&app, "passkey_refused", Some(app.user_id(email).await)).await;
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_with_its_passkey() {
    let app = TestApp::spawn().await;
    let email = "passkey-disabled@example.com";
    let mut device = add_passkey(&app.signed_in(email, Role::User).await, "Phone").await;
    sqlx::query("UPDATE users SET disabled_at = 1 WHERE email = $1")
        .bind(email)
        .execute(&app.state.db)
        .await
        .unwrap();
    let browser = app.browser();
    let refused = sign_in_discoverably(&browser, &mut device).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["code"], "account_disabled");
    assert!(browser.cookie(ACCESS_COOKIE).is_none());
}
