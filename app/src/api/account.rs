//! The signed-in user's own account: the devices list, ending one login or every other one,
//! changing the password, and erasing the account.

use crate::auth::policy::{Policy, SIGNED_IN_RECENTLY};
use crate::auth::SessionInfo;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    auth::Viewer,
    ssr::audit::{self, Event, EventKind},
    ssr::context::{
        app_state, append_set_cookies, check_step_up, client_info, presented_known_device,
        redirect_form_post, remember_device, request_auth,
    },
    ssr::input::{Email, NewPassword},
    ssr::personal_data,
    ssr::sessions::public_handle,
    ssr::sign_in::{end_sessions_before_change, start_session},
    ssr::state::AppState,
    ssr::throttle::Attempt,
    ssr::users::{self, UserRow},
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (ListSessions::PATH, Policy::SignedIn),
    (RevokeSession::PATH, SIGNED_IN_RECENTLY),
    (LogoutOthers::PATH, SIGNED_IN_RECENTLY),
    // Asks for the current password itself (ASVS 6.2.3).
    (ChangePassword::PATH, Policy::SignedIn),
    (DeleteAccount::PATH, SIGNED_IN_RECENTLY),
];

/// The signed-in user's logins (devices), the current one marked.
#[server(prefix = "/api", endpoint = "sessions")]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let (state, viewer, current) = current_login::<ListSessions>()?;
    let logins = state.sessions.logins(viewer.user_id).await?;
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

/// Ends one of the signed-in user's logins, named by its handle from `/api/sessions`. Ending the
/// current one signs this browser out.
#[server(prefix = "/api", endpoint = "revoke_session")]
pub async fn revoke_session(handle: String) -> Result<(), AppError> {
    let (state, viewer, current) = current_login::<RevokeSession>()?;
    let logins = state.sessions.logins(viewer.user_id).await?;
    let Some(login) = logins
        .into_iter()
        .find(|login| public_handle(&login.family) == handle)
    else {
        return Err(AppError::not_found());
    };
    state.sessions.revoke_family(&login.family).await?;
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

/// Ends every login of the signed-in user except this one.
#[server(prefix = "/api", endpoint = "logout_others")]
pub async fn logout_others() -> Result<(), AppError> {
    let (state, viewer, current) = current_login::<LogoutOthers>()?;
    state
        .sessions
        .revoke_others(viewer.user_id, &current)
        .await?;
    audit::record(
        &state.db,
        Event::new(EventKind::SignedOutElsewhere, client_info())
            .user(viewer.user_id)
            .family(&current),
    );
    redirect_form_post("/account");
    Ok(())
}

/// Changes the password (the current one is required) and ends every login, so whoever knew
/// the old password is signed out, even one whose sign-in with it is under way; this device is
/// signed in again at once. On an account with two-step verification it also needs a recent
/// sign-in with both factors: the password alone must not replace itself there.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (state, viewer, _) = current_login::<ChangePassword>()?;
    let (user, email) = own_account(&state, &viewer).await?;
    if user.has_second_factor() {
        let claims = request_auth().claims;
        check_step_up(claims.as_ref(), state.settings.step_up_max_age)?;
    }
    let new_password =
        NewPassword::parse(new_password, Some(&email)).map_err(|error| AppError {
            field: Some("new_password".to_owned()),
            ..error
        })?;
    confirm_password(&state, &user, &email, current_password, "current_password").await?;
    let hash = state.passwords.hash(new_password.into_inner()).await?;
    end_sessions_before_change(&state, viewer.user_id).await?;
    users::set_password_hash(&state.db, viewer.user_id, &hash).await?;
    // This browser stays a known device, under the new password.
    remember_device(
        &state,
        &email,
        &hash,
        presented_known_device(&state, &user).as_deref(),
    );
    // After the new hash is stored: a sign-in that read the old one began before this cutoff.
    let cutoff = state.sessions.revoke_all(viewer.user_id).await?;
    let family = start_session(&state, &viewer, cutoff).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::PasswordChanged, client_info())
            .user(viewer.user_id)
            .family(&family),
    );
    redirect_form_post("/account");
    Ok(())
}

/// Erases the signed-in user's account (the password is required) and signs out everywhere:
/// every session ends and its device details leave the session store at once, the user row
/// goes, and the audit log keeps the events under the bare user id with addresses and devices
/// removed.
#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    let (state, viewer, _) = current_login::<DeleteAccount>()?;
    let (user, email) = own_account(&state, &viewer).await?;
    confirm_password(&state, &user, &email, password, "password").await?;
    users::delete(&state.db, viewer.user_id)
        .await?
        .into_result()?;
    state.sessions.revoke_all(viewer.user_id).await?;
    state.sessions.forget_logins(viewer.user_id).await?;
    // Every other table of account data, as its registry row says (its audit events stripped,
    // mail to the account and its link tokens deleted, and whatever a feature added there).
    personal_data::erase_rows(&state.db, viewer.user_id, &user.email).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::AccountErased, Default::default()).user(viewer.user_id),
    );
    append_set_cookies(state.cookies.clear_both());
    redirect_form_post("/");
    Ok(())
}

/// The viewer function `F` admitted and the login (family) this request was made with.
#[cfg(feature = "ssr")]
pub(super) fn current_login<F: ServerFn>() -> Result<(AppState, Viewer, String), AppError> {
    let state = app_state()?;
    let viewer = super::admitted_viewer::<F>()?;
    let family = request_auth()
        .claims
        .map(|claims| claims.sid)
        .ok_or_else(AppError::unauthenticated)?;
    Ok((state, viewer, family))
}

/// The viewer's own account row and its email.
#[cfg(feature = "ssr")]
pub(super) async fn own_account(
    state: &AppState,
    viewer: &Viewer,
) -> Result<(UserRow, Email), AppError> {
    let user = users::find_by_id(&state.db, viewer.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let email = Email::parse(&user.email)?;
    Ok((user, email))
}

/// Checks that `password` is `user`'s own; a mismatch is a form error on `field`.
///
/// The check is throttled and audited like a sign-in, under the same account count: whoever holds
/// a stolen session must not be able to guess the password here at leisure.
#[cfg(feature = "ssr")]
pub(super) async fn confirm_password(
    state: &AppState,
    user: &UserRow,
    email: &Email,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    let slot = state.passwords.queue_slot()?;
    let client = client_info();
    let known_device = presented_known_device(state, user);
    let attempt = Attempt {
        email,
        ip: client.ip.as_deref(),
        known_device: known_device.as_deref(),
    };
    if let Some(wait) = state.throttle.admit(&attempt).await? {
        let throttled = Event::new(EventKind::PasswordCheckThrottled, client);
        audit::record_coalesced(
            &state.db,
            state.sessions.coordination(),
            throttled.user(user.id),
        );
        return Err(AppError::too_many_requests(wait.as_secs() + 1));
    }
    let matches = state
        .passwords
        .verify(slot, password, Some(user.password_hash.clone()))
        .await?;
    if matches {
        state.throttle.succeeded(&attempt).await?;
        Ok(())
    } else {
        state.throttle.failed(&attempt).await?;
        let failed = Event::new(EventKind::PasswordCheckFailed, client);
        audit::record(&state.db, failed.user(user.id));
        Err(AppError::invalid(
            field,
            "That is not your current password.",
        ))
    }
}
