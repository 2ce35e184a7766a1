//! The second step of a sign-in: the password step of an account with a second factor left a
//! waiting sign-in (`ssr::two_step::pending`) and sent the browser to `/login/verify`, where a code
//! from the authenticator app, a recovery code, or one of the account's passkeys completes it.

use crate::auth::policy::Policy;
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    auth::assurance::Authentication,
    auth::redirect::second_step_url,
    ssr::audit::{self, Event, EventKind},
    ssr::context::presented_known_device,
    ssr::context::{app_state, append_set_cookies, client_info, continue_to, request_parts},
    ssr::passkeys,
    ssr::platform::clock::unix_now,
    ssr::sessions::ClientInfo,
    ssr::sign_in::replace_session_as,
    ssr::state::AppState,
    ssr::two_step::pending::PendingSignIn,
    ssr::two_step::trusted,
    ssr::two_step::{self, notices, pending, Accepted, Code, Method},
    ssr::users,
    ssr::users::UserRow,
};

/// Who may call each function of this module: anyone, with a waiting sign-in in its cookie.
pub const POLICIES: &[super::PolicyRow] = &[(VerifySecondFactor::PATH, Policy::Public)];

/// Completes the waiting sign-in with `code`: from the authenticator app (`method` `totp`, the
/// default) or a recovery code (`recovery_code`); or, with `method` `passkey`, with the
/// `credential` a passkey of the account signed for `ceremony` (from
/// `/api/passkey_second_factor_options`; refused 401 `passkey_invalid`). Bad input: a code of the wrong shape 422
/// `invalid_code` (not counted); a wrong one 422 `invalid_code` (counted: five per sign-in, ten
/// per account per window, then 429); a code just used 422 `code_already_used`; no waiting
/// sign-in, or one past its attempts, 410 `mfa_pending_expired`. With `trust_device` (`true`),
/// this browser skips the second step for `MFA_TRUST_DAYS` (a one-factor sign-in: step-up still
/// asks for both).
#[server(prefix = "/api", endpoint = "verify_second_factor")]
pub async fn verify_second_factor(
    method: Option<String>,
    code: Option<String>,
    trust_device: Option<String>,
    ceremony: Option<String>,
    credential: Option<String>,
) -> Result<(), AppError> {
    let state = app_state()?;
    let Some(token) = request_parts().and_then(|parts| state.cookies.read_pending(&parts.headers))
    else {
        return Err(AppError::mfa_pending_expired());
    };
    let store = state.sessions.coordination().as_ref();
    let Some(waiting) = pending::load(store, &token).await? else {
        return Err(expired(&state));
    };
    let with_passkey = method.as_deref() == Some("passkey");
    let method = Method::parse(method.as_deref());
    let code = if with_passkey {
        None
    } else {
        Some(Code::parse(method, code.as_deref().unwrap_or_default())?)
    };
    let client = client_info();
    if let Some(wait) = two_step::blocked_for(&state, waiting.user_id).await? {
        let throttled = Event::new(EventKind::SecondFactorThrottled, client);
        let throttled = throttled.user(waiting.user_id);
        audit::record_coalesced(&state.db, state.sessions.coordination(), throttled);
        return Err(AppError::too_many_requests(wait.as_secs() + 1));
    }
    if pending::count_attempt(store, &token).await? > state.settings.throttle.second_step_attempts {
        pending::discard(store, &token).await?;
        return Err(expired(&state));
    }
    let user = users::find_by_id(&state.db, waiting.user_id)
        .await?
        .filter(|user| !user.is_disabled());
    let Some(user) = user else {
        pending::discard(store, &token).await?;
        return Err(expired(&state));
    };
    let accepted = match code {
        Some(code) => check_code(&state, &user, method, &code, &client).await?,
        None => {
            let ceremony = ceremony.unwrap_or_default();
            let credential = credential.unwrap_or_default();
            match passkeys::finish_sign_in(&state, &ceremony, &credential).await? {
                Ok(row) if row.user_id == user.id => Accepted::Passkey,
                Ok(_) => return Err(AppError::passkey_refused()),
                Err((refusal, owner)) => {
                    return Err(super::passkey_sign_in::refused(
                        &state, client, refusal, owner,
                    ))
                }
            }
        }
    };
    if !pending::spend(store, &token).await? {
        // Another request with a right code completed this sign-in first.
        return Err(expired(&state));
    }
    append_set_cookies([state.cookies.clear_pending()]);
    if matches!(trust_device.as_deref(), Some("true" | "on")) {
        trust_this_browser(&state, &user, &client).await?;
    }
    let authentication = match accepted {
        Accepted::Passkey => Authentication::password_and_passkey(unix_now()),
        _ => two_step::both_factors(),
    };
    let family =
        replace_session_as(&state, &user.viewer(), waiting.checked_from, authentication).await?;
    let succeeded = Event::new(EventKind::SecondFactorSucceeded, client.clone())
        .user(user.id)
        .family(&family);
    let detail = if with_passkey {
        "passkey"
    } else {
        method.as_str()
    };
    audit::record(&state.db, succeeded.detail(detail));
    let signed_in = Event::new(EventKind::SignInSucceeded, client.clone())
        .user(user.id)
        .family(&family);
    audit::record(&state.db, signed_in);
    if let Accepted::RecoveryCode { left } = accepted {
        state
            .mail
            .send(&notices::recovery_code_used(&user.email, left))
            .await?;
        let used = Event::new(EventKind::RecoveryCodeUsed, client).user(user.id);
        audit::record(&state.db, used.family(&family));
    }
    continue_to(&waiting.next);
    Ok(())
}

