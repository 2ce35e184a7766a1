//! The limits on wrong codes: per waiting sign-in, per account (and the owner's mail), and input
//! refused before it costs anything.

use super::*;

#[tokio::test]
async fn malformed_codes_cost_no_attempt_and_five_wrong_ones_end_the_waiting_sign_in() {
    let app = TestApp::spawn().await;
    let email = "five@example.com";
    let (_, enrolled) = enrolled(&app, email).await;
    let waiting = password_step(&app, email).await;
    let oversized = "1".repeat(2048);
    for malformed in ["", "12345", "abcdef", "1234567", oversized.as_str()] {
        let refused = second_step(&waiting, "totp", malformed).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{malformed:?}"
        );
        assert_eq!(json(refused).await["code"], "invalid_code");
    }
    for malformed in ["AAAA-BBBB", oversized.as_str(), "ÄÄÄÄ-BBBB-CCCC-DDDD"] {
        let refused = second_step(&waiting, "recovery_code", malformed).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let wrong = if code_at(&enrolled.seed, 30) == "000000" {
        "000001"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let refused = second_step(&waiting, "totp", wrong).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let over = second_step(&waiting, "totp", &code_at(&enrolled.seed, 30)).await;
    assert_eq!(
        over.status(),
        StatusCode::GONE,
        "even the right code: the sign-in is void"
    );
    assert_eq!(json(over).await["code"], "mfa_pending_expired");
    assert!(waiting.cookie("__Host-mfa_pending").is_none());
    // A new password step starts a new waiting sign-in.
    let fresh = password_step(&app, email).await;
    let done = second_step(&fresh, "totp", &code_at(&enrolled.seed, 30)).await;
    assert_eq!(done.status(), StatusCode::OK);
}

#[tokio::test]
async fn ten_wrong_codes_on_one_account_block_the_second_step_and_tell_the_owner_once() {
    let app = TestApp::spawn_with(&[("MFA_MAX_FAILURES_ACCOUNT_WIDE", "4")]).await;
    let email = "wide@example.com";
    let (_, enrolled) = enrolled(&app, email).await;
    let wrong = if code_at(&enrolled.seed, 30) == "000000" {
        "000001"
    } else {
        "000000"
    };
    for _ in 0..2 {
        let waiting = password_step(&app, email).await;
        for _ in 0..2 {
            let refused = second_step(&waiting, "totp", wrong).await;
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    let waiting = password_step(&app, email).await;
    let blocked = second_step(&waiting, "totp", &code_at(&enrolled.seed, 30)).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&blocked) > 0);
    let mail = app.wait_for_mail(email, 2).await;
    assert!(
        mail.subject.contains("trying to sign in"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text.contains("entered your password correctly"),
        "{}",
        mail.text
    );
    let again = second_step(&waiting, "recovery_code", &enrolled.recovery_codes[0]).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    let notices = app
        .mail_to(email)
        .iter()
        .filter(|mail| mail.subject.contains("trying to sign in"))
        .count();
    assert_eq!(notices, 1, "one mail per window");
    assert_audit_has(&app, "second_factor_failed", Some(app.user_id(email).await)).await;
}
