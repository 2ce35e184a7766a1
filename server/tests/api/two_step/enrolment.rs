//! Setting up, reading and turning off two-step verification.

use super::*;
use app::auth::Role;
use serde_json::json;

#[tokio::test]
async fn setting_up_an_app_turns_two_step_on_and_the_set_up_code_never_signs_in() {
    let app = TestApp::spawn().await;
    let email = "enrol@example.com";
    let (browser, enrolled) = enrolled(&app, email).await;
    // Confirming used both factors: this login counts as such.
    let claims = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(claims["acr"], "aal2");
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["mfa"], true);
    let mail = app.wait_for_mail(email, 1).await;
    assert!(
        mail.subject.contains("Two-step verification is on"),
        "{}",
        mail.subject
    );
    assert_audit_has(&app, "mfa_enabled", Some(app.user_id(email).await)).await;

    let other = password_step(&app, email).await;
    let replayed = second_step(&other, "totp", &code_at(&enrolled.seed, 0)).await;
    assert_eq!(replayed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(replayed).await["code"], "code_already_used");
    let next = second_step(&other, "totp", &code_at(&enrolled.seed, 30)).await;
    assert_eq!(next.status(), StatusCode::OK);
    assert_eq!(next.headers()["x-navigate"], "/dashboard");
    let claims = claims_in(&other.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(claims["acr"], "aal2");
    assert!(
        other.cookie("__Host-mfa_pending").is_none(),
        "the waiting sign-in is spent"
    );
    assert_eq!(other.post_me().await.status(), StatusCode::OK);

    // Already on: a second set-up is refused, and the page offers none.
    let again = browser.post_form("/api/begin_totp", &[]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(json(again).await["code"], "mfa_already_enabled");
}

#[tokio::test]
async fn a_wrong_first_code_leaves_two_step_off() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("wrong-first@example.com", Role::User).await;
    assert_eq!(
        browser.post_form("/api/begin_totp", &[]).await.status(),
        StatusCode::OK
    );
    for (code, expected) in [
        ("000000", "invalid_code"),
        ("12345", "invalid_code"),
        ("abc", "invalid_code"),
    ] {
        let refused = browser
            .post_form("/api/confirm_totp", &[("code", code)])
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error = json(refused).await;
        assert_eq!(error["code"], expected);
        assert_eq!(error["field"], "code");
    }
    let security = json(browser.post_form("/api/security", &[]).await).await;
    assert_eq!(security["totp_since"], serde_json::Value::Null);
    // Signing in still takes the password alone.
    let again = app.browser();
    let response = again
        .post_login("wrong-first@example.com", PASSWORD, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(again.cookie(ACCESS_COOKIE).is_some());
}

#[tokio::test]
async fn a_login_that_used_only_the_password_can_neither_turn_it_off_nor_change_the_password() {
    let app = TestApp::spawn().await;
    let email = "turn-off@example.com";
    let (browser, _) = enrolled(&app, email).await;
    // A login that used only the password (as after a password change) is not enough.
    let changed = browser
        .post_form(
            "/api/change_password",
            &[("current_password", PASSWORD), ("new_password", PASSWORD)],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        claims_in(&browser.cookie(ACCESS_COOKIE).unwrap())["acr"],
        "aal1"
    );
    let refused = browser.post_form("/api/disable_totp", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(refused).await["code"], "reauthentication_required");
    // Nor may the password alone replace itself.
    let again = browser
        .post_form(
            "/api/change_password",
            &[("current_password", PASSWORD), ("new_password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(again).await["code"], "reauthentication_required");
}

#[tokio::test]
async fn turning_it_off_mails_the_owner_and_removes_every_factor() {
    let app = TestApp::spawn().await;
    let email = "off@example.com";
    let (browser, _) = enrolled(&app, email).await;
    let off = browser.post_form("/api/disable_totp", &[]).await;
    assert_eq!(off.status(), StatusCode::OK);
    let mail = app.wait_for_mail(email, 2).await;
    assert!(mail.subject.contains("off"), "{}", mail.subject);
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM user_totp) + (SELECT COUNT(*) FROM recovery_codes)",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(rows, 0);
    let again = app.browser();
    again.post_login(email, PASSWORD, None).await;
    assert!(again.cookie(ACCESS_COOKIE).is_some());
    assert_audit_has(&app, "mfa_disabled", Some(app.user_id(email).await)).await;
}

#[tokio::test]
async fn the_export_lists_the_factors_and_never_their_secrets() {
    let app = TestApp::spawn().await;
    let (browser, enrolled) = enrolled(&app, "export-mfa@example.com").await;
    let export = browser.get("/account/export").await;
    assert_eq!(export.status(), StatusCode::OK);
    let text = export.text().await.unwrap();
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let two_step = &document["two_step_verification"];
    assert!(two_step["authenticator_app_since"].as_i64().is_some());
    assert_eq!(two_step["recovery_codes_left"], 10);
    let sealed: String = sqlx::query_scalar("SELECT secret_sealed FROM user_totp")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(sealed.starts_with("v1:"));
    assert!(!text.contains(&sealed));
    for code in &enrolled.recovery_codes {
        assert!(!text.contains(code.as_str()));
        assert!(!text.contains(&code[5..]));
    }
}

#[tokio::test]
async fn a_seed_moved_to_another_account_opens_for_nobody_and_recovery_codes_still_work() {
    let app = TestApp::spawn().await;
    let (_, first) = enrolled(&app, "first@example.com").await;
    let (_, second) = enrolled(&app, "second@example.com").await;
    let first_id = app.user_id("first@example.com").await;
    let second_id = app.user_id("second@example.com").await;
    // Someone with write access to the table copies the first account's sealed seed over.
    sqlx::query(
        "UPDATE user_totp SET secret_sealed = \
         (SELECT secret_sealed FROM user_totp WHERE user_id = $1) WHERE user_id = $2",
    )
    .bind(first_id)
    .bind(second_id)
    .execute(&app.state.db)
    .await
    .unwrap();
    let browser = password_step(&app, "second@example.com").await;
    let refused = second_step(&browser, "totp", &code_at(&first.seed, 30)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(refused).await["code"], "invalid_code");
    let rescued = second_step(&browser, "recovery_code", &second.recovery_codes[0]).await;
    assert_eq!(rescued.status(), StatusCode::OK);
}

#[tokio::test]
async fn prod_refuses_to_start_without_the_data_key_once_accounts_have_factors() {
    let app = TestApp::spawn().await;
    enrolled(&app, "sealed@example.com").await;
    let dir = tempfile::tempdir().unwrap();
    let mut vars: std::collections::HashMap<String, String> = [
        ("APP_ENV", "prod"),
        ("JWT_SECRET", JWT_SECRET),
        ("PUBLIC_ORIGIN", "https://app.example"),
        ("SMTP_URL", "smtps://smtp.example:465"),
        ("DATABASE_URL", app.database_url.as_str()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    let refused = build_application(&vars, dir.path())
        .await
        .err()
        .expect("refused");
    assert!(
        refused.to_string().contains("DATA_ENCRYPTION_KEY"),
        "{refused}"
    );
    vars.insert(
        "DATA_ENCRYPTION_KEY".into(),
        "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=".into(),
    );
    assert!(build_application(&vars, dir.path()).await.is_ok());
}