/// Checks `code` for `user`'s second step; a wrong one counts against the account and is
/// audited.
#[cfg(feature = "ssr")]
async fn check_code(
    state: &AppState,
    user: &UserRow,
    method: Method,
    code: &Code,
    client: &ClientInfo,
) -> Result<Accepted, AppError> {
    let checked = two_step::check_code(state, user.id, code).await;
    if let Err(error) = &checked {
        if error.code == crate::error::ErrorCode::InvalidCode {
            two_step::count_failure(state, user.id, &user.email).await?;
            let failed = Event::new(EventKind::SecondFactorFailed, client.clone()).user(user.id);
            audit::record(&state.db, failed.detail(method.as_str()));
        }
    }
    checked
}

/// After a right password for `user` whose check began at `checked_from`, from the browser known
/// as `device`: whether the sign-in needs its second step. If so, it is left waiting (the record,
/// and its cookie) and the browser is sent to the second-step page, which goes on to `next` (a
/// checked same-site path) once it is done. An account without a factor, or a browser it trusts,
/// signs in at once.
#[cfg(feature = "ssr")]
pub(super) async fn asks_for_it(
    state: &AppState,
    user: &UserRow,
    device: Option<&str>,
    checked_from: u64,
    next: &str,
) -> Result<bool, AppError> {
    if !user.has_second_factor() {
        return Ok(false);
    }
    if let Some(device) = device {
        let now = unix_now() as i64;
        if trusted::is_trusted(&state.db, user.id, device, now).await? {
            return Ok(false);
        }
    }
    let page = second_step_url(next);
    let waiting = PendingSignIn {
        user_id: user.id,
        checked_from,
        next: next.to_owned(),
    };
    let token = pending::create(state.sessions.coordination().as_ref(), &waiting).await?;
    let lifetime = pending::PENDING_LIFETIME.as_secs();
    append_set_cookies([state.cookies.set_pending(&token, lifetime)]);
    continue_to(&page);
    Ok(true)
}

/// Trusts this browser (its known-device id) to skip `user`'s second step for `MFA_TRUST_DAYS`.
#[cfg(feature = "ssr")]
async fn trust_this_browser(
    state: &AppState,
    user: &UserRow,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let lifetime = state.settings.mfa_trust.as_secs() as i64;
    let Some(device) = presented_known_device(state, user).filter(|_| lifetime > 0) else {
        return Ok(());
    };
    let now = unix_now() as i64;
    trusted::trust(&state.db, user.id, &device, client, now, now + lifetime).await?;
    let added = Event::new(EventKind::TrustedDeviceAdded, client.clone()).user(user.id);
    audit::record(&state.db, added);
    Ok(())
}

/// 410 `mfa_pending_expired`, the waiting sign-in's cookie cleared.
#[cfg(feature = "ssr")]
fn expired(state: &AppState) -> AppError {
    append_set_cookies([state.cookies.clear_pending()]);
    AppError::mfa_pending_expired()
}
