//! Adding, naming and deleting passkeys on the owner's account, and what adding refuses.

use super::*;
use app::auth::Role;

#[tokio::test]
async fn passkeys_are_renamed_and_deleted_and_a_deleted_one_no_longer_signs_in() {
    let app = TestApp::spawn().await;
    let email = "passkey-manage@example.com";
    let browser = app.signed_in(email, Role::User).await;
    let mut device = add_passkey(&browser, "Old name").await;
    let id = json(browser.post_form("/api/passkeys", &[]).await).await[0]["id"].to_string();

    let renamed = browser
        .post_form(
            "/api/rename_passkey",
            &[("id", &id), ("name", "  Work laptop ")],
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let listed = json(browser.post_form("/api/passkeys", &[]).await).await;
    assert_eq!(listed[0]["name"], "Work laptop");
    for name in ["", &"x".repeat(65), "line\nbreak"] {
        let refused = browser
            .post_form("/api/rename_passkey", &[("id", &id), ("name", name)])
            .await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}"
        );
        assert_eq!(json(refused).await["field"], "name");
    }

    // Someone else's passkey is not there to rename or delete.
    let stranger = app
        .signed_in("passkey-stranger@example.com", Role::User)
        .await;
    for (path, form) in [
        (
            "/api/rename_passkey",
            vec![("id", id.as_str()), ("name", "Mine")],
        ),
        ("/api/delete_passkey", vec![("id", id.as_str())]),
    ] {
        let refused = stranger.post_form(path, &form).await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{path}");
    }

    let deleted = browser
        .post_form("/api/delete_passkey", &[("id", &id)])
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let mail = app.wait_for_mail(email, 2).await;
    assert!(mail.subject.contains("was removed"), "{}", mail.subject);
    assert_audit_has(&app, "passkey_removed", Some(app.user_id(email).await)).await;
    let listed = json(browser.post_form("/api/passkeys", &[]).await).await;
    assert_eq!(listed, json!([]));
    let refused = sign_in_discoverably(&app.browser(), &mut device).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_account_holds_ten_passkeys_and_a_ceremony_serves_only_its_login() {
    let app = TestApp::spawn().await;
    let email = "passkey-limit@example.com";
    let browser = app.signed_in(email, Role::User).await;
    for n in 0..10 {
        add_passkey(&browser, &format!("Key {n}")).await;
    }
    let full = browser
        .post_form("/api/passkey_registration_options", &[])
        .await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    assert_eq!(json(full).await["code"], "passkey_limit");

    // Options asked for by one login, finished by another login of the same account.
    let owner = "passkey-login-bound@example.com";
    let first = app.signed_in(owner, Role::User).await;
    let second = app.signed_in_again(owner).await;
    let (ceremony, options) = super::ceremony(
        first
            .post_form("/api/passkey_registration_options", &[])
            .await,
    )
    .await;
    let credential = create(&mut SoftPasskey::new(true), &options);
    let form = [("ceremony", ceremony.as_str()), ("credential", &credential)];
    let refused = second.post_form("/api/register_passkey", &form).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(refused).await["code"], "passkey_invalid");
    // The ceremony was spent by that attempt.
    let spent = first.post_form("/api/register_passkey", &form).await;
    assert_eq!(spent.status(), StatusCode::GONE);
    assert_eq!(json(spent).await["code"], "passkey_ceremony_expired");
}

#[tokio::test]
async fn a_credential_that_fails_verification_is_not_added() {
    let app = TestApp::spawn().await;
    let browser = app
        .signed_in("passkey-bad-add@example.com", Role::User)
        .await;
    let (ceremony, _) = super::ceremony(
        browser
            .post_form("/api/passkey_registration_options", &[])
            .await,
    )
    .await;
    // A credential made for another ceremony's challenge is refused.
    let (_, other_options) = super::ceremony(
        browser
            .post_form("/api/passkey_registration_options", &[])
            .await,
    )
    .await;
    let credential = create(&mut SoftPasskey::new(true), &other_options);
    let refused = browser
        .post_form(
            "/api/register_passkey",
            &[("ceremony", &ceremony), ("credential", &credential)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(refused).await["code"], "passkey_invalid");
    let listed = json(browser.post_form("/api/passkeys", &[]).await).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn with_passkeys_off_nothing_is_offered() {
    let app = TestApp::spawn_with(&[("PASSKEYS", "off")]).await;
    let browser = app.signed_in("passkeys-off@example.com", Role::User).await;
    for (who, path) in [
        (&browser, "/api/passkey_registration_options"),
        (&app.browser(), "/api/passkey_sign_in_options"),
    ] {
        let refused = who.post_form(path, &[]).await;
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
    }
}

#[tokio::test]
async fn a_reset_of_lost_factors_deletes_the_passkeys_only_when_asked() {
    let app = TestApp::spawn().await;
    let email = "passkey-reset@example.com";
    add_passkey(&app.signed_in(email, Role::User).await, "Phone").await;
    let admin = app
        .signed_in("passkey-helpdesk@example.com", Role::Admin)
        .await;
    let user_id = app.user_id(email).await.to_string();
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM passkeys")
            .fetch_one(&app.state.db)
            .await
            .unwrap()
    };
    let reset = |form: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin
                .post_form("/api/admin_reset_second_factors", &form)
                .await
                .status()
        }
    };
    assert_eq!(
        reset(vec![("user_id", user_id.clone())]).await,
        StatusCode::OK
    );
    assert_eq!(stored().await, 1, "kept unless asked");
    let with = vec![
        ("user_id", user_id.clone()),
        ("passkeys", "true".to_owned()),
    ];
    assert_eq!(reset(with).await, StatusCode::OK);
    assert_eq!(stored().await, 0);

    // The command line, with no administrator: `--passkeys` too.
    add_passkey(&app.signed_in_again(email).await, "Key").await;
    let output = crate::cli::server_command(&app.database_url)
        .args(["user", "reset-mfa", "--email", email, "--passkeys"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stored().await, 0);
}
