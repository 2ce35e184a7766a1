//! How server-side failures become the error a user sees, so server functions write `?`.
//!
//! Each conversion logs the cause (the server log is the only place it goes) and answers with a
//! safe, stable error: an unreachable store or database is 503 (try again shortly), anything
//! else on our side is 500.

use crate::error::AppError;
use crate::ssr::passwords::HashError;
use crate::ssr::platform::coordination::StoreError;
use crate::ssr::two_step::recovery_codes::{ReplaceError, SpendError};
use crate::ssr::users::InsertError;
use rand::Rng;

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "session store failed");
        AppError::unavailable()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database query failed");
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                AppError::unavailable()
            }
            _ => AppError::internal(),
        }
    }
}

/// The range, in seconds, of the `Retry-After` a shed sign-in is given. Clients refused in the
/// same instant would otherwise all come back in the same instant, a wave that the next
/// refusals repeat every second; a random wait spreads them out.
const BUSY_RETRY_AFTER: std::ops::RangeInclusive<u64> = 1..=3;

impl From<HashError> for AppError {
    fn from(error: HashError) -> Self {
        if matches!(error, HashError::Busy) {
            tracing::warn!("sign-in refused: the password hashing queue is full");
            return AppError::busy(rand::thread_rng().gen_range(BUSY_RETRY_AFTER));
        }
        tracing::error!(%error, "password hashing failed");
        AppError::internal()
    }
}

impl From<InsertError> for AppError {
    fn from(error: InsertError) -> Self {
        match error {
            InsertError::EmailTaken => AppError::email_taken(),
            InsertError::Database(error) => error.into(),
        }
    }
}

impl From<SpendError> for AppError {
    fn from(error: SpendError) -> Self {
        match error {
            SpendError::Hash(error) => error.into(),
            SpendError::Database(error) => error.into(),
        }
    }
}

impl From<ReplaceError> for AppError {
    fn from(error: ReplaceError) -> Self {
        match error {
            ReplaceError::Hash(error) => error.into(),
            ReplaceError::Database(error) => error.into(),
            ReplaceError::Malformed => {
                tracing::error!("a generated recovery code did not parse");
                AppError::internal()
            }
        }
    }
}
