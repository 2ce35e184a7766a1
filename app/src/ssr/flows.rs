//! The bodies of the auth server functions: register, login, logout, refresh and profile reads.

use super::audit::{self, Event, EventKind};
use super::context::{
    app_state, append_set_cookies, client_info, presented_refresh_token, redirect_form_post,
    request_auth, require_viewer,
};
use super::input::{Email, NewPassword, PASSWORD_MAX_CHARS};
use super::passwords::HashError;
use super::sessions::StoreError;
use super::sessions::{ClientInfo, IssuedRefresh, RotationOutcome};
use super::state::AppState;
use super::throttle::Attempt;
use super::users::{self, InsertError};
use crate::auth::policy::{safe_next, Policy, DEFAULT_AFTER_LOGIN};
use crate::auth::{Profile, Role, Viewer};
use crate::error::AppError;
use rand::Rng;

pub async fn register(email: String, password: String) -> Result<Viewer, AppError> {
    let state = app_state()?;
    let email = Email::parse(&email)?;
    let password = NewPassword::parse(password)?;
    let hash = state
        .passwords
        .hash(password.into_inner())
        .await
        .map_err(hash_failed)?;
    let user_id = users::insert(&state.db, &email, &hash, Role::User)
        .await
        .map_err(|error| match error {
            InsertError::EmailTaken => AppError::email_taken(),
            InsertError::Database(error) => database_failed(error),
        })?;
    let viewer = Viewer {
        user_id,
        role: Role::User,
    };
    start_session(&state, &viewer).await?;
    redirect_form_post(DEFAULT_AFTER_LOGIN);
    Ok(viewer)
}

pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<Viewer, AppError> {
    let state = app_state()?;
    let email = Email::parse(&email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    if password.chars().count() > PASSWORD_MAX_CHARS {
        // No account can have such a password; refuse without spending a hash on it.
        return Err(AppError::bad_credentials());
    }
    // Shed a storm before spending a store or database round trip on it.
    let slot = state.passwords.queue_slot().map_err(hash_failed)?;
    let client = client_info();
    let attempt = Attempt {
        email: &email,
        ip: client.ip.as_deref(),
    };
    if let Some(wait) = state
        .throttle
        .blocked_for(&attempt)
        .await
        .map_err(store_failed)?
    {
        audit::record(&state.db, Event::new(EventKind::SignInThrottled, client));
        // Round up: retrying after the advertised wait must succeed.
        return Err(AppError::too_many_requests(wait.as_secs() + 1));
    }
    let user = users::find_by_email(&state.db, &email)
        .await
        .map_err(database_failed)?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = state
        .passwords
        .verify(slot, password, stored_hash)
        .await
        .map_err(hash_failed)?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            state
                .throttle
                .failed(&attempt)
                .await
                .map_err(store_failed)?;
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
    state
        .throttle
        .succeeded(&email)
        .await
        .map_err(store_failed)?;
    if user.is_disabled() {
        // Said only to someone who knows the password: it reveals nothing to a guesser.
        return Err(AppError::account_disabled());
    }
    // Signing in again from the same browser replaces its previous login, not adds to it.
    if let Some(previous) = presented_refresh_token(&state) {
        state.sessions.end(&previous).await.map_err(store_failed)?;
    }
    let viewer = Viewer {
        user_id: user.id,
        role: user.role(),
    };
    let family = start_session(&state, &viewer).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::SignInSucceeded, client)
            .user(user.id)
            .family(&family),
    );
    redirect_form_post(&safe_next(next.as_deref()));
    Ok(viewer)
}

pub async fn logout() -> Result<(), AppError> {
    let state = app_state()?;
    let ended = match presented_refresh_token(&state) {
        Some(token) => state.sessions.end(&token).await.map_err(store_failed)?,
        None => None,
    };
    if let Some(claims) = request_auth().claims {
        // The access token's login, unless ending the refresh token already revoked it.
        if ended.as_deref() != Some(claims.sid.as_str()) {
            state
                .sessions
                .revoke_family(&claims.sid)
                .await
                .map_err(store_failed)?;
        }
        let mut event = Event::new(EventKind::SignedOut, client_info()).family(&claims.sid);
        event.user_id = claims.sub.parse().ok();
        audit::record(&state.db, event);
    }
    append_set_cookies(state.cookies.clear_both());
    redirect_form_post("/");
    Ok(())
}

