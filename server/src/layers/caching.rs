//! `Cache-Control` on every answer, chosen by what the answer is.
//!
//! - The bundle (`/pkg/…`) when its file names carry a content hash (the build's `hash-files`):
//!   kept by browsers for a year without asking again (`immutable`). A new build has new names,
//!   so a repeat visit downloads no bundle bytes until the bundle changes.
//! - The bundle under plain names (a build without hashing): revalidated on every use.
//! - Pages and server-function answers: never stored (`no-store`). They carry the viewer's
//!   name, role and data, and a shared or back-button cache must not show them to someone else
//!   or after sign-out.
//! - Other static files (the favicon): kept for a day.
//!
//! An answer that sets a cookie is never stored, whatever it is: a page that refreshed the
//! visitor's tokens on the way carries their new refresh cookie, and a shared cache must not hand
//! it to the next visitor. Any other answer that already names its caching keeps it. Bundle answers also say that they vary
//! with `Accept-Encoding` (the file service picks a precompressed copy by it), so a shared cache
//! never hands a brotli body to a client that asked for gzip.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE, VARY};
use http::HeaderValue;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
const NEVER: HeaderValue = HeaderValue::from_static("no-store");
const ONE_DAY: HeaderValue = HeaderValue::from_static("public, max-age=86400");

/// Where the bundle is served, and whether its file names are content-hashed.
#[derive(Clone)]
pub struct CachePolicy {
    bundle_prefix: Arc<str>,
    hashed_names: bool,
}

impl CachePolicy {
    pub fn new(options: &LeptosOptions) -> Self {
        Self {
            bundle_prefix: format!("/{}/", options.site_pkg_dir).into(),
            hashed_names: options.hash_files,
        }
    }

    /// The `Cache-Control` to set on this answer, if it should change.
    fn decide(&self, path: &str, response: &Response) -> Option<HeaderValue> {
        if response.headers().contains_key(SET_COOKIE) {
            Some(NEVER)
        } else if response.headers().contains_key(CACHE_CONTROL) {
            None
        } else {
            Some(self.for_answer(path, response))
        }
    }

    fn for_answer(&self, path: &str, response: &Response) -> HeaderValue {
        let is_html = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
        if path.starts_with(&*self.bundle_prefix) && !is_html {
            if self.hashed_names && response.status().is_success() {
                FOREVER
            } else {
                REVALIDATE
            }
        } else if is_html || path.starts_with("/api/") || !response.status().is_success() {
            NEVER
        } else {
            ONE_DAY
        }
    }
}

pub async fn cache_control(
    State(policy): State<CachePolicy>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if let Some(value) = policy.decide(&path, &response) {
        response.headers_mut().insert(CACHE_CONTROL, value);
    }
    if path.starts_with(&*policy.bundle_prefix) {
        let accept_encoding = HeaderValue::from_static("accept-encoding");
        response.headers_mut().append(VARY, accept_encoding);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use http::StatusCode;

    fn policy(hashed_names: bool) -> CachePolicy {
        CachePolicy {
            bundle_prefix: "/pkg/".into(),
            hashed_names,
        }
    }

    fn answer(status: StatusCode, content_type: &str) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = status;
        let value = HeaderValue::from_str(content_type).unwrap();
        response.headers_mut().insert(CONTENT_TYPE, value);
        response
    }

    #[test]
    fn an_answer_that_sets_a_cookie_is_never_stored_whatever_it_said() {
        let mut page = answer(StatusCode::OK, "text/plain");
        page.headers_mut().insert(CACHE_CONTROL, ONE_DAY);
        assert_eq!(policy(true).decide("/robots.txt", &page), None);
        page.headers_mut()
            .insert(SET_COOKIE, HeaderValue::from_static("refresh_token=x"));
        assert_eq!(policy(true).decide("/robots.txt", &page), Some(NEVER));
    }

    #[test]
    fn hashed_bundle_files_are_kept_for_good_and_plain_ones_revalidated() {
        let wasm = answer(StatusCode::OK, "application/wasm");
        let path = "/pkg/app.Lk_mfbGB.wasm";
        assert_eq!(policy(true).for_answer(path, &wasm), FOREVER);
        assert_eq!(policy(false).for_answer(path, &wasm), REVALIDATE);
    }

    #[test]
    fn a_missing_bundle_file_is_not_kept() {
        let missing = answer(StatusCode::NOT_FOUND, "text/plain");
        assert_eq!(
            policy(true).for_answer("/pkg/gone.wasm", &missing),
            REVALIDATE
        );
        let not_found_page = answer(StatusCode::NOT_FOUND, "text/html; charset=utf-8");
        assert_eq!(
            policy(true).for_answer("/pkg/gone.wasm", &not_found_page),
            NEVER
        );
    }

    #[test]
    fn pages_and_function_answers_are_never_stored() {
        let page = answer(StatusCode::OK, "text/html; charset=utf-8");
        assert_eq!(policy(true).for_answer("/dashboard", &page), NEVER);
        let json = answer(StatusCode::OK, "application/json");
        assert_eq!(policy(true).for_answer("/api/me", &json), NEVER);
        let refused = answer(StatusCode::FORBIDDEN, "text/plain");
        assert_eq!(policy(true).for_answer("/favicon.svg", &refused), NEVER);
    }

    #[test]
    fn other_static_files_are_kept_for_a_day() {
        let icon = answer(StatusCode::OK, "image/svg+xml");
        assert_eq!(policy(true).for_answer("/favicon.svg", &icon), ONE_DAY);
    }
}
