//! The bodies of the signed-in user's own account functions: the devices list, ending one
//! login or every other one, and changing the password.

use super::audit::{self, Event, EventKind};
use super::context::{
    app_state, append_set_cookies, client_info, redirect_form_post, request_auth, require_viewer,
};
use super::flows::{database_failed, hash_failed, store_failed};
use super::input::NewPassword;
use super::sessions::public_handle;
use super::state::AppState;
use super::users;
use crate::auth::policy::Policy;
use crate::auth::{SessionInfo, Viewer};
use crate::error::AppError;

/// The signed-in viewer and the login (family) this request was made with.
fn current_login() -> Result<(AppState, Viewer, String), AppError> {
    let state = app_state()?;
    let viewer = require_viewer(Policy::SignedIn)?;
    let family = request_auth()
        .claims
        .map(|claims| claims.sid)
        .ok_or_else(AppError::unauthenticated)?;
    Ok((state, viewer, family))
}

pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let (state, viewer, current) = current_login()?;
    let logins = state
        .sessions
        .logins(viewer.user_id)
        .await
        .map_err(store_failed)?;
    Ok(logins
        .into_iter()
        .map(|login| SessionInfo {
            handle: public_handle(&login.family),
            current: login.family == current,
            user_agent: login.client.user_agent,
            ip: login.client.ip,
            started_at: login.started_at as i64,
            last_used_at: login.last_used_at as i64,
        })
        .collect())
}

/// Ends the login named by `handle` (one of the viewer's own). Ending the current one signs
/// this browser out.
pub async fn revoke_session(handle: String) -> Result<(), AppError> {
    let (state, viewer, current) = current_login()?;
    let logins = state
        .sessions
        .logins(viewer.user_id)
        .await
        .map_err(store_failed)?;
    let Some(login) = logins
        .into_iter()
        .find(|login| public_handle(&login.family) == handle)
    else {
        return Err(AppError::not_found());
    };
    state
        .sessions
        .revoke_family(&login.family)
        .await
        .map_err(store_failed)?;
    audit::record(
        &state.db,
        Event::new(EventKind::SessionRevoked, client_info())
            .user(viewer.user_id)
            .family(&login.family),
    );
    if login.family == current {
        append_set_cookies(state.cookies.clear_both());
        redirect_form_post("/");
    } else {
        redirect_form_post("/account");
    }
    Ok(())
}

pub async fn logout_others() -> Result<(), AppError> {
    let (state, viewer, current) = current_login()?;
    end_other_logins(&state, &viewer, &current, EventKind::SignedOutElsewhere).await
}

/// Erases the account after checking the password: every session ends, the user row goes, and
/// the audit log keeps the events under the bare user id with addresses and devices removed.
pub async fn delete_account(password: String) -> Result<(), AppError> {
    let (state, viewer, _) = current_login()?;
    confirm_password(&state, &viewer, password, "password").await?;
    state
        .sessions
        .revoke_all(viewer.user_id)
        .await
        .map_err(store_failed)?;
    users::delete(&state.db, viewer.user_id)
        .await
        .map_err(database_failed)?;
    audit::forget_user(&state.db, viewer.user_id)
        .await
        .map_err(database_failed)?;
    audit::record(
        &state.db,
        Event::new(EventKind::AccountErased, Default::default()).user(viewer.user_id),
    );
    append_set_cookies(state.cookies.clear_both());
    redirect_form_post("/");
    Ok(())
}

/// Changes the password after checking the current one, and ends every other login (whoever
/// knew the old password is signed out).
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (state, viewer, current) = current_login()?;
    let new_password = NewPassword::parse(new_password).map_err(|error| AppError {
        field: Some("new_password".to_owned()),
        ..error
    })?;
    confirm_password(&state, &viewer, current_password, "current_password").await?;
    let hash = state
        .passwords
        .hash(new_password.into_inner())
        .await
        .map_err(hash_failed)?;
    users::set_password_hash(&state.db, viewer.user_id, &hash)
        .await
        .map_err(database_failed)?;
    end_other_logins(&state, &viewer, &current, EventKind::PasswordChanged).await
}

/// Ends every login of the viewer except `current`, audits it as `kind`, and sends a plain form
/// post back to the account page.
async fn end_other_logins(
    state: &AppState,
    viewer: &Viewer,
    current: &str,
    kind: EventKind,
) -> Result<(), AppError> {
    state
        .sessions
        .revoke_others(viewer.user_id, current)
        .await
        .map_err(store_failed)?;
    audit::record(
        &state.db,
        Event::new(kind, client_info())
            .user(viewer.user_id)
            .family(current),
    );
    redirect_form_post("/account");
    Ok(())
}

/// Checks that `password` is the viewer's own; a mismatch is a form error on `field`.
async fn confirm_password(
    state: &AppState,
    viewer: &Viewer,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    let slot = state.passwords.queue_slot().map_err(hash_failed)?;
    let user = users::find_by_id(&state.db, viewer.user_id)
        .await
        .map_err(database_failed)?
        .ok_or_else(AppError::unauthenticated)?;
    let matches = state
        .passwords
        .verify(slot, password, Some(user.password_hash))
        .await
        .map_err(hash_failed)?;
    if matches {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            "That is not your current password.",
        ))
    }
}