pub async fn logout_all() -> Result<(), AppError> {
    let state = app_state()?;
    let viewer = require_viewer(Policy::SignedIn)?;
    state
        .sessions
        .revoke_all(viewer.user_id)
        .await
        .map_err(store_failed)?;
    audit::record(
        &state.db,
        Event::new(EventKind::SignedOutEverywhere, client_info()).user(viewer.user_id),
    );
    append_set_cookies(state.cookies.clear_both());
    redirect_form_post("/");
    Ok(())
}

pub async fn refresh() -> Result<Viewer, AppError> {
    let state = app_state()?;
    let rotated = match presented_refresh_token(&state) {
        Some(token) => rotate(&state, &token, client_info())
            .await
            .map_err(store_failed)?,
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

pub async fn me() -> Result<Profile, AppError> {
    let state = app_state()?;
    let viewer = require_viewer(Policy::SignedIn)?;
    users::find_by_id(&state.db, viewer.user_id)
        .await
        .map_err(database_failed)?
        .map(|user| user.profile())
        .ok_or_else(AppError::unauthenticated)
}

/// Rotates the refresh `token` (for `/api/refresh` and the auth layer's transparent refresh),
/// recording a reuse it revealed in the audit log. Plain rotations are not audited: one per
/// access-token lifetime per active login would drown the log, and the login's last use is
/// kept with the login itself.
pub async fn rotate(
    state: &AppState,
    token: &str,
    client: ClientInfo,
) -> Result<Option<IssuedRefresh>, StoreError> {
    match state.sessions.rotate(token).await? {
        RotationOutcome::Rotated(mut issued) => {
            // The account decides the role, and whether there is a session at all.
            let user = users::find_by_id(&state.db, issued.record.user_id)
                .await
                .map_err(StoreError::new)?;
            let Some(user) = user.filter(|user| !user.is_disabled()) else {
                state.sessions.revoke_family(&issued.record.family).await?;
                return Ok(None);
            };
            issued.record.role = user.role();
            Ok(Some(issued))
        }
        RotationOutcome::Refused => Ok(None),
        RotationOutcome::Reused { user_id, family } => {
            tracing::warn!(
                user_id,
                "refresh token reuse detected; the login was revoked"
            );
            let event = Event::new(EventKind::ReuseDetected, client)
                .user(user_id)
                .family(&family)
                .detail("a rotated refresh token was presented again; login revoked");
            audit::record(&state.db, event);
            Ok(None)
        }
    }
}

/// Starts a login for `viewer`, sets its cookies, and returns its family id.
async fn start_session(state: &AppState, viewer: &Viewer) -> Result<String, AppError> {
    let issued = state
        .sessions
        .start(viewer, client_info())
        .await
        .map_err(store_failed)?;
    append_set_cookies(state.sign_in(&issued).set_cookies);
    Ok(issued.record.family)
}

pub fn database_failed(error: sqlx::Error) -> AppError {
    tracing::error!(%error, "database query failed");
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            AppError::unavailable()
        }
        _ => AppError::internal(),
    }
}

pub fn store_failed(error: StoreError) -> AppError {
    tracing::error!(%error, "session store failed");
    AppError::unavailable()
}

/// The range, in seconds, of the `Retry-After` a shed sign-in is given. Clients refused in the
/// same instant would otherwise all come back in the same instant, a wave that the next
/// refusals repeat every second; a random wait spreads them out.
const BUSY_RETRY_AFTER: std::ops::RangeInclusive<u64> = 1..=3;

pub fn hash_failed(error: HashError) -> AppError {
    if matches!(error, HashError::Busy) {
        tracing::warn!("sign-in refused: the password hashing queue is full");
        return AppError::busy(rand::thread_rng().gen_range(BUSY_RETRY_AFTER));
    }
    tracing::error!(%error, "password hashing failed");
    AppError::internal()
}
