//! What a server function or a server render knows about its request: the auth decision the
//! server's auth layer made, the shared state, and a way to add headers to the response.

use crate::auth::policy::{Access, Policy};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::ssr::input::Email;
use crate::ssr::platform::loopback::loopback_origin;
use crate::ssr::sessions::ClientInfo;
use crate::ssr::state::AppState;
use crate::ssr::tokens::AccessClaims;
use crate::ssr::users::UserRow;
use axum::extract::ConnectInfo;
use http::header::{ACCEPT, HOST, LOCATION, SET_COOKIE, USER_AGENT};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use server_fn::error::ServerFnUrlError;
use server_fn::ServerFn;
use std::net::SocketAddr;
use std::time::Duration;

/// The one auth decision for a request, made before any page renders or function runs.
#[derive(Clone, Debug, Default)]
pub struct RequestAuth {
    /// The verified claims of the access token (possibly just issued by a transparent refresh).
    pub claims: Option<AccessClaims>,
    /// What the policy of the page route that matched allows this viewer; `None` when no page
    /// route matched (the not-found page), so nothing guarded may render.
    pub page_access: Option<Access>,
}

impl RequestAuth {
    /// A signed-in request, before any route decided what it may see.
    pub fn of(claims: AccessClaims) -> Self {
        Self {
            claims: Some(claims),
            page_access: None,
        }
    }

    pub fn viewer(&self) -> Option<Viewer> {
        self.claims.as_ref().and_then(AccessClaims::viewer)
    }
}

pub fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

pub fn request_auth() -> RequestAuth {
    request_parts()
        .and_then(|parts| parts.extensions.get::<RequestAuth>().cloned())
        .unwrap_or_default()
}

pub fn request_viewer() -> Option<Viewer> {
    request_auth().viewer()
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::internal()
    })
}

/// The viewer, if they satisfy `policy` (a claims-only check; the auth layer has already
/// confirmed the session is alive for calls over HTTP).
pub fn authorize(policy: Policy) -> Result<Option<Viewer>, AppError> {
    let viewer = request_viewer();
    match policy.check(viewer.as_ref()) {
        Access::Allowed => {}
        Access::SignInRequired => return Err(AppError::unauthenticated()),
        Access::Forbidden => return Err(AppError::forbidden()),
    }
    if policy.needs_step_up() {
        let state = app_state()?;
        check_step_up(
            request_auth().claims.as_ref(),
            state.settings.step_up_max_age,
        )?;
    }
    Ok(viewer)
}

/// A step-up's freshness: the login `claims` describe proved who its holder is within
/// `max_age`, or the answer is 403 `reauthentication_required`.
pub fn check_step_up(claims: Option<&AccessClaims>, max_age: Duration) -> Result<(), AppError> {
    if claims.is_some_and(|claims| claims.authenticated_within(max_age)) {
        Ok(())
    } else {
        Err(AppError::reauthentication_required())
    }
}

pub fn append_set_cookies(values: impl IntoIterator<Item = HeaderValue>) {
    if let Some(response) = use_context::<ResponseOptions>() {
        for value in values {
            response.append_header(SET_COOKIE, value);
        }
    }
}

/// The refresh token the browser sent, if any.
pub fn presented_refresh_token(state: &AppState) -> Option<String> {
    request_parts().and_then(|parts| state.cookies.read_refresh(&parts.headers))
}

/// The device id of this browser's known-device cookie, if it has one this server issued for
/// `user`'s account under its current password (see `known_device`).
pub fn presented_known_device(state: &AppState, user: &UserRow) -> Option<String> {
    let parts = request_parts()?;
    let cookie = state.cookies.read_known_device(&parts.headers)?;
    let email = Email::parse(&user.email).ok()?;
    state
        .known_devices
        .verify(&cookie, &email, &user.password_hash)
}

/// Makes this browser a known device of the account at `email` whose stored password hash is
/// `credential` (keeping its id when it already was one), for as long as `known_device` says.
pub fn remember_device(state: &AppState, email: &Email, credential: &str, device: Option<&str>) {
    let cookie = state.known_devices.issue(email, credential, device);
    let lifetime = crate::ssr::throttle::known_device::KNOWN_DEVICE_LIFETIME.as_secs();
    append_set_cookies([state.cookies.set_known_device(&cookie, lifetime)]);
}

