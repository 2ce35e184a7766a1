//! Account self-service by email: resetting a forgotten password, confirming an address, and
//! moving an account to a new address.
//!
//! Every mail carries at most one link, whose one-time token (see `ssr::mail::link_tokens`) is spent
//! only by a POST from the page the link opens, never by opening it. Whatever an answer says, and
//! how long it takes, does not depend on whether an address has an account: the lookup and the
//! mail happen after the answer, in the background.

use crate::auth::policy::Policy;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    ssr::audit::{self, Event, EventKind},
    ssr::context::{
        app_state, client_info, continue_to, redirect_form_post, request_viewer, return_form_error,
    },
    ssr::input::{Email, NewPassword},
    ssr::mail::link_tokens::{self, Purpose},
    ssr::mail::links::{
        admit_mail, link_origin, mail_link, mail_verification_link, page_of_link, LinkFor,
    },
    ssr::mail::messages,
    ssr::sessions::ClientInfo,
    ssr::sign_in::{end_sessions_before_change, replace_session, start_session},
    ssr::state::AppState,
    ssr::users::{self, UserRow},
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (RequestPasswordReset::PATH, Policy::Public),
    (ResetPassword::PATH, Policy::Public),
    (VerifyEmail::PATH, Policy::Public),
    (ResendVerification::PATH, Policy::SignedIn),
];

/// Where the forgot-password form leads once the request is taken.
pub const RESET_REQUESTED: &str = "/forgot-password?sent=1";
/// Where the verify-email form leads once the address is confirmed.
pub const ADDRESS_CONFIRMED: &str = "/verify-email?done=1";
/// Where the reminder's "send the link again" form leads.
pub const VERIFICATION_RESENT: &str = "/dashboard?verification=sent";

/// Mails a link to choose a new password, if `email` has an account. The answer is the same,
/// and as quick, either way.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let state = app_state()?;
    let email = Email::parse(&email)?;
    let (origin, client) = admit_mail(&state, &email).await?;
    tokio::spawn(mail_reset_link(state, email, origin, client));
    redirect_form_post(RESET_REQUESTED);
    Ok(())
}

/// Sets a new password with the token of a reset link, ends every session of the account (on
/// every instance: through the revocation feed), confirms the address (the mail arrived), and
/// signs this browser in, unless the account has a second factor: then the browser goes to the
/// sign-in page, where the new password and the second step sign in.
/// Where a reset of an account with a second factor leads: signing in, with both.
pub const RESET_SIGN_IN_AGAIN: &str = "/login?reset=1";

#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let result = reset_with(&token, password).await;
    if let Err(error) = &result {
        return_form_error::<ResetPassword>(&page_of_link(Purpose::PasswordReset, &token), error);
    }
    result
}

/// Confirms an address with the token of a mailed link: the account's own address, or a new one
/// it asked to move to (which then becomes its sign-in address, ending every session).
#[server(prefix = "/api", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let result = verify_with(&token).await;
    match &result {
        Ok(()) => redirect_form_post(ADDRESS_CONFIRMED),
        Err(error) => {
            return_form_error::<VerifyEmail>(&page_of_link(Purpose::VerifyEmail, &token), error)
        }
    }
    result
}

/// Mails the signed-in user a new link to confirm their address (nothing if it is confirmed).
#[server(prefix = "/api", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let state = app_state()?;
    let viewer = super::admitted_viewer::<ResendVerification>()?;
    let user = users::find_by_id(&state.db, viewer.user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    if !user.is_verified() {
        let email = Email::parse(&user.email)?;
        let (origin, _) = admit_mail(&state, &email).await?;
        mail_verification_link(&state, &user, &origin).await?;
    }
    redirect_form_post(VERIFICATION_RESENT);
    Ok(())
}

/// In the background: the reset link, if `email` has an enabled account.
#[cfg(feature = "ssr")]
async fn mail_reset_link(state: AppState, email: Email, origin: String, client: ClientInfo) {
    let mailed = async {
        let Some(user) = users::find_by_email(&state.db, &email).await? else {
            return Ok::<_, sqlx::Error>(());
        };
        if user.is_disabled() {
            return Ok(());
        }
        let ttl = state.settings.reset_token_ttl;
        let link = LinkFor {
            purpose: Purpose::PasswordReset,
            user_id: user.id,
            to: &user.email,
            ttl,
        };
        mail_link(&state, &origin, link, |url| {
            messages::password_reset(&user.email, url, ttl)
        })
        .await?;
        let event = Event::new(EventKind::PasswordResetMailed, client).user(user.id);
        audit::record(&state.db, event);
        Ok(())
    };
    if let Err(error) = mailed.await {
        tracing::error!(%error, "a requested reset link was not queued");
    }
}

