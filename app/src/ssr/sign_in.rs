//! Signing a browser in: the step every way in ends with (sign-in, sign-up, a password reset or
//! change, a confirmed address change).

use crate::auth::assurance::Authentication;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::ssr::context::{append_set_cookies, client_info, presented_refresh_token};
use crate::ssr::input::Email;
use crate::ssr::mail::links::{admit_mail, mail_verification_link};
use crate::ssr::platform::clock::unix_now;
use crate::ssr::sessions::refresh::rotate_with;
use crate::ssr::sessions::IssuedRefresh;
use crate::ssr::settings::EmailVerification;
use crate::ssr::state::AppState;
use crate::ssr::two_step;
use crate::ssr::users::UserRow;

/// Starts a login for `viewer` whose password check began at `checked_from` (Unix µs), sets its
/// cookies, and returns its family id. The login counts as authenticated now, by the password.
pub async fn start_session(
    state: &AppState,
    viewer: &Viewer,
    checked_from: u64,
) -> Result<String, AppError> {
    let authentication = Authentication::password(unix_now());
    start_session_as(state, viewer, checked_from, authentication).await
}

/// [`start_session`], authenticated as `authentication` says (a second step, say).
pub async fn start_session_as(
    state: &AppState,
    viewer: &Viewer,
    checked_from: u64,
    authentication: Authentication,
) -> Result<String, AppError> {
    let second_factor = two_step::has_second_factor(&state.db, viewer.user_id).await?;
    let issued = state
        .sessions
        .start(
            viewer,
            client_info(),
            checked_from,
            authentication,
            second_factor,
        )
        .await?;
    append_set_cookies(state.sign_in(&issued).set_cookies);
    Ok(issued.record.family)
}

/// [`start_session`] in place of this browser's current login, if it has one: a browser signing
/// in again (to any account) replaces its login rather than adding one.
pub async fn replace_session(
    state: &AppState,
    viewer: &Viewer,
    checked_from: u64,
) -> Result<String, AppError> {
    let authentication = Authentication::password(unix_now());
    replace_session_as(state, viewer, checked_from, authentication).await
}

/// [`replace_session`], authenticated as `authentication` says.
pub async fn replace_session_as(
    state: &AppState,
    viewer: &Viewer,
    checked_from: u64,
    authentication: Authentication,
) -> Result<String, AppError> {
    if let Some(previous) = presented_refresh_token(state) {
        state.sessions.end(&previous).await?;
    }
    start_session_as(state, viewer, checked_from, authentication).await
}

/// Ends every session of `user_id` ahead of a credential change (a new password or address).
/// A session store that is down then fails the request before anything commits, link spent or
/// credential stored; the change ends them again once committed, for its cutoff. Without this,
/// an outage right after the commit would leave the new credential in place and every old
/// session, perhaps the one the change was meant to throw out, alive.
pub async fn end_sessions_before_change(state: &AppState, user_id: i64) -> Result<(), AppError> {
    state.sessions.revoke_all(user_id).await?;
    Ok(())
}

/// Records `authentication` as this browser's login's latest (the holder just confirmed it's
/// them) by rotating its refresh token into one that carries it, and sets the new cookies. When
/// another tab rotated the token a moment before, the rotation hands back that tab's successor
/// (the grace window), which still records the old authentication: that one is rotated in turn,
/// once (a third tab racing both is told to try again). 401 when the login is over.
pub async fn renew_authentication(
    state: &AppState,
    authentication: Authentication,
) -> Result<(), AppError> {
    let Some(token) = presented_refresh_token(state) else {
        return Err(AppError::unauthenticated());
    };
    let rotate = |token: String| {
        let authentication = Some(authentication.clone());
        async move { rotate_with(state, &token, client_info(), authentication).await }
    };
    let renewed =
        |issued: &IssuedRefresh| issued.record.authentication.as_ref() == Some(&authentication);
    let issued = match rotate(token).await? {
        Some(issued) if !renewed(&issued) => rotate(issued.token).await?,
        rotated => rotated,
    };
    let Some(issued) = issued else {
        append_set_cookies(state.cookies.clear_both());
        return Err(AppError::unauthenticated());
    };
    // Whatever was recorded, the browser takes the successor: its old token is spent.
    append_set_cookies(state.sign_in(&issued).set_cookies);
    if renewed(&issued) {
        Ok(())
    } else {
        Err(AppError::unavailable())
    }
}

/// Whether `user`, whose credential was just right, may sign in: 403 `account_disabled` for a
/// disabled account; 403 `email_unverified` for one that has not confirmed its address where
/// that is required (and a fresh link goes out, unless mail to it is throttled). Said only to
/// the credential's holder: it reveals nothing to a guesser.
pub async fn may_sign_in(state: &AppState, user: &UserRow, email: &Email) -> Result<(), AppError> {
    if user.is_disabled() {
        return Err(AppError::account_disabled());
    }
    if !user.is_verified() && state.settings.email_verification == EmailVerification::Required {
        if let Ok((origin, _)) = admit_mail(state, email).await {
            mail_verification_link(state, user, &origin).await?;
        }
        return Err(AppError::email_unverified());
    }
    Ok(())
}
