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
//! An answer that already names its caching keeps it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
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
    if !response.headers().contains_key(CACHE_CONTROL) {
        let value = policy.for_answer(&path, &response);
        response.headers_mut().insert(CACHE_CONTROL, value);
    }
    response
}
