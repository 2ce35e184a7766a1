//! Signing in with a passkey: with no address typed (the browser offers the site's passkeys, as
//! autofill or behind a button), with the address typed first (its passkeys are offered), or as
//! the second step of a password sign-in (see [`super::second_step`]). A passkey checks the
//! user (PIN or biometric) as well as the key, so it signs in at `aal2` by itself.

use crate::auth::policy::Policy;
use crate::auth::Viewer;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

pub use super::passkeys::CeremonyOptions;

#[cfg(feature = "ssr")]
use crate::{
    auth::assurance::Authentication,
    auth::redirect::safe_next,
    ssr::audit::{self, Event, EventKind},
    ssr::context::{app_state, client_info, continue_to, request_parts},
    ssr::input::Email,
    ssr::passkeys::{self, rows, Refusal, Signer},
    ssr::platform::clock::{now_micros, unix_now},
    ssr::sessions::ClientInfo,
    ssr::sign_in::{may_sign_in, replace_session_as},
    ssr::state::AppState,
    ssr::two_step::pending,
    ssr::users,
};

/// Who may call each function of this module: anyone (the second step's options need a
/// waiting sign-in's cookie).
pub const POLICIES: &[super::PolicyRow] = &[
    (PasskeySignInOptions::PATH, Policy::Public),
    (PasskeySignInOptionsFor::PATH, Policy::Public),
    (SignInWithPasskey::PATH, Policy::Public),
    (PasskeySecondFactorOptions::PATH, Policy::Public),
];

/// Options for a sign-in with any of this site's passkeys the browser has (no address typed).
/// 429 past `PASSKEY_MAX_CEREMONIES_PER_IP` within the window.
#[server(prefix = "/api", endpoint = "passkey_sign_in_options")]
pub async fn passkey_sign_in_options() -> Result<CeremonyOptions, AppError> {
    let state = app_state()?;
    admit_ceremony(&state).await?;
    let started = passkeys::start_sign_in(&state, Signer::Anyone, Vec::new()).await?;
    Ok(started.into())
}

/// Options for a sign-in with the passkeys of the account at `email`. An address without an
/// account, or without passkeys, gets stand-in credential ids (the same each time), so the
/// answer does not tell whether it has either.
#[server(prefix = "/api", endpoint = "passkey_sign_in_options_for")]
pub async fn passkey_sign_in_options_for(email: String) -> Result<CeremonyOptions, AppError> {
    let state = app_state()?;
    let email = Email::parse(&email)?;
    admit_ceremony(&state).await?;
    let service = passkeys::service(&state)?;
    let user = users::find_by_email(&state.db, &email).await?;
    let stored = match &user {
        Some(user) => rows::list(&state.db, user.id).await?,
        None => Vec::new(),
    };
    let signer = match &user {
        Some(user) if !stored.is_empty() => Signer::Account(user.id),
        _ => Signer::Nobody,
    };
    let offered = service.offered_for(&passkeys::credential_ids(&stored), email.as_str());
    let started = passkeys::start_sign_in(&state, signer, offered).await?;
    Ok(started.into())
}

/// Signs in with the passkey the browser signed `ceremony`'s challenge with (`credential`: its
/// `toJSON()`), then goes on to `next` (same-site paths only). Bad: the ceremony spent, unknown
/// or expired 410 `passkey_ceremony_expired`; anything that fails verification (an unknown or
/// another account's credential, no user verification, a bad signature, a signature counter
/// that went back) 401 `passkey_invalid`; a disabled or unconfirmed account as a password
/// sign-in would be told.
#[server(prefix = "/api", endpoint = "sign_in_with_passkey")]
pub async fn sign_in_with_passkey(
    ceremony: String,
    credential: String,
    next: Option<String>,
) -> Result<Option<Viewer>, AppError> {
    let state = app_state()?;
    let checked_from = now_micros();
    let client = client_info();
    let row = match passkeys::finish_sign_in(&state, &ceremony, &credential).await? {
        Ok(row) => row,
        Err((refusal, user_id)) => return Err(refused(&state, client, refusal, user_id)),
    };
    let user = users::find_by_id(&state.db, row.user_id)
        .await?
        .ok_or_else(AppError::passkey_refused)?;
    may_sign_in(&state, &user, &Email::parse(&user.email)?).await?;
    let viewer = user.viewer();
    let authentication = Authentication::passkey(unix_now());
    let family = replace_session_as(&state, &viewer, checked_from, authentication).await?;
    let signed_in = Event::new(EventKind::SignInSucceeded, client).user(user.id);
    audit::record(&state.db, signed_in.family(&family).detail("passkey"));
    continue_to(&safe_next(next.as_deref()));
    Ok(Some(viewer))
}

/// Options for the second step of the sign-in waiting in this browser's cookie, with a passkey
/// of its account. 410 `mfa_pending_expired` without a waiting sign-in; 404 when the account
/// has no passkey.
#[server(prefix = "/api", endpoint = "passkey_second_factor_options")]
pub async fn passkey_second_factor_options() -> Result<CeremonyOptions, AppError> {
    let state = app_state()?;
    let token = request_parts().and_then(|parts| state.cookies.read_pending(&parts.headers));
    let store = state.sessions.coordination().as_ref();
    let waiting = match token {
        Some(token) => pending::load(store, &token).await?,
        None => None,
    };
    let Some(waiting) = waiting else {
        return Err(AppError::mfa_pending_expired());
    };
    let started = passkeys::start_for_account(&state, waiting.user_id).await?;
    Ok(started.into())
}

/// 429 when this client has started too many ceremonies.
#[cfg(feature = "ssr")]
async fn admit_ceremony(state: &AppState) -> Result<(), AppError> {
    let client = client_info();
    match state
        .throttle
        .admit_passkey_ceremony(client.ip.as_deref())
        .await?
    {
        Some(wait) => Err(AppError::too_many_requests(wait.as_secs() + 1)),
        None => Ok(()),
    }
}

/// Audits a refused passkey (a suspected clone against its account) and says so: 410 for a
/// ceremony that is over, else 401 `passkey_invalid`.
#[cfg(feature = "ssr")]
pub(super) fn refused(
    state: &AppState,
    client: ClientInfo,
    refusal: Refusal,
    user_id: Option<i64>,
) -> AppError {
    let kind = match refusal {
        Refusal::CloneSuspected => EventKind::PasskeyCloneSuspected,
        _ => EventKind::PasskeyRefused,
    };
    let mut event = Event::new(kind, client).detail(refusal.as_str());
    event.user_id = user_id;
    audit::record(&state.db, event);
    match refusal {
        Refusal::Expired => AppError::passkey_ceremony_expired(),
        _ => AppError::passkey_refused(),
    }
}
