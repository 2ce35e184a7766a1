//! Browser security headers on every answer.
//!
//! - `Content-Security-Policy`. A page's policy lets scripts run only from this site and inline
//!   scripts only with the page's nonce (Leptos puts it on every script it writes, and the page
//!   script copies it to the bundle's loader), so an injected `<script>` does not run; WASM may
//!   compile (`'wasm-unsafe-eval'`); nothing may frame the site. The page sets it while rendering,
//!   when its nonce is known ([`set_page_policy`]). Any other answer (server functions, the
//!   bundle, files) gets a policy that allows nothing: it is never a document to run.
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (for browsers without
//!   `frame-ancestors`), `Referrer-Policy: same-origin` (no path or query, such as a `next`,
//!   leaves the site; the pages a mailed link opens send `no-referrer`, so not even a request to
//!   this site carries the link's token in a header), `Cross-Origin-Opener-Policy` and
//!   `Cross-Origin-Resource-Policy: same-origin`.
//! - `Strict-Transport-Security` for a year, subdomains included, outside `dev` (where the app
//!   runs over plain HTTP on any host).
//!
//! Caching is the caching layer's (`caching.rs`), including `no-store` on anything that sets a
//! cookie.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderName, HeaderValue};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

const NOTHING_TO_RUN: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000; includeSubDomains");
const COOP: HeaderName = HeaderName::from_static("cross-origin-opener-policy");
const CORP: HeaderName = HeaderName::from_static("cross-origin-resource-policy");

/// The policy of a page whose inline scripts carry `nonce` (`None`: a page rendered without
/// one, whose inline scripts then do not run; its forms still work without them).
pub fn page_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map_or(String::new(), |nonce| format!(" 'nonce-{nonce}'"));
    // `cargo leptos watch` reloads the page through a WebSocket on its own port.
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws:"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{reload}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's policy with its nonce; called in the context of every page render (before
/// any of it is sent). Outside a render (a static file), does nothing.
pub fn set_page_policy() {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    // Leptos provides the nonce just before this runs. Once in a long browser run a page was
    // still seen without one (its every inline script then blocked); should the context lack it,
    // the page gets one here, so its scripts and its policy agree.
    let nonce = leptos::nonce::use_nonce().or_else(|| {
        tracing::warn!("a page rendered without a nonce in its context: one was provided");
        leptos::nonce::provide_nonce();
        leptos::nonce::use_nonce()
    });
    if let Ok(policy) = HeaderValue::from_str(&page_policy(nonce.as_deref())) {
        response.insert_header(CONTENT_SECURITY_POLICY, policy);
    }
}

/// Whether the site is served over HTTPS (every profile but `dev`), for HSTS.
#[derive(Clone, Copy)]
pub struct Transport {
    pub https_only: bool,
}

pub async fn security_headers(
    State(transport): State<Transport>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        let policy = if is_html {
            HeaderValue::from_str(&page_policy(None)).unwrap_or(NOTHING_TO_RUN)
        } else {
            NOTHING_TO_RUN
        };
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A page may have asked for a stricter one (the pages mailed links open: `no-referrer`).
    headers
        .entry(REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    headers.insert(COOP, HeaderValue::from_static("same-origin"));
    headers.insert(CORP, HeaderValue::from_static("same-origin"));
    if transport.https_only {
        headers.insert(STRICT_TRANSPORT_SECURITY, HSTS);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_policy_allows_its_nonce_and_no_other_inline_script() {
        let policy = page_policy(Some("abc123"));
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("object-src 'none'"));
        assert!(policy.contains("base-uri 'none'"));
        assert!(!page_policy(None).contains("nonce"));
    }
}
