//! Signing up, in and out, refreshing, and who is signed in.

use crate::auth::policy::Policy;
use crate::auth::{Profile, Viewer};
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    auth::redirect::{safe_next, DEFAULT_AFTER_LOGIN},
    auth::Role,
    ssr::audit::{self, Event, EventKind},
    ssr::context::{
        app_state, append_set_cookies, client_info, presented_known_device,
        presented_refresh_token, redirect_form_post, remember_device, request_auth,
    },
    ssr::input::{Email, NewPassword, PASSWORD_MAX_CHARS},
    ssr::mail::link_tokens,
    ssr::mail::links::{admit_mail_quietly, link_origin, mail_verification_link},
    ssr::mail::messages,
    ssr::platform::clock::now_micros,
    ssr::sessions::refresh::rotate,
    ssr::settings::EmailVerification,
    ssr::sign_in::replace_session,
    ssr::state::AppState,
    ssr::throttle::Attempt,
    ssr::users,
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (Register::PATH, Policy::Public),
    (Login::PATH, Policy::Public),
    (Logout::PATH, Policy::Public),
    (LogoutAll::PATH, Policy::SignedIn),
    (Refresh::PATH, Policy::Public),
    (Me::PATH, Policy::SignedIn),
];

/// Creates an account and mails it a link to confirm its address. With `EMAIL_VERIFICATION`
/// `optional` it is signed in at once (and an address already taken is refused); with
/// `required` it signs in once confirmed, and the answer (`null`) is the same whether or not the
/// address was taken: its owner is told by mail instead.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(email: String, password: String) -> Result<Option<Viewer>, AppError> {
    let state = app_state()?;
    let checked_from = now_micros();
    let email = Email::parse(&email)?;
    let password = NewPassword::parse(password, Some(&email))?;
    let client = client_info();
    if let Some(wait) = state
        .throttle
        .admit_registration(client.ip.as_deref())
        .await?
    {
        audit::record_coalesced(
            &state.db,
            state.sessions.coordination(),
            Event::new(EventKind::RegistrationThrottled, client),
        );
        return Err(AppError::too_many_requests(wait.as_secs() + 1));
    }
    let hash = state.passwords.hash(password.into_inner()).await?;
    let origin = link_origin(&state);
    let inserted = users::insert(
        &state.db,
        &email,
        &hash,
        Role::NEW_ACCOUNT,
        users::Address::Unverified,
    )
    .await;
    let required = state.settings.email_verification == EmailVerification::Required;
    let user_id = match inserted {
        Ok(user_id) => user_id,
        Err(users::InsertError::EmailTaken) if required => {
            tokio::spawn(tell_owner_of_signup(state, email, origin, client.ip));
            redirect_form_post(SIGNUP_MAILED);
            return Ok(None);
        }
        Err(error) => return Err(error.into()),
    };
    tokio::spawn(mail_new_account_link(
        state.clone(),
        user_id,
        email.clone(),
        origin,
        client.ip.clone(),
    ));
    if required {
        redirect_form_post(SIGNUP_MAILED);
        return Ok(None);
    }
    let viewer = Viewer {
        user_id,
        role: Role::NEW_ACCOUNT,
    };
    // Signing up from a browser signed in to another account ends that login, as signing in does.
    replace_session(&state, &viewer, checked_from).await?;
    remember_device(&state, &email, &hash, None);
    redirect_form_post(DEFAULT_AFTER_LOGIN);
    Ok(Some(viewer))
}

/// Where sign-up leads when the account must confirm its address before signing in.
pub const SIGNUP_MAILED: &str = "/register?sent=1";

/// In the background: the link confirming a new account's address, unless mail to it, or from
/// this client, is over its limits (counted like every other mail, so sign-ups cannot flood a
/// mailbox; the answer never says).
#[cfg(feature = "ssr")]
async fn mail_new_account_link(
    state: AppState,
    user_id: i64,
    email: Email,
    origin: Option<String>,
    client_ip: Option<String>,
) {
    let mailed = async {
        let (Some(origin), Some(user)) = (origin, users::find_by_id(&state.db, user_id).await?)
        else {
            tracing::error!("no origin for the links in mail: set PUBLIC_ORIGIN");
            return Ok(());
        };
        if !admit_mail_quietly(&state, &email, client_ip.as_deref()).await {
            return Ok(());
        }
        mail_verification_link(&state, &user, &origin).await
    };
    if let Err(error) = mailed.await {
        tracing::error!(%error, "a new account's confirmation link was not queued");
    }
}

/// In the background: tells the owner of `email` that someone tried to sign up with it (when
/// sign-up must not reveal whether an address is taken), within the same mail limits.
#[cfg(feature = "ssr")]
async fn tell_owner_of_signup(
    state: AppState,
    email: Email,
    origin: Option<String>,
    client_ip: Option<String>,
) {
    let Some(origin) = origin else { return };
    if !admit_mail_quietly(&state, &email, client_ip.as_deref()).await {
        return;
    }
    let mail = messages::already_registered(email.as_str(), &format!("{origin}/forgot-password"));
    if let Err(error) = state.mail.send(&mail).await {
        tracing::error!(%error, "a sign-up notice was not queued");
    }
}