/// The device description kept with a new session and written to the audit log.
pub fn client_info() -> ClientInfo {
    request_parts()
        .map(|parts| client_info_of(&parts.headers, &parts.extensions))
        .unwrap_or_default()
}

/// Whether the request surely comes from this machine: the connection's peer is a loopback
/// address, no header says a proxy forwarded someone else's request (a tunnel or a proxy on this
/// machine makes every visitor's peer loopback), and `Host` strictly names this machine (so a
/// page elsewhere cannot reach it by pointing its own name at 127.0.0.1).
pub fn request_from_this_machine() -> bool {
    let Some(parts) = request_parts() else {
        return false;
    };
    let peer_is_loopback = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(address)| address.ip().is_loopback());
    let forwarded = [
        "forwarded",
        "x-forwarded-for",
        "x-real-ip",
        "x-forwarded-host",
    ]
    .iter()
    .any(|name| parts.headers.contains_key(*name));
    let host_is_loopback = parts
        .headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .and_then(loopback_origin)
        .is_some();
    peer_is_loopback && !forwarded && host_is_loopback
}

/// The client's address as the auth layer worked it out (behind trusted proxies, the one they
/// forwarded; see `client_address`), put in the request for everything after it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub std::net::IpAddr);

/// [`client_info`] for code that holds the request itself (the auth layer).
pub fn client_info_of(headers: &http::HeaderMap, extensions: &http::Extensions) -> ClientInfo {
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.chars().take(256).collect());
    let ip = match extensions.get::<ClientAddress>() {
        Some(ClientAddress(address)) => Some(address.to_string()),
        None => extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip().to_string()),
    };
    ClientInfo { user_agent, ip }
}

/// Sends the browser on to `path` whichever way the form was posted: a plain HTML form with a
/// 303, an enhanced one by the `X-Navigate` header, which the page script follows instead of
/// the form's own destination (a sign-in that turns out to need its second step, say).
pub fn continue_to(path: &str) {
    if let (Some(response), Ok(location)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(path),
    ) {
        response.insert_header(HeaderName::from_static("x-navigate"), location);
    }
    redirect_form_post(path);
}

/// Answers the page being rendered with a 303 to `path` instead (a page only some visitors may
/// see, whose guard is more than a policy).
pub fn redirect_page(path: &str) {
    if let (Some(response), Ok(location)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(path),
    ) {
        response.set_status(StatusCode::SEE_OTHER);
        response.insert_header(LOCATION, location);
    }
}

/// After a plain HTML form post (no JavaScript), sends the browser on to `path` with a 303.
/// Calls from the hydrated app get the result as data and navigate on their own.
pub fn redirect_form_post(path: &str) {
    if !is_plain_form_post() {
        return;
    }
    if let (Some(response), Ok(location)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(path),
    ) {
        response.set_status(StatusCode::SEE_OTHER);
        response.insert_header(LOCATION, location);
    }
}

/// After a plain HTML form post to server function `F` failed, sends the browser back to `page`
/// with the error, for the page's form to show. Leptos does this by itself through the
/// `Referer`, which pages carrying a link's token do not send (their policy is `no-referrer`, so
/// the token never leaves in a header): those functions name their page here.
pub fn return_form_error<F: ServerFn>(page: &str, error: &AppError) {
    if !is_plain_form_post() {
        return;
    }
    let Ok(url) =
        ServerFnUrlError::new(F::PATH, error.clone()).to_url(&format!("http://page.invalid{page}"))
    else {
        return;
    };
    redirect_form_post(&url[url::Position::BeforePath..]);
}

/// Whether this request is a plain HTML form post, whose answer the browser shows as a page.
fn is_plain_form_post() -> bool {
    request_parts().is_some_and(|parts| accepts_html(&parts.headers))
}

/// Whether a request with `headers` wants HTML back: a plain form post (or a page load), not a
/// script's fetch, which asks for JSON.
pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}
