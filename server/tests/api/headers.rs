//! Browser security headers on pages, server functions, files and error pages; HSTS outside
//! `dev`.

use crate::helpers::*;
use reqwest::{Response, StatusCode};

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The headers every answer carries, whatever it is.
fn assert_common_headers(response: &Response, what: &str) {
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(response, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(response, "referrer-policy"), "same-origin", "{what}");
    assert_eq!(
        header(response, "cross-origin-opener-policy"),
        "same-origin",
        "{what}"
    );
    assert_eq!(
        header(response, "cross-origin-resource-policy"),
        "same-origin",
        "{what}"
    );
    let policy = header(response, "content-security-policy");
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
}

/// A page's policy names the nonce its own inline scripts carry, and no other way to run one.
async fn assert_page_policy(response: Response, what: &str) {
    assert_common_headers(&response, what);
    let policy = header(&response, "content-security-policy");
    let html = response.text().await.unwrap();
    let nonce = html
        .split("<script type=\"module\" nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{what}: no nonce'd script in the page"));
    assert!(
        policy.contains(&format!(
            "script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval';"
        )),
        "{what}: {policy}"
    );
}

#[tokio::test]
async fn pages_functions_files_and_error_pages_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let browser = app.browser();

    let page = browser.get("/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        header(&page, "strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    assert_page_policy(page, "/login").await;

    let missing = browser.get("/no-such-page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_page_policy(missing, "404 page").await;

    // Nonces differ from one page to the next.
    let nonce_of = |policy: String| policy.split("'nonce-").nth(1).map(str::to_owned);
    let first = nonce_of(header(&browser.get("/").await, "content-security-policy"));
    let second = nonce_of(header(&browser.get("/").await, "content-security-policy"));
    assert!(first.is_some() && first != second);

    let function = browser.post_me().await;
    assert_eq!(function.status(), StatusCode::UNAUTHORIZED);
    assert_common_headers(&function, "/api/me");
    assert!(header(&function, "content-security-policy").starts_with("default-src 'none'"));

    std::fs::create_dir_all(app.site_pkg_dir()).unwrap();
    std::fs::write(app.site_pkg_dir().join("file.css"), "body {}").unwrap();
    let file = browser.get("/pkg/file.css").await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_common_headers(&file, "/pkg/file.css");
    assert!(header(&file, "content-security-policy").starts_with("default-src 'none'"));
}

#[tokio::test]
async fn answers_that_set_tokens_are_never_stored() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let signed_up = browser.post_register("ada@example.com", PASSWORD).await;
    assert_eq!(signed_up.status(), StatusCode::OK);
    assert_eq!(header(&signed_up, "cache-control"), "no-store");

    // A page that refreshes the tokens on the way (no access cookie, a live refresh cookie).
    let refresh = browser.cookie(REFRESH_COOKIE).unwrap();
    let tab = app.browser();
    tab.set_cookie(REFRESH_COOKIE, &refresh);
    let page = tab.get("/dashboard").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().contains_key("set-cookie"));
    assert_eq!(header(&page, "cache-control"), "no-store");
}

#[tokio::test]
async fn dev_over_plain_http_gets_no_hsts() {
    let app = TestApp::spawn_with(&[("APP_ENV", "dev")]).await;
    let page = app.browser().get("/login").await;
    assert_common_headers(&page, "dev /login");
    assert!(!page.headers().contains_key("strict-transport-security"));
}
