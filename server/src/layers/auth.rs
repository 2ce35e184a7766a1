//! The auth layer: one decision per request, made before anything renders.
//!
//! 1. State-changing requests must come from our own origin.
//! 2. The access cookie is verified (no I/O; revoked logins are known in memory, see
//!    `app::ssr::revocations`). If it is missing, expired or revoked and a refresh cookie
//!    is present, the refresh session is rotated here and the new cookies go on this response's
//!    headers, before a streamed page starts (cookies set from inside a stream can be lost).
//! 3. The page's or server function's policy is applied: signed-out visitors of guarded pages get
//!    303 to the login page, the wrong role gets 403, unknown functions are refused, and functions
//!    that need a session confirm it is still alive (so logout takes effect at once).
//! 4. The decision goes into the request as a [`RequestAuth`] for pages and functions to read.

use super::api_response::{api_error, with_error_status};
use super::csrf;
use app::api::email::ResetPassword;
use app::api::server_fn_policy;
use app::api::session::{Login, Logout, Refresh, Register};
use app::auth::policy::{Access, Policy};
use app::auth::redirect::login_url;
use app::bench::is_bench_path;
use app::error::{AppError, ErrorCode};
use app::pages::page_policy;
use app::ssr::audit::{self, Event, EventKind};
use app::ssr::client_address::client_address;
use app::ssr::context::{client_info_of, ClientAddress, RequestAuth};
use app::ssr::coordination::StoreError;
use app::ssr::refresh::rotate;
use app::ssr::sessions::ClientInfo;
use app::ssr::state::AppState;
use app::ssr::tokens::AccessClaims;
use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::header::{CONTENT_LENGTH, SET_COOKIE};
use http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use server_fn::ServerFn;
use std::net::SocketAddr;

/// The largest request body any `/api` function accepts; our forms are far smaller.
pub const MAX_API_BODY_BYTES: usize = 64 * 1024;

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

pub async fn auth_layer(
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
    if is_static_asset(&path) {
        return next.run(request).await;
    }
    if !state.settings.bench_routes && is_bench_path(&path) {
        return (StatusCode::NOT_FOUND, "Not found.").into_response();
    }
    if is_api {
        api_request(state, path, request, next).await
    } else {
        page_request(state, request, next).await
    }
}

async fn page_request(state: AppState, mut request: Request, next: Next) -> Response {
    let mut outcome = authenticate(&state, request.headers(), request.extensions(), true).await;
    let path = request.uri().path();
    let policy = page_policy(path);
    if policy == Policy::LiveSession {
        confirm_live_session(&state, &mut outcome).await;
    }
    let access = policy.check(outcome.auth.viewer().as_ref());
    if access == Access::Forbidden {
        let client = client_info_of(request.headers(), request.extensions());
        record_denial(&state, &outcome, client, path);
    }
    if access == Access::SignInRequired {
        let response = if outcome.store_unavailable {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is temporarily unavailable.",
            )
                .into_response()
        } else {
            let target = request
                .uri()
                .path_and_query()
                .map_or(path, |path_and_query| path_and_query.as_str());
            Redirect::to(&login_url(target)).into_response()
        };
        return with_cookies(response, outcome.set_cookies);
    }
    request.extensions_mut().insert(outcome.auth);
    let mut response = next.run(request).await;
    if access == Access::Forbidden {
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    with_cookies(response, outcome.set_cookies)
}

async fn api_request(state: AppState, path: String, request: Request, next: Next) -> Response {
    let Some(policy) = server_fn_policy(&path) else {
        let registered = server_fn::axum::server_fn_paths().any(|(fn_path, _)| fn_path == path);
        // Deny by default: a function that exists but declares no policy is refused too.
        let error = if registered {
            AppError::forbidden()
        } else {
            AppError::not_found()
        };
        return api_error(&path, error);
    };
    let mut request = match buffer_body(request).await {
        Ok(request) => request,
        Err(error) => return api_error(&path, error),
    };
    let may_refresh = !HANDLES_REFRESH_ITSELF.contains(&path.as_str());
    let mut outcome =
        authenticate(&state, request.headers(), request.extensions(), may_refresh).await;

    if let Err(error) = enforce(&state, policy, &mut outcome).await {
        if error.code == ErrorCode::Forbidden {
            let client = client_info_of(request.headers(), request.extensions());
            record_denial(&state, &outcome, client, &path);
        }
        return with_cookies(api_error(&path, error), outcome.set_cookies);
    }
    request.extensions_mut().insert(outcome.auth);
    let response = with_error_status(next.run(request).await).await;
    with_cookies(response, outcome.set_cookies)
}

