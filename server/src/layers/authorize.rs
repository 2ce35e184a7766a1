//! Authorization: what the route that matched a request allows the viewer that
//! [`super::authenticate`] found.
//!
//! A route layer: it wraps every route the router holds (pages, server functions under any
//! prefix, the server's own routes) and runs only once one of them matched, so it finds the
//! policy by that route's template (`/articles/{id}`, never the concrete path) in the table that
//! declares it: a function's `POLICIES` row, a page's `PAGES` row, or [`SERVER_ROUTES`]. A
//! matched route without a row is refused: deny by default at run time, not only at start-up.
//!
//! - Pages: signed-out visitors get 303 to the login page, the wrong role 403 (the decision goes
//!   into [`RequestAuth::page_access`] for the page's `Guarded` parent to render), and a step-up
//!   page whose viewer signed in too long ago 303 to `/reauthenticate`, returning afterwards.
//! - Functions: the body is read up front (at most [`MAX_API_BODY_BYTES`]), unknown or
//!   policy-less ones are refused, and those that need a session confirm it is still alive (so
//!   logout takes effect at once). Their errors get the status their code names. A step-up
//!   function called too long after sign-in answers 403 `reauthentication_required`, or, to a
//!   plain HTML form, 303 to `/reauthenticate`, returning to the form's page.

use super::api_response::{api_error, with_error_status};
use super::authenticate::{is_server_fn, with_cookies, CookiesDecided, StoreUnavailable};
use crate::routes::SERVER_ROUTES;
use app::api::server_fn_policy;
use app::auth::policy::{Access, Policy};
use app::auth::redirect::{login_url, reauthenticate_url};
use app::error::{AppError, ErrorCode};
use app::pages::{declared_policy, ENROLMENT_PAGE};
use app::ssr::audit::{self, Event, EventKind};
use app::ssr::context::{accepts_html, check_step_up, client_info_of, RequestAuth};
use app::ssr::platform::coordination::StoreError;
use app::ssr::state::AppState;
use app::ssr::tokens::AccessClaims;
use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::header::{CONTENT_LENGTH, REFERER};
use http::StatusCode;

/// The largest request body any server function accepts; our forms are far smaller.
pub const MAX_API_BODY_BYTES: usize = 64 * 1024;

pub async fn authorize_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(route) = request.extensions().get::<MatchedPath>().cloned() else {
        // Only a route can run this layer, and axum names every route it matches.
        tracing::error!(path = %request.uri().path(), "a route without its template refused");
        return (StatusCode::FORBIDDEN, "Forbidden.").into_response();
    };
    let route = route.as_str();
    let decision = Decision::of(&mut request);
    if is_server_fn(route) {
        function_request(state, route, decision, request, next).await
    } else {
        page_request(state, route, decision, request, next).await
    }
}

/// The policy of a page or server route by its template; `None` for a route without a row.
pub fn route_policy(route: &str) -> Option<Policy> {
    declared_policy(route).or_else(|| {
        SERVER_ROUTES
            .iter()
            .find(|(path, _)| *path == route)
            .map(|(_, policy)| *policy)
    })
}

async fn page_request(
    state: AppState,
    route: &str,
    mut decision: Decision,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(policy) = route_policy(route) else {
        tracing::error!(%route, "a route without a policy refused");
        return (StatusCode::FORBIDDEN, "Forbidden.").into_response();
    };
    if policy == Policy::LiveSession {
        decision.confirm_live_session(&state).await;
    }
    let access = policy.check(decision.auth.viewer().as_ref());
    if access == Access::Forbidden {
        record_denial(&state, &decision, &request);
    }
    let target = request
        .uri()
        .path_and_query()
        .map_or(request.uri().path(), |path_and_query| {
            path_and_query.as_str()
        });
    if access == Access::SignInRequired {
        let response = if decision.store_unavailable {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-in is temporarily unavailable.",
            )
                .into_response()
        } else {
            Redirect::to(&login_url(target)).into_response()
        };
        return decision.finish(&state, response);
    }
    if access == Access::Allowed && decision.confined(policy, route) {
        let response = Redirect::to(ENROLMENT_PAGE).into_response();
        return decision.finish(&state, response);
    }
    if access == Access::Allowed && decision.step_up(&state, policy).is_err() {
        let response = Redirect::to(&reauthenticate_url(target)).into_response();
        return decision.finish(&state, response);
    }
    decision.auth.page_access = Some(access);
    request.extensions_mut().insert(decision.take_auth());
    let mut response = next.run(request).await;
    if access == Access::Forbidden {
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    decision.finish(&state, response)
}

async fn function_request(
    state: AppState,
    route: &str,
    mut decision: Decision,
    request: Request,
    next: Next,
) -> Response {
    let Some(policy) = server_fn_policy(route) else {
        // Deny by default: a function that exists but declares no policy is refused.
        tracing::error!(%route, "a server function without a policy refused");
        return api_error(route, AppError::forbidden());
    };
    let mut request = match buffer_body(request).await {
        Ok(request) => request,
        Err(error) => return api_error(route, error),
    };
    let confined = decision.confined(policy, route);
    if let Err(error) = decision.enforce(&state, policy).await.and_then(|()| {
        if confined {
            Err(AppError::mfa_enrollment_required())
        } else {
            Ok(())
        }
    }) {
        if error.code == ErrorCode::Forbidden {
            record_denial(&state, &decision, &request);
        }
        if error.code == ErrorCode::ReauthenticationRequired && accepts_html(request.headers()) {
            let back = form_page(&request);
            let response = Redirect::to(&reauthenticate_url(&back)).into_response();
            return decision.finish(&state, response);
        }
        return decision.finish(&state, api_error(route, error));
    }
    request.extensions_mut().insert(decision.take_auth());
    let response = with_error_status(next.run(request).await).await;
    decision.finish(&state, response)
}