/// Signs in with email and password; `next` is where to go afterwards (same-site paths only).
/// For an account with a second factor the password starts no login: the answer is `null`, a
/// short-lived cookie holds the waiting sign-in, and the browser goes on to `/login/verify`.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<Option<Viewer>, AppError> {
    let state = app_state()?;
    // Before the user's row is read: a sign-out everywhere from here on ends this login too.
    let checked_from = now_micros();
    let email = Email::parse(&email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    if password.chars().count() > PASSWORD_MAX_CHARS {
        // No account can have such a password; refuse without spending a hash on it.
        return Err(AppError::bad_credentials());
    }
    // Shed a storm before spending a store or database round trip on it.
    let slot = state.passwords.queue_slot()?;
    let client = client_info();
    // Read first: a known device is known under the account's current password.
    let user = users::find_by_email(&state.db, &email).await?;
    let known_device = user
        .as_ref()
        .and_then(|user| presented_known_device(&state, user));
    let attempt = Attempt {
        email: &email,
        ip: client.ip.as_deref(),
        known_device: known_device.as_deref(),
    };
    if let Some(wait) = state.throttle.admit(&attempt).await? {
        let throttled = Event::new(EventKind::SignInThrottled, client);
        audit::record_coalesced(&state.db, state.sessions.coordination(), throttled);
        // Round up: retrying after the advertised wait must succeed.
        return Err(AppError::too_many_requests(wait.as_secs() + 1));
    }
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = state.passwords.verify(slot, password, stored_hash).await?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            state.throttle.failed(&attempt).await?;
            let failed = Event::new(EventKind::SignInFailed, client.clone());
            audit::record(
                &state.db,
                match &user {
                    Some(user) => failed.user(user.id),
                    None => failed.detail("unknown email"),
                },
            );
            return Err(AppError::bad_credentials());
        }
    };
    state.throttle.succeeded(&attempt).await?;
    remember_device(&state, &email, &user.password_hash, known_device.as_deref());
    crate::ssr::sign_in::may_sign_in(&state, &user, &email).await?;
    let next = safe_next(next.as_deref());
    let device = known_device.as_deref();
    if super::second_step::asks_for_it(&state, &user, device, checked_from, &next).await? {
        return Ok(None);
    }
    let viewer = user.viewer();
    let family = replace_session(&state, &viewer, checked_from).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::SignInSucceeded, client)
            .user(user.id)
            .family(&family),
    );
    redirect_form_post(&next);
    Ok(Some(viewer))
}

/// Ends this session and clears both cookies. Safe to call when already signed out.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = app_state()?;
    // First: the browser forgets its tokens even if the store cannot be reached below.
    append_set_cookies(state.cookies.clear_both());
    let ended = match presented_refresh_token(&state) {
        Some(token) => state.sessions.end(&token).await?,
        None => None,
    };
    let claims = request_auth().claims;
    if let Some(claims) = &claims {
        // The access token's login, unless ending the refresh token already revoked it.
        if ended.as_ref().map(|ended| ended.family.as_str()) != Some(claims.sid.as_str()) {
            state.sessions.revoke_family(&claims.sid).await?;
        }
    }
    // Audited from whichever token said whose login it was (an idle browser's access token has
    // lapsed; its refresh token still knows).
    let login = match (&claims, &ended) {
        (Some(claims), _) => Some((claims.sid.clone(), claims.sub.parse().ok())),
        (None, Some(ended)) => Some((ended.family.clone(), Some(ended.user_id))),
        (None, None) => None,
    };
    if let Some((family, user_id)) = login {
        let mut event = Event::new(EventKind::SignedOut, client_info()).family(&family);
        event.user_id = user_id;
        audit::record(&state.db, event);
    }
    redirect_form_post("/");
    Ok(())
}

/// Ends every session of the signed-in user on every device, this one included, and forgets the
/// browsers trusted to skip the second step.
#[server(prefix = "/api", endpoint = "logout_all")]
pub async fn logout_all() -> Result<(), AppError> {
    let state = app_state()?;
    let viewer = super::admitted_viewer::<LogoutAll>()?;
    // Links mailed before (a pending address change, a reset) end with the sessions.
    link_tokens::void_all(&state.db, viewer.user_id).await?;
    crate::ssr::two_step::trusted::forget_all(&state.db, viewer.user_id).await?;
    state.sessions.revoke_all(viewer.user_id).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::SignedOutEverywhere, client_info()).user(viewer.user_id),
    );
    append_set_cookies(state.cookies.clear_both());
    redirect_form_post("/");
    Ok(())
}

/// Rotates the refresh session and issues a new access token.
#[server(prefix = "/api", endpoint = "refresh")]
pub async fn refresh() -> Result<Viewer, AppError> {
    let state = app_state()?;
    let rotated = match presented_refresh_token(&state) {
        Some(token) => rotate(&state, &token, client_info()).await?,
        None => None,
    };
    let Some(issued) = rotated else {
        append_set_cookies(state.cookies.clear_both());
        return Err(AppError::unauthenticated());
    };
    let signed_in = state.sign_in(&issued);
    append_set_cookies(signed_in.set_cookies);
    Ok(issued.record.viewer())
}

/// The signed-in user's own profile.
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<Profile, AppError> {
    let state = app_state()?;
    let viewer = super::admitted_viewer::<Me>()?;
    users::find_by_id(&state.db, viewer.user_id)
        .await?
        .map(|user| user.profile())
        .ok_or_else(AppError::unauthenticated)
}