/// For pages whose policy asks for it, and functions that need a session: confirms the session
/// in the store, treating a dead one as signed out (its cookies cleared) and an unreachable store
/// as unavailable.
async fn confirm_live_session(state: &AppState, outcome: &mut AuthOutcome) {
    let Some(claims) = &outcome.auth.claims else {
        return;
    };
    match login_alive(state, claims).await {
        Ok(true) => {}
        Ok(false) => {
            *outcome = AuthOutcome::anonymous(state.cookies.clear_both().to_vec());
        }
        Err(error) => {
            tracing::error!(%error, "session store unavailable while checking a session");
            // Cookies a transparent refresh just set stay: the browser must not keep the
            // refresh token that was spent.
            *outcome = AuthOutcome {
                store_unavailable: true,
                ..AuthOutcome::anonymous(std::mem::take(&mut outcome.set_cookies))
            };
        }
    }
}

/// Whether the login `claims` belong to is alive in the store.
async fn login_alive(state: &AppState, claims: &AccessClaims) -> Result<bool, StoreError> {
    match claims.sub.parse() {
        Ok(user_id) => state.sessions.login_alive(user_id, &claims.sid).await,
        Err(_) => Ok(false),
    }
}

/// Applies a server function's policy; functions that need a session also confirm it is alive.
async fn enforce(
    state: &AppState,
    policy: Policy,
    outcome: &mut AuthOutcome,
) -> Result<(), AppError> {
    match policy.check(outcome.auth.viewer().as_ref()) {
        Access::Allowed => {}
        Access::SignInRequired if outcome.store_unavailable => return Err(AppError::unavailable()),
        Access::SignInRequired => return Err(AppError::unauthenticated()),
        Access::Forbidden => return Err(AppError::forbidden()),
    }
    if !policy.needs_session() {
        return Ok(());
    }
    confirm_live_session(state, outcome).await;
    if outcome.store_unavailable {
        Err(AppError::unavailable())
    } else if outcome.auth.claims.is_none() {
        Err(AppError::unauthenticated())
    } else {
        Ok(())
    }
}

/// Writes a refused authorisation (signed in, wrong role) to the audit log.
fn record_denial(state: &AppState, outcome: &AuthOutcome, client: ClientInfo, path: &str) {
    let mut event = Event::new(EventKind::AccessDenied, client).detail(path);
    if let Some(claims) = &outcome.auth.claims {
        event = event.family(&claims.sid);
        event.user_id = claims.sub.parse().ok();
    }
    audit::record_refusal(&state.db, state.sessions.coordination(), event);
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
        return AuthOutcome {
            auth: RequestAuth {
                claims: Some(claims),
            },
            set_cookies: Vec::new(),
            store_unavailable: false,
        };
    }
    let refresh = state.cookies.read_refresh(headers);
    match refresh {
        Some(token) if may_refresh => {
            match rotate(state, &token, client_info_of(headers, extensions)).await {
                Ok(Some(issued)) => {
                    let signed_in = state.sign_in(&issued);
                    AuthOutcome {
                        auth: RequestAuth {
                            claims: Some(signed_in.claims),
                        },
                        set_cookies: signed_in.set_cookies.to_vec(),
                        store_unavailable: false,
                    }
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

/// Reads a server function's body up front, refusing oversized ones with 413 (the framework
/// would read any size).
async fn buffer_body(request: Request) -> Result<Request, AppError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_API_BODY_BYTES) {
        return Err(AppError::too_large());
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_API_BODY_BYTES)
        .await
        .map_err(|_| AppError::too_large())?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn with_cookies(mut response: Response, set_cookies: Vec<HeaderValue>) -> Response {
    for value in set_cookies {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Built assets and files: no auth decision needed.
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || matches!(
            path,
            "/favicon.ico" | "/favicon.svg" | "/healthz" | "/readyz"
        )
}
