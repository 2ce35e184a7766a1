//! Signing a browser in: the step every way in ends with (sign-in, sign-up, a password reset or
//! change, a confirmed address change).

use crate::auth::assurance::Authentication;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::ssr::platform::clock::unix_now;
use crate::ssr::context::{append_set_cookies, client_info, presented_refresh_token};
use crate::ssr::state::AppState;

/// Starts a login for `viewer` whose password check began at `checked_from` (Unix µs), sets its
/// cookies, and returns its family id. The login counts as authenticated now, by one factor.
pub async fn start_session(
    state: &AppState,
    viewer: &Viewer,
    checked_from: u64,
) -> Result<String, AppError> {
    let authentication = Authentication::password(unix_now());
    let issued = state
        .sessions
        .start(viewer, client_info(), checked_from, authentication)
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
    if let Some(previous) = presented_refresh_token(state) {
        state.sessions.end(&previous).await?;
    }
    start_session(state, viewer, checked_from).await
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
