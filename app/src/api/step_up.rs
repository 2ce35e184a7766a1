//! Confirming it's you: a signed-in user proves who they are again, without starting a new
//! login, before an action whose policy asks for a recent sign-in (`Policy::StepUp`). The
//! login's refresh token is rotated into one recording the new authentication, so its access
//! tokens carry a new `auth_time` from now on, and every other tab of the browser follows.

use crate::auth::policy::Policy;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

pub use super::passkeys::CeremonyOptions;

#[cfg(feature = "ssr")]
use crate::{
    auth::assurance::Authentication,
    auth::redirect::safe_next,
    ssr::audit::{self, Event, EventKind},
    ssr::context::{client_info, continue_to, redirect_form_post},
    ssr::passkeys,
    ssr::platform::clock::unix_now,
    ssr::sign_in::renew_authentication,
    ssr::two_step,
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (Reauthenticate::PATH, Policy::SignedIn),
    (PasskeyReauthenticationOptions::PATH, Policy::SignedIn),
    (ReauthenticateWithPasskey::PATH, Policy::SignedIn),
];

/// Confirms the signed-in user's `password` (throttled and audited like every password check),
/// and for an account with a second factor a `code` too (`method` `totp` or `recovery_code`,
/// counted like a sign-in's second step), and records it as the login's latest authentication;
/// `next` is where to go afterwards (same-site paths only).
#[server(prefix = "/api", endpoint = "reauthenticate")]
pub async fn reauthenticate(
    password: String,
    method: Option<String>,
    code: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<Reauthenticate>()?;
    let (user, email) = super::account::own_account(&state, &viewer).await?;
    let second_code = if user.has_second_factor() {
        let code = code.as_deref().unwrap_or_default();
        Some(match method.as_deref() {
            None => two_step::Code::either(code)?,
            method => two_step::Code::parse(two_step::Method::parse(method), code)?,
        })
    } else {
        None
    };
    super::account::confirm_password(&state, &user, &email, password, "password").await?;
    let authentication = match second_code {
        None => Authentication::password(unix_now()),
        Some(code) => {
            if let Some(wait) = two_step::blocked_for(&state, user.id).await? {
                return Err(AppError::too_many_requests(wait.as_secs() + 1));
            }
            if let Err(error) = two_step::check_code(&state, user.id, &code).await {
                if error.code == crate::error::ErrorCode::InvalidCode {
                    two_step::count_failure(&state, user.id, &user.email).await?;
                }
                return Err(error);
            }
            two_step::both_factors()
        }
    };
    renew_authentication(&state, authentication).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::Reauthenticated, client_info())
            .user(viewer.user_id)
            .family(&family),
    );
    redirect_form_post(&safe_next(next.as_deref()));
    Ok(())
}

/// Options for confirming it's you with one of the account's passkeys. 404 when it has none.
#[server(prefix = "/api", endpoint = "passkey_reauthentication_options")]
pub async fn passkey_reauthentication_options() -> Result<CeremonyOptions, AppError> {
    let (state, viewer, _) = super::account::current_login::<PasskeyReauthenticationOptions>()?;
    let started = passkeys::start_for_account(&state, viewer.user_id).await?;
    Ok(started.into())
}

/// Confirms it's you with the `credential` one of the account's passkeys signed for `ceremony`
/// (it verifies the user, so it counts as both factors), records it as the login's latest
/// authentication, and goes on to `next`. Refused as a passkey sign-in is (410, 401
/// `passkey_invalid`).
#[server(prefix = "/api", endpoint = "reauthenticate_with_passkey")]
pub async fn reauthenticate_with_passkey(
    ceremony: String,
    credential: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<ReauthenticateWithPasskey>()?;
    let client = client_info();
    match passkeys::finish_sign_in(&state, &ceremony, &credential).await? {
        Ok(row) if row.user_id == viewer.user_id => {}
        Ok(_) => return Err(AppError::passkey_refused()),
        Err((refusal, owner)) => {
            return Err(super::passkey_sign_in::refused(
                &state, client, refusal, owner,
            ))
        }
    }
    renew_authentication(&state, Authentication::passkey(unix_now())).await?;
    let event = Event::new(EventKind::Reauthenticated, client).user(viewer.user_id);
    audit::record(&state.db, event.family(&family).detail("passkey"));
    continue_to(&safe_next(next.as_deref()));
    Ok(())
}
