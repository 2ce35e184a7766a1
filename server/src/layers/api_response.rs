//! JSON error responses for `/api`, in the same shape server functions use, and the fix-up that
//! gives server-function errors their proper status (the framework answers every error with 500).

use app::error::AppError;
use axum::body::{to_bytes, Body};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use server_fn::error::SERVER_FN_ERROR_HEADER;

/// Server-function error bodies are a few hundred bytes; anything larger is not one of ours.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// An error answer for an `/api` request, decodable by the server-function client.
pub fn api_error(path: &str, error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&error).unwrap_or_default();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(path) = HeaderValue::from_str(path) {
        headers.insert(SERVER_FN_ERROR_HEADER, path);
    }
    if let Some(seconds) = error.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Gives a server function's error response the status its error code names.
pub async fn with_error_status(response: Response) -> Response {
    let is_fn_error = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && response.headers().contains_key(SERVER_FN_ERROR_HEADER);
    if !is_fn_error {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
        if let Some(seconds) = error.retry_after {
            parts
                .headers
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
