//! Two-step verification: after the password, a code from an authenticator app ([`totp`]) or one
//! of the account's recovery codes ([`recovery_codes`]). A sign-in waits for the second step in
//! [`pending`]; the owner is told by mail ([`notices`]) of every change, and when someone with
//! the password keeps failing the second step.
//!
//! Wrong codes count per account, from everywhere together: whoever types them already has the
//! password, so where they come from says nothing. Past `MFA_MAX_FAILURES_ACCOUNT_WIDE` within
//! the window, the second step is refused until the window ends, and the owner gets one mail.

pub mod fresh_codes;
pub mod notices;
pub mod pending;
pub mod recovery_codes;
pub mod totp;
pub mod trusted;

use crate::auth::assurance::{Authentication, Level, Method as AuthMethod};
use crate::error::AppError;
use crate::ssr::platform::clock::unix_now;
use crate::ssr::state::AppState;
use recovery_codes::TypedCode;
use sqlx::AnyPool;
use std::time::Duration;

/// A login's authentication once its holder has just used both factors (a code after the
/// password, or to confirm the app's set-up).
pub fn both_factors() -> Authentication {
    Authentication {
        auth_time: unix_now(),
        amr: vec![AuthMethod::Pwd, AuthMethod::Otp, AuthMethod::Mfa],
        acr: Level::Aal2,
    }
}

/// Whether account `user_id` has a confirmed second factor.
pub async fn has_second_factor(db: &AnyPool, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(totp::find(db, user_id)
        .await?
        .is_some_and(|row| row.confirmed_at.is_some()))
}

/// Which kind of code a second step was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Totp,
    RecoveryCode,
}

impl Method {
    /// `totp` or `recovery_code` (the form's `method`); anything else, or nothing, is `totp`.
    pub fn parse(value: Option<&str>) -> Method {
        match value {
            Some("recovery_code") => Method::RecoveryCode,
            _ => Method::Totp,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::RecoveryCode => "recovery_code",
        }
    }
}

/// A code as submitted, checked for its shape before anything is counted or hashed.
pub enum Code {
    Totp(String),
    Recovery(TypedCode),
}

impl Code {
    /// The code in `input` for `method`; 422 `invalid_code` for one of the wrong shape (a
    /// malformed code costs no attempt).
    pub fn parse(method: Method, input: &str) -> Result<Code, AppError> {
        match method {
            Method::Totp => {
                let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
                let six_digits = digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit());
                six_digits
                    .then_some(Code::Totp(digits))
                    .ok_or_else(AppError::invalid_code)
            }
            Method::RecoveryCode => TypedCode::parse(input)
                .map(Code::Recovery)
                .ok_or_else(AppError::invalid_code),
        }
    }
}

impl Code {
    /// The code in `input`, of whichever kind its shape says: six digits are the app's, anything
    /// else a recovery code (for a form with one field for both).
    pub fn either(input: &str) -> Result<Code, AppError> {
        Code::parse(Method::Totp, input).or_else(|_| Code::parse(Method::RecoveryCode, input))
    }
}

/// What a right code was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    Totp,
    /// A recovery code, spent; this many are left.
    RecoveryCode {
        left: i64,
    },
    /// One of the account's passkeys (see `ssr::passkeys`).
    Passkey,
}

/// Checks `code` for account `user_id`: accepted once (a TOTP code's step, a recovery code
/// itself, spent atomically), or 422 `invalid_code` / `code_already_used`. An authenticator whose
/// seed does not open under the data key counts as absent (logged): its codes are refused,
/// recovery codes still work.
pub async fn check_code(state: &AppState, user_id: i64, code: &Code) -> Result<Accepted, AppError> {
    match code {
        Code::Totp(digits) => {
            let row = totp::find(&state.db, user_id).await?;
            let seed = row
                .filter(|row| row.confirmed_at.is_some())
                .zip(state.data_key.as_ref())
                .and_then(|(row, key)| totp::open(key, user_id, &row.secret_sealed));
            let Some(step) = seed.and_then(|seed| totp::matching_step(&seed, digits, unix_now()))
            else {
                return Err(AppError::invalid_code());
            };
            if totp::accept_step(&state.db, user_id, step).await? {
                Ok(Accepted::Totp)
            } else {
                Err(AppError::code_already_used())
            }
        }
        Code::Recovery(typed) => {
            let now = unix_now() as i64;
            if recovery_codes::spend(&state.db, &state.passwords, user_id, typed, now).await? {
                let left = recovery_codes::left(&state.db, user_id).await?;
                Ok(Accepted::RecoveryCode { left })
            } else {
                Err(AppError::invalid_code())
            }
        }
    }
}

fn failures_key(user_id: i64) -> String {
    format!("mfa-failures:{user_id}")
}

fn block_key(user_id: i64) -> String {
    format!("mfa-block:{user_id}")
}

fn owner_told_key(user_id: i64) -> String {
    format!("mfa-owner-told:{user_id}")
}

/// How long the second step of account `user_id` is blocked for, if it is.
pub async fn blocked_for(state: &AppState, user_id: i64) -> Result<Option<Duration>, AppError> {
    Ok(state
        .sessions
        .coordination()
        .remaining(&block_key(user_id))
        .await?)
}

/// Counts a wrong code against account `user_id`; at the limit, blocks the second step for the
/// window and (once per window) mails the owner at `email`.
pub async fn count_failure(state: &AppState, user_id: i64, email: &str) -> Result<(), AppError> {
    let store = state.sessions.coordination();
    let limits = &state.settings.throttle;
    let failures = store
        .increment(&failures_key(user_id), limits.window)
        .await?;
    if failures < limits.second_step_failures {
        return Ok(());
    }
    store.put(&block_key(user_id), "1", limits.window).await?;
    let first = store
        .insert_if_absent(&owner_told_key(user_id), "1", limits.window)
        .await?
        .is_none();
    if first {
        state
            .mail
            .send(&notices::second_step_failing(email))
            .await?;
    }
    Ok(())
}

/// The account's second factors as its security page shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Factors {
    /// When the authenticator was confirmed (Unix seconds); `None` when there is none.
    pub totp_since: Option<i64>,
    pub recovery_codes_left: i64,
}

pub async fn factors(db: &AnyPool, user_id: i64) -> Result<Factors, sqlx::Error> {
    let totp_since = totp::find(db, user_id)
        .await?
        .and_then(|row| row.confirmed_at);
    Ok(Factors {
        totp_since,
        recovery_codes_left: recovery_codes::left(db, user_id).await?,
    })
}

/// Removes every second factor of account `user_id` (its authenticator and recovery codes) and
/// the browsers trusted to skip it.
pub async fn remove_all(db: &AnyPool, user_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for table in ["user_totp", "recovery_codes", "trusted_devices"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
