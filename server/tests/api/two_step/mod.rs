//! Two-step verification over HTTP, on every backend set: setting up an authenticator app, the
//! second step of signing in, recovery codes, the limits on wrong codes, and how it meets
//! step-up, password resets and data export. Codes are computed as an authenticator app does
//! (RFC 6238), from the key the set-up page shows.

mod enrolment;
mod limits;
mod reset;
mod roles;
mod sign_in;
mod trusted;

use crate::helpers::*;
use http::StatusCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An enrolled account: its authenticator's seed and its recovery codes.
pub struct Enrolled {
    pub seed: Vec<u8>,
    pub recovery_codes: Vec<String>,
}

/// The code an authenticator app shows for `seed`, `offset` seconds from now.
pub fn code_at(seed: &[u8], offset: i64) -> String {
    let now = now() as i64;
    let totp = totp_rs::Builder::new()
        .with_secret(seed.to_vec())
        .with_account_name("test")
        .build()
        .unwrap();
    totp.generate((now + offset) as u64).to_string()
}

/// Waits, when the current 30-second step ends within `margin`, for the next one to begin, so
/// a code computed now is judged in the same step by the server (at most `margin` of waiting,
/// in a fraction of runs).
pub async fn clear_of_step_end(margin: u64) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let into_step = now.as_millis() as u64 % 30_000;
    let left = 30_000 - into_step;
    if left < margin * 1000 {
        tokio::time::sleep(Duration::from_millis(left + 50)).await;
    }
}

/// The text of the first element with `data-testid="{test_id}"` in `html`.
pub fn text_of(html: &str, test_id: &str) -> Option<String> {
    let marker = format!(r#"data-testid="{test_id}""#);
    let after = &html[html.find(&marker)? + marker.len()..];
    let start = after.find('>')? + 1;
    let end = after[start..].find('<')?;
    Some(after[start..start + end].trim().to_owned())
}

/// Every text of elements with `data-testid="{test_id}"` in `html`.
pub fn texts_of(html: &str, test_id: &str) -> Vec<String> {
    let marker = format!(r#"data-testid="{test_id}""#);
    html.match_indices(&marker)
        .filter_map(|(at, _)| text_of(&html[at..], test_id))
        .collect()
}

/// The seed in the base32 `typed` form the set-up page shows.
fn seed_of(typed: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = String::new();
    for c in typed.chars().filter(|c| !c.is_whitespace()) {
        bits.push_str(&format!("{:05b}", ALPHABET.find(c).unwrap()));
    }
    bits.as_bytes()
        .chunks(8)
        .filter(|chunk| chunk.len() == 8)
        .map(|chunk| u8::from_str_radix(std::str::from_utf8(chunk).unwrap(), 2).unwrap())
        .collect()
}

/// Sets up an authenticator app on `browser`'s account, confirming with the code of
/// `confirm_offset` seconds from now.
pub async fn enrol_with(browser: &Browser, confirm_offset: i64) -> Enrolled {
    let begun = browser.post_form("/api/begin_totp", &[]).await;
    assert_eq!(begun.status(), StatusCode::OK, "begin_totp");
    assert_eq!(begun.headers()["x-navigate"], "/account/security/totp");
    let page = browser.get("/account/security/totp").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"role="img""#) && html.contains("aria-label"),
        "{html}"
    );
    let seed = seed_of(&text_of(&html, "totp-secret").expect("the key is shown"));
    assert_eq!(seed.len(), 20);
    let code = code_at(&seed, confirm_offset);
    let confirmed = browser
        .post_form("/api/confirm_totp", &[("code", &code)])
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK, "confirm_totp");
    assert_eq!(
        confirmed.headers()["x-navigate"],
        "/account/security/recovery-codes"
    );
    let codes_page = browser.get("/account/security/recovery-codes").await;
    let recovery_codes = texts_of(&codes_page.text().await.unwrap(), "recovery-code");
    assert_eq!(recovery_codes.len(), 10);
    Enrolled {
        seed,
        recovery_codes,
    }
}

/// A fresh account with two-step verification on, and the browser that set it up.
pub async fn enrolled(app: &TestApp, email: &str) -> (Browser, Enrolled) {
    clear_of_step_end(3).await;
    let browser = app.signed_in(email, app::auth::Role::User).await;
    let enrolled = enrol_with(&browser, 0).await;
    (browser, enrolled)
}

/// A browser that has passed the password step of `email`: its sign-in waits for the second.
pub async fn password_step(app: &TestApp, email: &str) -> Browser {
    let browser = app.browser();
    let response = browser.post_login(email, PASSWORD, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-navigate"],
        "/login/verify?next=/dashboard"
    );
    assert!(json(response).await.is_null(), "no viewer yet");
    assert!(browser.cookie(ACCESS_COOKIE).is_none(), "no session yet");
    assert!(browser.cookie("__Host-mfa_pending").is_some());
    browser
}

pub async fn second_step(browser: &Browser, method: &str, code: &str) -> reqwest::Response {
    browser
        .post_form(
            "/api/verify_second_factor",
            &[("method", method), ("code", code)],
        )
        .await
}
