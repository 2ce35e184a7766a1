//! Compression of the browser bundle (WASM, JavaScript, CSS) for clients that accept it.
//!
//! The WASM is most of a first load (about 850 KB raw, a third of that compressed), and browsers
//! always send `Accept-Encoding`. Pages and server-function answers are left as they are: they
//! are small, and a compressing encoder would buffer the chunks of a streamed page.
//!
//! Level 5 for both brotli and gzip: close to their best ratios on this bundle at a fraction of
//! the CPU of the maximum levels, since the bundle is compressed again for each request (a CDN or
//! reverse proxy in front caches it in production).

use http::header::CONTENT_TYPE;
use http::HeaderMap;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

const BUNDLE_LEVEL: i32 = 5;

pub fn bundle_compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(BUNDLE_LEVEL))
        .compress_when(DefaultPredicate::new().and(is_bundle_file))
}

fn is_bundle_file(
    _status: http::StatusCode,
    _version: http::Version,
    headers: &HeaderMap,
    _extensions: &http::Extensions,
) -> bool {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    [
        "application/wasm",
        "text/javascript",
        "application/javascript",
        "text/css",
    ]
    .iter()
    .any(|bundle| content_type.starts_with(bundle))
}
