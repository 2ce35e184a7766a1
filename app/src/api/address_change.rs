//! Moving an account to a new address: asking for it (the new address is mailed a link, the
//! current one told), and undoing a completed move from the old address. Confirming the move is
//! following the link, in [`super::email::verify_email`], which calls [`complete_address_change`].
//!
//! Whoever holds the password can ask for a move, so the owner keeps two ways to stop one: any
//! credential or control event before it is confirmed voids its link, and once it completes the
//! old address gets a link that takes the account back, whatever was done to it since.

use crate::auth::policy::{Policy, SIGNED_IN_RECENTLY};
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use super::account::{confirm_password, current_login, own_account};
#[cfg(feature = "ssr")]
use crate::{
    ssr::audit::{self, Event, EventKind},
    ssr::context::{app_state, client_info, redirect_form_post, return_form_error},
    ssr::input::{Email, NewPassword},
    ssr::mail::link_tokens::{self, LinkGrant, Purpose},
    ssr::mail::links::{admit_mail, mail_link, page_of_link, queue_link, LinkFor},
    ssr::mail::messages,
    ssr::sign_in::{end_sessions_before_change, replace_session},
    ssr::state::AppState,
    ssr::users,
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (ChangeEmail::PATH, SIGNED_IN_RECENTLY),
    (UndoEmailChange::PATH, Policy::Public),
];

/// Where the address-change form leads once the link is mailed.
pub const EMAIL_CHANGE_MAILED: &str = "/account?email_change=sent";

/// Starts moving the account to `new_email` (the password is required): the new address is
/// mailed a link, and becomes the sign-in address only once it is followed (which ends every
/// session); the current address is told, with no link. If the new address already has an
/// account, the answer is the same and nothing is mailed to it.
#[server(prefix = "/api", endpoint = "change_email")]
pub async fn change_email(new_email: String, password: String) -> Result<(), AppError> {
    let (state, viewer, _) = current_login::<ChangeEmail>()?;
    let (user, email) = own_account(&state, &viewer).await?;
    let new_email = Email::parse(&new_email).map_err(|error| AppError {
        field: Some("new_email".to_owned()),
        ..error
    })?;
    if new_email == email {
        return Err(AppError::invalid(
            "new_email",
            "That is already your address.",
        ));
    }
    confirm_password(&state, &user, &email, password, "password").await?;
    let (origin, client) = admit_mail(&state, &new_email).await?;
    // In the background, like a reset: whether the new address is free shows in neither the
    // answer nor how long it takes.
    tokio::spawn(mail_change_link(
        state.clone(),
        user.id,
        new_email.clone(),
        origin,
    ));
    let notice = messages::address_change_notice(email.as_str(), new_email.as_str());
    state.mail.send(&notice).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::EmailChangeRequested, client).user(user.id),
    );
    redirect_form_post(EMAIL_CHANGE_MAILED);
    Ok(())
}

/// Undoes an address change with the token of the link mailed to the old address when the change
/// completed: the old address is the account's again, with the new `password`; every other link
/// and every session ends, and this browser is signed in. The way back for an owner whose account
/// was moved to someone else's mailbox, whatever that someone did with it since.
#[server(prefix = "/api", endpoint = "undo_email_change")]
pub async fn undo_email_change(token: String, password: String) -> Result<(), AppError> {
    let result = undo_with(&token, password).await;
    if let Err(error) = &result {
        return_form_error::<UndoEmailChange>(
            &page_of_link(Purpose::UndoEmailChange, &token),
            error,
        );
    }
    result
}

/// In the background: the link that moves account `user_id` to `new_email`, unless that address
/// already has an account (then nothing is mailed to it).
#[cfg(feature = "ssr")]
async fn mail_change_link(state: AppState, user_id: i64, new_email: Email, origin: String) {
    let mailed = async {
        if users::find_by_email(&state.db, &new_email).await?.is_some() {
            return Ok::<_, sqlx::Error>(());
        }
        let ttl = state.settings.verify_token_ttl;
        let link = LinkFor {
            purpose: Purpose::ChangeEmail,
            user_id,
            to: new_email.as_str(),
            ttl,
        };
        mail_link(&state, &origin, link, |url| {
            messages::confirm_new_address(new_email.as_str(), url, ttl)
        })
        .await
    };
    if let Err(error) = mailed.await {
        tracing::error!(%error, "an address change's link was not queued");
    }
}

/// Moves the account to `new_address` (the change `grant` confirms) and queues, in the same
/// transaction, the mail telling the old address with the link (at `origin`) that undoes it;
/// `false` if the change no longer holds (see `users::move_to_verified_email`).
#[cfg(feature = "ssr")]
pub(super) async fn complete_address_change(
    state: &AppState,
    grant: &LinkGrant,
    new_address: &Email,
    origin: &str,
) -> Result<bool, AppError> {
    let mut tx = state.db.begin().await?;
    let moved =
        users::move_to_verified_email(&mut tx, grant.user_id, new_address, grant.issued_at).await?;
    let Some(old_address) = moved else {
        return Ok(false);
    };
    let ttl = state.settings.undo_email_change_ttl;
    let undo = LinkFor {
        purpose: Purpose::UndoEmailChange,
        user_id: grant.user_id,
        to: &old_address,
        ttl,
    };
    queue_link(&state.mail, &mut tx, origin, undo, |url| {
        messages::address_changed(&old_address, new_address.as_str(), url, ttl)
    })
    .await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(true)
}

#[cfg(feature = "ssr")]
async fn undo_with(token: &str, password: String) -> Result<(), AppError> {
    let state = app_state()?;
    let undo = [Purpose::UndoEmailChange];
    // Everything that can refuse is checked before the token is spent, so a refusal keeps the
    // link usable.
    let Some(grant) = link_tokens::peek(&state.db, &undo, token).await? else {
        return Err(AppError::link_invalid());
    };
    let Some(user) = users::find_by_id(&state.db, grant.user_id).await? else {
        return Err(AppError::link_invalid());
    };
    let address = Email::parse(&grant.email)?;
    let password = NewPassword::parse(password, Some(&address))?;
    if user.is_disabled() {
        return Err(AppError::account_disabled());
    }
    if let Some(holder) = users::find_by_email(&state.db, &address).await? {
        if holder.id != user.id {
            return Err(AppError {
                message: "This address now belongs to another account. Contact an \
                          administrator."
                    .to_owned(),
                ..AppError::email_taken()
            });
        }
    }
    let hash = state.passwords.hash(password.into_inner()).await?;
    end_sessions_before_change(&state, user.id).await?;
    let Some(grant) = link_tokens::spend(&state.db, &undo, token).await? else {
        return Err(AppError::link_invalid());
    };
    if !users::restore_email(&state.db, user.id, &address, &hash, grant.issued_at).await? {
        return Err(AppError::account_disabled());
    }
    // After the new hash and address are stored: whoever held the account until now is out.
    let cutoff = state.sessions.revoke_all(user.id).await?;
    let viewer = user.viewer();
    let family = replace_session(&state, &viewer, cutoff).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::EmailChangeUndone, client_info())
            .user(user.id)
            .family(&family),
    );
    redirect_form_post(crate::auth::redirect::DEFAULT_AFTER_LOGIN);
    Ok(())
}
