//! Trusted browsers: a browser trusted at the second step skips it until its trust ends, for one
//! factor only; trust ends by date, password change, sign-out everywhere and "forget".

use super::*;
use serde_json::Value;

/// Signs `browser` in to `email` with `code` of `method`, trusting it.
async fn sign_in_trusting(browser: &Browser, email: &str, method: &str, code: &str) {
    sign_in_trusting_with(browser, email, PASSWORD, method, code).await;
}

async fn sign_in_trusting_with(
    browser: &Browser,
    email: &str,
    password: &str,
    method: &str,
    code: &str,
) {
    let password = browser.post_login(email, password, None).await;
    assert!(
        json(password).await.is_null(),
        "the second step is asked for"
    );
    let form = [("method", method), ("code", code), ("trust_device", "true")];
    let trusted = browser.post_form("/api/verify_second_factor", &form).await;
    assert_eq!(trusted.status(), StatusCode::OK);
}

/// Whether signing `browser` in to `email` skips the second step.
async fn skips_the_second_step(browser: &Browser, email: &str) -> bool {
    skips_it_with(browser, email, PASSWORD).await
}

async fn skips_it_with(browser: &Browser, email: &str, password: &str) -> bool {
    browser.post_form("/api/logout", &[]).await;
    let answer = browser.post_login(email, password, None).await;
    assert_eq!(answer.status(), StatusCode::OK);
    !json(answer).await.is_null()
}

#[tokio::test]
async fn a_trusted_browser_skips_the_code_until_its_trust_ends_but_step_up_still_asks() {
    let app = TestApp::spawn().await;
    let email = "trusting@example.com";
    let (owner, enrolled) = enrolled(&app, email).await;
    let laptop = app.browser();
    sign_in_trusting(&laptop, email, "totp", &code_at(&enrolled.seed, 30)).await;
    assert!(skips_the_second_step(&laptop, email).await);
    let claims = claims_in(&laptop.cookie(ACCESS_COOKIE).unwrap());
    assert_eq!(claims["acr"], "aal1", "one factor");
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    let refused = laptop.post_form("/api/logout_others", &[]).await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "step-up asks for both"
    );
    assert!(
        !skips_the_second_step(&app.browser(), email).await,
        "only that browser"
    );

    let security = json(owner.post_form("/api/security", &[]).await).await;
    let listed: &Vec<Value> = security["trusted_browsers"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    let lifetime =
        listed[0]["expires_at"].as_i64().unwrap() - listed[0]["trusted_at"].as_i64().unwrap();
    assert_eq!(lifetime, 30 * 86_400, "MFA_TRUST_DAYS, fixed when trusted");

    sqlx::query("UPDATE trusted_devices SET expires_at = $1")
        .bind(now() as i64 - 1)
        .execute(&app.state.db)
        .await
        .unwrap();
    assert!(
        !skips_the_second_step(&laptop, email).await,
        "trust expired"
    );
    assert_audit_has(&app, "trusted_device_added", Some(app.user_id(email).await)).await;
}

#[tokio::test]
async fn trust_ends_when_forgotten_on_signing_out_everywhere_and_with_the_password() {
    let app = TestApp::spawn().await;
    let email = "untrusting@example.com";
    let (owner, enrolled) = enrolled(&app, email).await;
    let codes = &enrolled.recovery_codes;

    let laptop = app.browser();
    sign_in_trusting(&laptop, email, "totp", &code_at(&enrolled.seed, 30)).await;
    let security = json(owner.post_form("/api/security", &[]).await).await;
    let handle = security["trusted_browsers"][0]["handle"]
        .as_str()
        .unwrap()
        .to_owned();
    let forgotten = owner
        .post_form("/api/forget_trusted_browser", &[("handle", &handle)])
        .await;
    assert_eq!(forgotten.status(), StatusCode::OK);
    assert!(!skips_the_second_step(&laptop, email).await, "forgotten");

    let phone = app.browser();
    sign_in_trusting(&phone, email, "recovery_code", &codes[0]).await;
    // The owner, whose login used both factors just now, changes the password.
    let new_password = "another passphrase here";
    let form = [
        ("current_password", PASSWORD),
        ("new_password", new_password),
    ];
    let changed = owner.post_form("/api/change_password", &form).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trusted_devices")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    assert!(
        !skips_it_with(&phone, email, new_password).await,
        "a new password"
    );

    let tablet = app.browser();
    sign_in_trusting_with(&tablet, email, new_password, "recovery_code", &codes[1]).await;
    let everywhere = tablet.post_form("/api/logout_all", &[]).await;
    assert_eq!(everywhere.status(), StatusCode::OK);
    assert!(
        !skips_it_with(&tablet, email, new_password).await,
        "signed out everywhere"
    );
}
