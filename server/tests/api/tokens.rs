use crate::helpers::*;
use app::auth::Role;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::Algorithm;
use reqwest::StatusCode;
use serde_json::json;

/// The victim's own claims, fresh in time and with the admin role, changed by `overrides`
/// (`null` removes a claim). Signed correctly, they name a live session: only the validator
/// stands between a forgery built on them and the victim's account.
fn claims_of(victim: &serde_json::Value, overrides: serde_json::Value) -> serde_json::Value {
    let mut claims = victim.clone();
    let now = now();
    for (key, value) in [
        ("iat", json!(now)),
        ("nbf", json!(now)),
        ("exp", json!(now + 600)),
        ("role", json!("admin")),
    ] {
        claims[key] = value;
    }
    for (key, value) in overrides.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

/// Each of these must be treated as "not signed in", never as an error, though each names the
/// victim's live session.
fn hostile_tokens(valid: &str) -> Vec<(&'static str, String)> {
    let victim = claims_in(valid);
    let forged = |overrides| sign(&claims_of(&victim, overrides), JWT_SECRET, "at+jwt");
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    let mut tampered_payload = victim.clone();
    tampered_payload["role"] = json!("admin");
    parts[1] = URL_SAFE_NO_PAD.encode(tampered_payload.to_string());
    let tampered = parts.join(".");
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    let now = now();
    vec![
        ("tampered payload", tampered),
        ("alg none", alg_none),
        (
            "expired",
            forged(json!({"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600})),
        ),
        // The validator allows 5 s of clock skew, and not one second more.
        (
            "expired just past the leeway",
            forged(json!({"iat": now - 600, "nbf": now - 600, "exp": now - 6})),
        ),
        ("not yet valid", forged(json!({"nbf": now + 3600}))),
        ("issued in the future", forged(json!({"iat": now + 3600}))),
        ("wrong issuer", forged(json!({"iss": "someone-else"}))),
        ("wrong audience", forged(json!({"aud": "another-app"}))),
        ("missing subject", forged(json!({"sub": null}))),
        ("missing expiry", forged(json!({"exp": null}))),
        ("missing issue time", forged(json!({"iat": null}))),
        ("another token type", forged(json!({"kind": "refresh"}))),
        (
            "another JWT typ",
            sign(&claims_of(&victim, json!({})), JWT_SECRET, "JWT"),
        ),
        (
            "wrong key",
            sign(
                &claims_of(&victim, json!({})),
                "some-other-secret-some-other-secret",
                "at+jwt",
            ),
        ),
        (
            "same key, HS384",
            sign_with(
                Algorithm::HS384,
                &claims_of(&victim, json!({})),
                JWT_SECRET,
                "at+jwt",
            ),
        ),
        (
            "same key, HS512",
            sign_with(
                Algorithm::HS512,
                &claims_of(&victim, json!({})),
                JWT_SECRET,
                "at+jwt",
            ),
        ),
        ("garbage", "not-a-token".into()),
        ("empty segments", "..".into()),
        ("oversized", "a".repeat(8 * 1024)),
    ]
}

#[tokio::test]
async fn forged_expired_and_garbage_access_tokens_count_as_signed_out() {
    let app = TestApp::spawn().await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let valid = user.cookie(ACCESS_COOKIE).unwrap();

    // The control: the victim's claims, correctly signed, are accepted everywhere the hostile
    // tokens below are refused, so each refusal is the validator's doing.
    let control = sign(
        &claims_of(&claims_in(&valid), json!({})),
        JWT_SECRET,
        "at+jwt",
    );
    let browser = app.browser();
    browser.set_cookie(ACCESS_COOKIE, &control);
    assert_eq!(browser.post_me().await.status(), StatusCode::OK, "control");
    assert_eq!(
        browser.get("/admin").await.status(),
        StatusCode::OK,
        "control"
    );
    let users = browser.post_form("/api/users", &[]).await;
    assert_eq!(users.status(), StatusCode::OK, "control");

    for (name, token) in hostile_tokens(&valid) {
        let browser = app.browser();
        browser.set_cookie(ACCESS_COOKIE, &token);
        let me = browser.post_me().await;
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "{name}: /api/me");
        browser.set_cookie(ACCESS_COOKIE, &token);
        let admin = browser.get("/admin").await;
        assert_eq!(admin.status(), StatusCode::SEE_OTHER, "{name}: /admin");
        browser.set_cookie(ACCESS_COOKIE, &token);
        let users = browser.post_form("/api/users", &[]).await;
        assert_eq!(
            users.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: /api/users"
        );
    }
}

#[tokio::test]
async fn a_token_expired_within_the_leeway_is_still_accepted() {
    let app = TestApp::spawn().await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    let victim = claims_in(&user.cookie(ACCESS_COOKIE).unwrap());
    let now = now();
    let late = claims_of(
        &victim,
        json!({"role": "user", "iat": now - 600, "nbf": now - 600, "exp": now - 2}),
    );
    let browser = app.browser();
    browser.set_cookie(ACCESS_COOKIE, &sign(&late, JWT_SECRET, "at+jwt"));
    assert_eq!(browser.post_me().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_valid_token_for_a_signed_out_session_cannot_call_server_functions() {
    let app = TestApp::spawn().await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    // Correctly signed, but its session family was never started.
    let orphan = claims_of(
        &claims_in(&user.cookie(ACCESS_COOKIE).unwrap()),
        json!({"role": "user", "sid": "never-started"}),
    );
    let browser = app.browser();
    browser.set_cookie(ACCESS_COOKIE, &sign(&orphan, JWT_SECRET, "at+jwt"));
    assert_eq!(browser.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(user.post_me().await.status(), StatusCode::OK);
}
