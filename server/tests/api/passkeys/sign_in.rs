//! Signing in with a passkey: no address typed, address first, on another instance, and as the
//! second step of a password sign-in.

use super::*;
use crate::two_step::{enrolled, password_step};
use app::auth::Role;

#[tokio::test]
async fn a_passkey_added_signs_in_with_no_address_typed_and_address_first_at_aal2() {
    let app = TestApp::spawn().await;
    let email = "passkey-sign-in@example.com";
    let browser = app.signed_in(email, Role::User).await;
    let mut device = add_passkey(&browser, "Laptop").await;
    let user_id = app.user_id(email).await;
    let mail = app.wait_for_mail(email, 1).await;
    assert!(
        mail.subject.contains("A passkey was added"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Laptop"), "{}", mail.text);
    assert_audit_has(&app, "passkey_added", Some(user_id)).await;

    let listed = json(browser.post_form("/api/passkeys", &[]).await).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "Laptop");
    assert!(listed[0]["last_used_at"].is_null());

    let elsewhere = app.browser();
    let signed_in = sign_in_discoverably(&elsewhere, &mut device).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(signed_in.headers()["x-navigate"], "/dashboard");
    let claims = claims_in(&elsewhere.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(claims["acr"], "aal2");
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]));
    assert_eq!(claims["sub"], user_id.to_string());
    assert_eq!(elsewhere.post_me().await.status(), StatusCode::OK);
    assert_audit_has(&app, "sign_in_succeeded", Some(user_id)).await;

    // Address first: the options offer this account's passkey, and it signs in, going on to the
    // page asked for.
    let third = app.browser();
    let (ceremony, options, offered) = offered_for(&third, email).await;
    assert_eq!(offered, vec![device.credential_id.clone()]);
    let assertion = sign(&mut device.authenticator, &options, "", None);
    let signed_in = third
        .post_form(
            "/api/sign_in_with_passkey",
            &[
                ("ceremony", &ceremony),
                ("credential", &assertion),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(signed_in.headers()["x-navigate"], "/account");
    let listed = json(third.post_form("/api/passkeys", &[]).await).await;
    assert!(listed[0]["last_used_at"].is_i64(), "{listed}");
}

#[tokio::test]
async fn a_ceremony_started_on_one_instance_finishes_on_another_once() {
    let app = TestApp::spawn().await;
    let other = app.twin().await;
    let email = "passkey-instances@example.com";
    let mut device = add_passkey(&app.signed_in(email, Role::User).await, "Phone").await;

    let first = app.browser();
    let (ceremony, options) =
        super::ceremony(first.post_form("/api/passkey_sign_in_options", &[]).await).await;
    let assertion = sign(
        &mut device.authenticator,
        &options,
        &device.credential_id,
        Some(&device.user_handle),
    );
    let on_other = Browser::new(&other.address);
    let finished = finish_sign_in(&on_other, &ceremony, &assertion).await;
    assert_eq!(finished.status(), StatusCode::OK);
    assert!(on_other.cookie(ACCESS_COOKIE).is_some());

    // The same answer again, on either instance: the ceremony is spent.
    for browser in [&first, &on_other] {
        let replayed = finish_sign_in(browser, &ceremony, &assertion).await;
        assert_eq!(replayed.status(), StatusCode::GONE);
        assert_eq!(json(replayed).await["code"], "passkey_ceremony_expired");
    }
}

#[tokio::test]
async fn a_passkey_completes_the_second_step_of_a_password_sign_in() {
    let app = TestApp::spawn().await;
    let email = "passkey-second-step@example.com";
    let (browser, _) = enrolled(&app, email).await;
    let mut device = add_passkey(&browser, "Key").await;

    let waiting = password_step(&app, email).await;
    let (ceremony, options) = super::ceremony(
        waiting
            .post_form("/api/passkey_second_factor_options", &[])
            .await,
    )
    .await;
    let offered = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(offered.len(), 1);
    let assertion = sign(&mut device.authenticator, &options, "", None);
    let verified = waiting
        .post_form(
            "/api/verify_second_factor",
            &[
                ("method", "passkey"),
                ("ceremony", &ceremony),
                ("credential", &assertion),
            ],
        )
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    assert_eq!(verified.headers()["x-navigate"], "/dashboard");
    let claims = claims_in(&waiting.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(claims["amr"], json!(["pwd", "hwk", "user", "mfa"]));
    assert_eq!(claims["acr"], "aal2");

    // Without a waiting sign-in there is nothing to offer.
    let stranger = app.browser();
    let none = stranger
        .post_form("/api/passkey_second_factor_options", &[])
        .await;
    assert_eq!(none.status(), StatusCode::GONE);
    assert_eq!(json(none).await["code"], "mfa_pending_expired");
}

#[tokio::test]
async fn addresses_without_passkeys_get_stand_ins_that_do_not_change_or_sign_in() {
    let app = TestApp::spawn().await;
    app.create_user("no-passkeys@example.com", Role::User).await;
    let browser = app.browser();
    for email in ["nobody@example.com", "no-passkeys@example.com"] {
        let (_, _, first) = offered_for(&browser, email).await;
        let (_, _, again) = offered_for(&browser, email).await;
        assert!(!first.is_empty(), "{email}");
        assert_eq!(first, again, "{email}: the same each time");
        for id in &first {
            assert!((16..=128).contains(&id_length(id)), "{id}");
        }
    }
    let (_, _, one) = offered_for(&browser, "nobody@example.com").await;
    let (_, _, other) = offered_for(&browser, "no-passkeys@example.com").await;
    assert_ne!(one, other);

    // A real passkey cannot finish a ceremony started for an address without passkeys.
    let email = "has-one@example.com";
    let mut device = add_passkey(&app.signed_in(email, Role::User).await, "Phone").await;
    let (ceremony, mut options, _) = offered_for(&browser, "nobody@example.com").await;
    options["publicKey"]["allowCredentials"] = json!([]);
    let assertion = sign(
        &mut device.authenticator,
        &options,
        &device.credential_id,
        Some(&device.user_handle),
    );
    let refused = finish_sign_in(&browser, &ceremony, &assertion).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(refused).await["code"], "passkey_invalid");
}
