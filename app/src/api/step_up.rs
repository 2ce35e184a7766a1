//! Confirming it's you: a signed-in user proves who they are again, without starting a new
//! login, before an action whose policy asks for a recent sign-in (`Policy::StepUp`). The
//! login's refresh token is rotated into one recording the new authentication, so its access
//! tokens carry a new `auth_time` from now on, and every other tab of the browser follows.

use crate::auth::policy::Policy;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    auth::assurance::Authentication,
    auth::redirect::safe_next,
    ssr::audit::{self, Event, EventKind},
    ssr::context::{append_set_cookies, client_info, presented_refresh_token, redirect_form_post},
    ssr::platform::clock::unix_now,
    ssr::sessions::refresh::rotate_with,
    ssr::sessions::IssuedRefresh,
    ssr::state::AppState,
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[(Reauthenticate::PATH, Policy::SignedIn)];

/// Confirms the signed-in user's `password` (throttled and audited like every password check)
/// and records it as the login's latest authentication; `next` is where to go afterwards
/// (same-site paths only).
#[server(prefix = "/api", endpoint = "reauthenticate")]
pub async fn reauthenticate(password: String, next: Option<String>) -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<Reauthenticate>()?;
    let (user, email) = super::account::own_account(&state, &viewer).await?;
    super::account::confirm_password(&state, &user, &email, password, "password").await?;
    let authentication = Authentication::password(unix_now());
    let Some(issued) = record_authentication(&state, &authentication).await? else {
        append_set_cookies(state.cookies.clear_both());
        return Err(AppError::unauthenticated());
    };
    // Whatever was recorded, the browser takes the successor: its old token is spent.
    append_set_cookies(state.sign_in(&issued).set_cookies);
    if issued.record.authentication.as_ref() != Some(&authentication) {
        return Err(AppError::unavailable());
    }
    audit::record(
        &state.db,
        Event::new(EventKind::Reauthenticated, client_info())
            .user(viewer.user_id)
            .family(&family),
    );
    redirect_form_post(&safe_next(next.as_deref()));
    Ok(())
}

/// Rotates this browser's refresh token into one recording `authentication`; `None` when the
/// login is over. When another tab rotated the token a moment before, the rotation hands back
/// that tab's successor (the grace window), which still records the old authentication: that
/// one is rotated in turn, once (a third tab racing both is told to try again).
#[cfg(feature = "ssr")]
async fn record_authentication(
    state: &AppState,
    authentication: &Authentication,
) -> Result<Option<IssuedRefresh>, AppError> {
    let Some(token) = presented_refresh_token(state) else {
        return Ok(None);
    };
    let rotate = |token: String| async move {
        rotate_with(state, &token, client_info(), Some(authentication.clone())).await
    };
    match rotate(token).await? {
        Some(issued) if issued.record.authentication.as_ref() != Some(authentication) => {
            Ok(rotate(issued.token).await?)
        }
        rotated => Ok(rotated),
    }
}