/// Who the request is from, as authentication found it, and what checking the session here
/// changed.
struct Decision {
    auth: RequestAuth,
    /// A refresh or a session check needed the session store and could not reach it.
    store_unavailable: bool,
    /// The session turned out to be over: the response clears the auth cookies.
    session_ended: bool,
}

impl Decision {
    /// Takes what authentication put into the request (it goes back in, decided, by
    /// [`Self::take_auth`]).
    fn of(request: &mut Request) -> Self {
        let extensions = request.extensions_mut();
        Self {
            auth: extensions.remove::<RequestAuth>().unwrap_or_default(),
            store_unavailable: extensions.get::<StoreUnavailable>().is_some(),
            session_ended: false,
        }
    }

    /// The decided auth, for the request; the decision keeps what its response needs.
    fn take_auth(&mut self) -> RequestAuth {
        std::mem::take(&mut self.auth)
    }

    /// Applies a server function's policy; functions that need a session also confirm it is
    /// alive.
    async fn enforce(&mut self, state: &AppState, policy: Policy) -> Result<(), AppError> {
        match policy.check(self.auth.viewer().as_ref()) {
            Access::Allowed => {}
            Access::SignInRequired if self.store_unavailable => return Err(AppError::unavailable()),
            Access::SignInRequired => return Err(AppError::unauthenticated()),
            Access::Forbidden => return Err(AppError::forbidden()),
        }
        if !policy.needs_session() {
            return Ok(());
        }
        self.confirm_live_session(state).await;
        if self.store_unavailable {
            Err(AppError::unavailable())
        } else if self.auth.claims.is_none() {
            Err(AppError::unauthenticated())
        } else {
            self.step_up(state, policy)
        }
    }

    /// Whether the login is confined to setting up two-step verification (its role requires it)
    /// and `route`, which needs a session, is not one it may use meanwhile.
    fn confined(&self, policy: Policy, route: &str) -> bool {
        let enrolling = self.auth.claims.as_ref().is_some_and(|claims| claims.enrol);
        let open = if is_server_fn(route) {
            app::api::OPEN_WHILE_ENROLLING.contains(&route)
        } else {
            app::pages::OPEN_WHILE_ENROLLING.contains(&route)
        };
        enrolling && policy.needs_session() && !open
    }

    /// A step-up policy's freshness, from the claims alone (no I/O); other policies pass.
    fn step_up(&self, state: &AppState, policy: Policy) -> Result<(), AppError> {
        if !policy.needs_step_up() {
            return Ok(());
        }
        check_step_up(self.auth.claims.as_ref(), state.settings.step_up_max_age)
    }

    /// Confirms the session in the store, treating a dead one as signed out (its cookies
    /// cleared) and an unreachable store as unavailable. Cookies a transparent refresh just set
    /// stay in that case: the browser must not keep the refresh token that was spent.
    async fn confirm_live_session(&mut self, state: &AppState) {
        let Some(claims) = &self.auth.claims else {
            return;
        };
        match login_alive(state, claims).await {
            Ok(true) => {}
            Ok(false) => {
                self.auth = RequestAuth::default();
                self.session_ended = true;
            }
            Err(error) => {
                tracing::error!(%error, "session store unavailable while checking a session");
                self.auth = RequestAuth::default();
                self.store_unavailable = true;
            }
        }
    }

    /// The response, with the auth cookies cleared if the session turned out to be over.
    fn finish(&self, state: &AppState, response: Response) -> Response {
        if !self.session_ended {
            return response;
        }
        let mut response = with_cookies(response, state.cookies.clear_both().to_vec());
        response.extensions_mut().insert(CookiesDecided);
        response
    }
}

/// Whether the login `claims` belong to is alive in the store.
async fn login_alive(state: &AppState, claims: &AccessClaims) -> Result<bool, StoreError> {
    match claims.sub.parse() {
        Ok(user_id) => state.sessions.login_alive(user_id, &claims.sid).await,
        Err(_) => Ok(false),
    }
}

/// Writes a refused authorisation (signed in, wrong role) to the audit log.
fn record_denial(state: &AppState, decision: &Decision, request: &Request) {
    let client = client_info_of(request.headers(), request.extensions());
    let mut event = Event::new(EventKind::AccessDenied, client).detail(request.uri().path());
    if let Some(claims) = &decision.auth.claims {
        event = event.family(&claims.sid);
        event.user_id = claims.sub.parse().ok();
    }
    audit::record_coalesced(&state.db, state.sessions.coordination(), event);
}

/// The page a plain form was posted from (path and query, from the `Referer`), to return to
/// once the user has confirmed it's them; the account page when it cannot be told.
fn form_page(request: &Request) -> String {
    request
        .headers()
        .get(REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| url::Url::parse(referer).ok())
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .unwrap_or_else(|| "/account".to_owned())
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