#[cfg(feature = "ssr")]
async fn reset_with(token: &str, password: String) -> Result<(), AppError> {
    let state = app_state()?;
    let reset = [Purpose::PasswordReset];
    // Checked before the token is spent, so a refused password leaves the link usable.
    let user = match link_tokens::peek(&state.db, &reset, token).await? {
        Some(grant) => current_owner(&state, grant.user_id, &grant.email).await?,
        None => None,
    };
    let Some(user) = user else {
        return Err(AppError::link_invalid());
    };
    let email = Email::parse(&user.email)?;
    let password = NewPassword::parse(password, Some(&email))?;
    if user.is_disabled() {
        return Err(AppError::account_disabled());
    }
    let hash = state.passwords.hash(password.into_inner()).await?;
    end_sessions_before_change(&state, user.id).await?;
    let Some(grant) = link_tokens::spend(&state.db, &reset, token).await? else {
        // Another request spent it first.
        return Err(AppError::link_invalid());
    };
    users::set_password_hash(&state.db, user.id, &hash).await?;
    users::mark_verified(&state.db, user.id, &grant.email).await?;
    // After the new hash is stored: a sign-in that read the old one began before this cutoff.
    let cutoff = state.sessions.revoke_all(user.id).await?;
    let mut event = Event::new(EventKind::PasswordReset, client_info()).user(user.id);
    if user.has_second_factor() {
        // The link proves the mailbox, not the second factor: signing in takes both, as ever.
        continue_to(RESET_SIGN_IN_AGAIN);
    } else {
        let family = replace_session(&state, &user.viewer(), cutoff).await?;
        event = event.family(&family);
        redirect_form_post(crate::auth::redirect::DEFAULT_AFTER_LOGIN);
    }
    audit::record(&state.db, event);
    Ok(())
}

/// The account `user_id` if its address is still `email` (a link mailed to an address the
/// account has left opens nothing).
#[cfg(feature = "ssr")]
async fn current_owner(
    state: &AppState,
    user_id: i64,
    email: &str,
) -> Result<Option<UserRow>, AppError> {
    let user = users::find_by_id(&state.db, user_id).await?;
    Ok(user.filter(|user| user.email.eq_ignore_ascii_case(email)))
}

#[cfg(feature = "ssr")]
async fn verify_with(token: &str) -> Result<(), AppError> {
    let state = app_state()?;
    let purposes = [Purpose::VerifyEmail, Purpose::ChangeEmail];
    // What can refuse a change is done before its link is spent, so a refusal keeps the link:
    // the origin of the undo link it mails, and ending the account's sessions.
    let peeked = link_tokens::peek(&state.db, &purposes, token).await?;
    let undo_origin = match peeked.filter(|grant| grant.purpose == Purpose::ChangeEmail) {
        Some(change) => {
            let origin = link_origin(&state).ok_or_else(AppError::unavailable)?;
            end_sessions_before_change(&state, change.user_id).await?;
            Some(origin)
        }
        None => None,
    };
    let Some(grant) = link_tokens::spend(&state.db, &purposes, token).await? else {
        return Err(AppError::link_invalid());
    };
    let client = client_info();
    if grant.purpose == Purpose::VerifyEmail {
        if !users::mark_verified(&state.db, grant.user_id, &grant.email).await? {
            return Err(AppError::link_invalid());
        }
        let event = Event::new(EventKind::EmailVerified, client).user(grant.user_id);
        audit::record(&state.db, event);
        return Ok(());
    }
    let new_address = Email::parse(&grant.email)?;
    // A change link was peeked as one (the token is the same), so its origin is there.
    let origin = undo_origin.ok_or_else(AppError::link_invalid)?;
    let completed =
        super::address_change::complete_address_change(&state, &grant, &new_address, &origin)
            .await?;
    if !completed {
        return Err(AppError::link_invalid());
    }
    // The sign-in address changed: every session ends; this browser, if it is the account's,
    // is signed in again.
    let cutoff = state.sessions.revoke_all(grant.user_id).await?;
    if let Some(viewer) = request_viewer().filter(|viewer| viewer.user_id == grant.user_id) {
        let user = users::find_by_id(&state.db, viewer.user_id).await?;
        if let Some(user) = user {
            let viewer = user.viewer();
            start_session(&state, &viewer, cutoff).await?;
        }
    }
    let event = Event::new(EventKind::EmailChanged, client).user(grant.user_id);
    audit::record(&state.db, event);
    Ok(())
}
