//! Authentication: who is asking, worked out once per request, in front of every route.
//!
//! 1. Oversized headers are refused, and the client's address is worked out.
//! 2. State-changing requests must come from our own origin.
//! 3. The access cookie is verified (no I/O; revoked logins are known in memory, see
//!    `app::ssr::sessions::revocation_feed`). If it is missing, expired or revoked and a refresh cookie
//!    is present, the refresh session is rotated here and the new cookies go on this response's
//!    headers, before a streamed page starts (cookies set from inside a stream can be lost).
//! 4. The outcome goes into the request as a [`RequestAuth`]. What the route that matched allows
//!    is decided after this, by [`super::authorize`], which only runs for matched routes: a
//!    request no route matches (a file, the not-found page) is authenticated here and nothing more.

use super::api_response::api_error;
use super::csrf;
use app::api::email::ResetPassword;
use app::api::sign_in::{Login, Logout, Refresh, Register};
use app::error::AppError;
use app::pages::bench::is_bench_path;
use app::ssr::context::{client_info_of, ClientAddress, RequestAuth};
use app::ssr::sessions::refresh::rotate;
use app::ssr::state::AppState;
use app::ssr::throttle::client_address::client_address;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::SET_COOKIE;
use http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use server_fn::ServerFn;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::OnceLock;

/// The most header bytes a request may carry (names and values). Browsers send a few KiB; our
/// cookies are under 1 KiB each. The HTTP server alone would accept hundreds of KiB.
const MAX_HEADER_BYTES: usize = 32 * 1024;

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

/// Server functions that handle the refresh cookie themselves: rotating it here first would
/// spend it twice.
const HANDLES_REFRESH_ITSELF: &[&str] = &[
    Login::PATH,
    Register::PATH,
    Refresh::PATH,
    Logout::PATH,
    ResetPassword::PATH,
];

/// In the request beside [`RequestAuth`] when a refresh was needed but the session store could
/// not be reached: the route layer answers 503 where it would otherwise ask to sign in.
#[derive(Clone, Copy, Debug)]
pub struct StoreUnavailable;

/// On a response whose auth cookies the route layer already decided (it found the session dead
/// and cleared them): the cookies of a refresh made here must not follow and undo that.
#[derive(Clone, Copy, Debug)]
pub struct CookiesDecided;

pub async fn authenticate_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if header_bytes(request.headers()) > MAX_HEADER_BYTES {
        return (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request headers too large.",
        )
            .into_response();
    }
    let path = request.uri().path().to_owned();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    let proxies = &state.settings.trusted_proxies;
    if let Some(address) = client_address(request.headers(), peer, proxies) {
        request.extensions_mut().insert(ClientAddress(address));
    }
    let is_api = path.starts_with("/api/");

    if csrf::is_state_changing(request.method())
        && !csrf::is_same_origin(&state.settings, request.headers())
    {
        tracing::warn!(%path, "refused a cross-site request");
        return if is_api {
            api_error(&path, AppError::cross_site())
        } else {
            (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
        };
    }
    if needs_no_viewer(&path) {
        return next.run(request).await;
    }
    if !state.settings.bench_routes && is_bench_path(&path) {
        return (StatusCode::NOT_FOUND, "Not found.").into_response();
    }
    // An `/api` path that names no function gets the functions' error shape, not a page.
    if is_api && !is_server_fn(&path) {
        return api_error(&path, AppError::not_found());
    }
    let may_refresh = !HANDLES_REFRESH_ITSELF.contains(&path.as_str());
    let outcome = authenticate(&state, request.headers(), request.extensions(), may_refresh).await;
    request.extensions_mut().insert(outcome.auth);
    if outcome.store_unavailable {
        request.extensions_mut().insert(StoreUnavailable);
    }
    let response = next.run(request).await;
    // A handler that set the login's cookies itself (a new login after a password change, a
    // rotation recording a step-up) answered after the refresh here and knows better: the
    // refreshed cookies, appended after its own, would override them.
    if response.extensions().get::<CookiesDecided>().is_some()
        || state.cookies.sets_refresh(response.headers())
    {
        return response;
    }
    with_cookies(response, outcome.set_cookies)
}

/// Whether a server function is registered at `path` (under any prefix). Functions register
/// once, before the router is built; the set is read once and kept (the framework's own listing
/// takes a lock and copies every entry).
pub fn is_server_fn(path: &str) -> bool {
    static PATHS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    PATHS
        .get_or_init(|| {
            server_fn::axum::server_fn_paths()
                .map(|(fn_path, _)| fn_path)
                .collect()
        })
        .contains(path)
}

/// The auth decision and any cookies the response must carry because of it.
struct AuthOutcome {
    auth: RequestAuth,
    set_cookies: Vec<HeaderValue>,
    /// A refresh was needed but the session store could not be reached.
    store_unavailable: bool,
}

impl AuthOutcome {
    fn anonymous(set_cookies: Vec<HeaderValue>) -> Self {
        Self {
            auth: RequestAuth::default(),
            set_cookies,
            store_unavailable: false,
        }
    }

    fn signed_in(auth: RequestAuth, set_cookies: Vec<HeaderValue>) -> Self {
        Self {
            auth,
            set_cookies,
            store_unavailable: false,
        }
    }
}

/// Takes the headers and extensions, not the request: a body is not `Sync`, so a borrowed
/// request could not be held across the store calls. The client description (for the audit log)
/// is built only when a refresh needs it, not on every request.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
    may_refresh: bool,
) -> AuthOutcome {
    let access = state.cookies.read_access(headers);
    // A revoked token counts as no token: its login is over, so the refresh below fails too.
    if let Some(claims) = access
        .as_deref()
        .and_then(|token| state.tokens.verify(token).ok())
        .filter(|claims| !state.sessions.revoked().refuses(claims))
    {
        return AuthOutcome::signed_in(RequestAuth::of(claims), Vec::new());
    }
    let refresh = state.cookies.read_refresh(headers);
    match refresh {
        Some(token) if may_refresh => {
            match rotate(state, &token, client_info_of(headers, extensions)).await {
                Ok(Some(issued)) => {
                    let signed_in = state.sign_in(&issued);
                    AuthOutcome::signed_in(
                        RequestAuth::of(signed_in.claims),
                        signed_in.set_cookies.to_vec(),
                    )
                }
                Ok(None) => AuthOutcome::anonymous(state.cookies.clear_both().to_vec()),
                Err(error) => {
                    tracing::error!(%error, "session store unavailable during transparent refresh");
                    AuthOutcome {
                        store_unavailable: true,
                        ..AuthOutcome::anonymous(Vec::new())
                    }
                }
            }
        }
        Some(_) => AuthOutcome::anonymous(Vec::new()),
        // A stale or forged access cookie with nothing to refresh it: drop it.
        None if access.is_some() => AuthOutcome::anonymous(state.cookies.clear_both().to_vec()),
        None => AuthOutcome::anonymous(Vec::new()),
    }
}

pub fn with_cookies(mut response: Response, set_cookies: Vec<HeaderValue>) -> Response {
    for value in set_cookies {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Built assets, files and the probes: nobody's cookies need reading for them.
fn needs_no_viewer(path: &str) -> bool {
    path.starts_with("/pkg/")
        || matches!(
            path,
            "/favicon.ico" | "/favicon.svg" | "/healthz" | "/readyz"
        )
}
