//! Signing in with a second step: codes within one step of now, replays and races, recovery
//! codes, step-up with both factors, and a password reset that does not sign in.

use super::*;
use futures::future::join_all;

#[tokio::test]
async fn a_code_one_step_either_side_of_now_signs_in_and_two_steps_away_does_not() {
    let app = TestApp::spawn().await;
    let email = "skew@example.com";
    clear_of_step_end(4).await;
    let browser = app.signed_in(email, app::auth::Role::User).await;
    // The set-up accepts the previous step's code.
    let enrolled = enrol_with(&browser, -30).await;
    let waiting = password_step(&app, email).await;
    for offset in [-90, -60, 60, 90] {
        let refused = second_step(&waiting, "totp", &code_at(&enrolled.seed, offset)).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{offset} s"
        );
        assert_eq!(json(refused).await["code"], "invalid_code");
    }
    let signed_in = second_step(&waiting, "totp", &code_at(&enrolled.seed, 30)).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
}

#[tokio::test]
async fn of_sign_ins_racing_with_one_code_exactly_one_gets_in() {
    let app = TestApp::spawn().await;
    let email = "race@example.com";
    let (_, enrolled) = enrolled(&app, email).await;
    let mut browsers = Vec::new();
    for _ in 0..5 {
        browsers.push(password_step(&app, email).await);
    }
    let code = code_at(&enrolled.seed, 30);
    let answers = join_all(
        browsers
            .iter()
            .map(|browser| second_step(browser, "totp", &code)),
    )
    .await;
    let mut statuses: Vec<u16> = answers
        .iter()
        .map(|answer| answer.status().as_u16())
        .collect();
    statuses.sort();
    assert_eq!(statuses, [200, 422, 422, 422, 422]);
    for answer in answers
        .into_iter()
        .filter(|answer| answer.status() != StatusCode::OK)
    {
        assert_eq!(json(answer).await["code"], "code_already_used");
    }
    let signed_in = browsers
        .iter()
        .filter(|browser| browser.cookie(ACCESS_COOKIE).is_some())
        .count();
    assert_eq!(signed_in, 1);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_however_it_is_typed_and_the_owner_is_told() {
    let app = TestApp::spawn().await;
    let email = "recovery@example.com";
    let (_, enrolled) = enrolled(&app, email).await;
    let code = &enrolled.recovery_codes[3];
    let typed = code
        .to_lowercase()
        .replace('-', " ")
        .replace('0', "o")
        .replace('1', "l");
    let racers = [
        password_step(&app, email).await,
        password_step(&app, email).await,
    ];
    let answers = join_all(
        racers
            .iter()
            .map(|browser| second_step(browser, "recovery_code", &typed)),
    )
    .await;
    let mut statuses: Vec<u16> = answers
        .iter()
        .map(|answer| answer.status().as_u16())
        .collect();
    statuses.sort();
    assert_eq!(statuses, [200, 422], "spent exactly once");
    let later = password_step(&app, email).await;
    let spent = second_step(&later, "recovery_code", code).await;
    assert_eq!(spent.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mail = app.wait_for_mail(email, 2).await;
    assert!(mail.subject.contains("recovery code"), "{}", mail.subject);
    assert!(mail.text.contains("9 unused"), "{}", mail.text);
    assert_audit_has(&app, "recovery_code_used", Some(app.user_id(email).await)).await;
}

#[tokio::test]
async fn the_second_step_page_needs_a_waiting_sign_in_and_a_code_needs_one_too() {
    let app = TestApp::spawn().await;
    let email = "page@example.com";
    let (_, enrolled) = enrolled(&app, email).await;
    let stranger = app.browser();
    let page = stranger.get("/login/verify").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/login");
    let refused = second_step(&stranger, "totp", &code_at(&enrolled.seed, 30)).await;
    assert_eq!(refused.status(), StatusCode::GONE);
    assert_eq!(json(refused).await["code"], "mfa_pending_expired");
    let waiting = password_step(&app, email).await;
    let page = waiting.get("/login/verify?next=/dashboard").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"autocomplete="one-time-code""#), "{html}");
    assert!(
        html.contains(r#"data-testid="recovery-code-form""#),
        "{html}"
    );
    // Without JavaScript the password step answers with a redirect to the same page.
    let plain = app.browser();
    let answer = plain
        .post_plain_form(
            "/api/login",
            "/login",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/login/verify?next=/account");
    let done = plain
        .post_plain_form(
            "/api/verify_second_factor",
            "/login/verify?next=/account",
            &[("method", "totp"), ("code", &code_at(&enrolled.seed, 30))],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/account");
}

#[tokio::test]
async fn step_up_on_an_account_with_two_factors_asks_for_both() {
    let app = TestApp::spawn().await;
    let email = "stepup-mfa@example.com";
    let (browser, enrolled) = enrolled(&app, email).await;
    let mut claims = claims_in(&browser.cookie(ACCESS_COOKIE).unwrap());
    claims["auth_time"] = serde_json::json!(now() - 3600);
    browser.set_cookie(ACCESS_COOKIE, &sign(&claims, JWT_SECRET, "at+jwt"));
    let refused = browser.post_form("/api/logout_others", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let password_only = browser
        .post_form("/api/reauthenticate", &[("password", PASSWORD)])
        .await;
    assert_eq!(password_only.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(password_only).await["field"], "code");
    let page = browser.get("/reauthenticate?next=/account").await;
    assert!(page
        .text()
        .await
        .unwrap()
        .contains(r#"data-testid="code-input""#));
    let both = browser
        .post_form(
            "/api/reauthenticate",
            &[
                ("password", PASSWORD),
                ("code", &code_at(&enrolled.seed, 30)),
            ],
        )
        .await;
    assert_eq!(both.status(), StatusCode::OK);
    assert_eq!(
        claims_in(&browser.cookie(ACCESS_COOKIE).unwrap())["acr"],
        "aal2"
    );
    assert_eq!(
        browser.post_form("/api/logout_others", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_reset_of_an_account_with_two_factors_ends_sessions_but_does_not_sign_in() {
    let app = TestApp::spawn().await;
    let email = "reset-mfa@example.com";
    let (browser, enrolled) = enrolled(&app, email).await;
    let requester = app.browser();
    requester
        .post_form("/api/request_password_reset", &[("email", email)])
        .await;
    let mail = app.wait_for_mail(email, 2).await;
    let token = mail.token_for("/reset-password");
    let reset = requester
        .post_form(
            "/api/reset_password",
            &[("token", &token), ("password", "a new passphrase for this")],
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(reset.headers()["x-navigate"], "/login?reset=1");
    assert!(requester.cookie(ACCESS_COOKIE).is_none(), "not signed in");
    assert_eq!(browser.post_me().await.status(), StatusCode::UNAUTHORIZED);
    let again = app.browser();
    let password = again
        .post_login(email, "a new passphrase for this", None)
        .await;
    assert!(
        json(password).await.is_null(),
        "the second step is still asked for"
    );
    let done = second_step(&again, "totp", &code_at(&enrolled.seed, 30)).await;
    assert_eq!(done.status(), StatusCode::OK);
}
