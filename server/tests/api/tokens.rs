use crate::helpers::*;
use app::auth::Role;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use reqwest::StatusCode;
use serde_json::json;

fn claims(overrides: serde_json::Value) -> serde_json::Value {
    let mut claims = json!({
        "sub": "1", "role": "admin", "sid": "forged", "kind": "access",
        "iss": app::product::SLUG, "aud": app::product::SLUG,
        "iat": now(), "nbf": now(), "exp": now() + 600, "jti": "x"
    });
    for (key, value) in overrides.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

/// Each of these must be treated as "not signed in", never as an error.
fn hostile_tokens(valid: &str) -> Vec<(&'static str, String)> {
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload["role"] = json!("admin");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    let tampered = parts.join(".");
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    vec![
        ("tampered payload", tampered),
        ("alg none", alg_none),
        (
            "expired",
            sign(
                &claims(json!({"iat": now() - 7200, "nbf": now() - 7200, "exp": now() - 3600})),
                JWT_SECRET,
                "at+jwt",
            ),
        ),
        (
            "not yet valid",
            sign(&claims(json!({"nbf": now() + 3600})), JWT_SECRET, "at+jwt"),
        ),
        (
            "wrong issuer",
            sign(
                &claims(json!({"iss": "someone-else"})),
                JWT_SECRET,
                "at+jwt",
            ),
        ),
        (
            "wrong audience",
            sign(&claims(json!({"aud": "another-app"})), JWT_SECRET, "at+jwt"),
        ),
        (
            "missing subject",
            sign(&claims(json!({"sub": null})), JWT_SECRET, "at+jwt"),
        ),
        (
            "another token type",
            sign(&claims(json!({"kind": "refresh"})), JWT_SECRET, "at+jwt"),
        ),
        (
            "another JWT typ",
            sign(&claims(json!({})), JWT_SECRET, "JWT"),
        ),
        (
            "wrong key",
            sign(
                &claims(json!({})),
                "some-other-secret-some-other-secret",
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
async fn a_valid_token_for_a_signed_out_session_cannot_call_server_functions() {
    let app = TestApp::spawn().await;
    let user = app.signed_in("ada@example.com", Role::User).await;
    // Correctly signed, but its session family was never started.
    let orphan = sign(&claims(json!({"role": "user"})), JWT_SECRET, "at+jwt");
    let browser = app.browser();
    browser.set_cookie(ACCESS_COOKIE, &orphan);
    assert_eq!(browser.post_me().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(user.post_me().await.status(), StatusCode::OK);
}
