//! `/account/export`: the signed-in user's own data as a JSON download (see
//! `app::ssr::personal_data::export`). A plain route rather than a server function, so a link downloads it; its
//! policy (signed in) is its row in `crate::routes::SERVER_ROUTES`.

use app::ssr::context::RequestAuth;
use app::ssr::personal_data::export::account_data;
use app::ssr::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use http::{HeaderMap, HeaderValue, StatusCode};

pub const EXPORT_PATH: &str = "/account/export";

pub async fn account_export(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Option<Extension<RequestAuth>>,
) -> Response {
    // A link or a script on another site must not make a signed-in browser save the file (Lax
    // cookies ride along on top-level navigations): only our own pages, or the address typed in.
    let site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok());
    if matches!(site, Some("cross-site" | "same-site")) {
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    let auth = auth.map(|Extension(auth)| auth).unwrap_or_default();
    let (Some(viewer), Some(claims)) = (auth.viewer(), auth.claims.as_ref()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match account_data(&state, viewer.user_id, &claims.sid).await {
        Ok(data) => {
            let mut response = Json(data).into_response();
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"account-data.json\""),
            );
            // Personal data: no cache, shared or the browser's, may keep a copy.
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, Json(error)).into_response()
        }
    }
}
