//! A panic anywhere below this layer (a handler, a page, a middleware of ours) becomes a plain
//! 500 that says nothing of the cause, logged with the panic's message. Without it, a panicking
//! request drops its connection: a client cannot tell that from a refusal, and a test that sends
//! hostile input would count it as one.

use app::error::AppError;
use axum::body::Body;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use std::any::Any;
use tower_http::catch_panic::CatchPanicLayer;

/// The layer, as the router installs it.
pub fn catch_panics() -> CatchPanicLayer<fn(Box<dyn Any + Send + 'static>) -> Response> {
    CatchPanicLayer::custom(answer_panic as fn(Box<dyn Any + Send + 'static>) -> Response)
}

fn answer_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(not a string)");
    tracing::error!(panic = message, "a request panicked; answered 500");
    let body = serde_json::to_string(&AppError::internal()).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
