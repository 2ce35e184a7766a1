//! The error that crosses the wire between server functions and the browser.
//!
//! It carries a stable machine-readable `code`, a message that is safe to show to the user, and
//! optionally the form field it concerns. Internal details never go into it: the server logs them
//! and sends [`ErrorCode::Internal`] or [`ErrorCode::Unavailable`] instead.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::fmt;

mod factors;

/// What went wrong, in a form clients can branch on. Each variant names its HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request could not be decoded (missing or malformed fields).
    BadRequest,
    /// 422: a field failed validation; `field` names it.
    Invalid,
    /// 401: the email and password did not match an account.
    BadCredentials,
    /// 401: the action needs a signed-in user and there is none (or the session ended).
    Unauthenticated,
    /// 403: signed in, but not allowed to do this.
    Forbidden,
    /// 403: a state-changing request that did not come from this site.
    CrossSite,
    /// 403: the account was disabled by an administrator.
    AccountDisabled,
    /// 403: the account has not confirmed its address yet (`EMAIL_VERIFICATION=required`).
    EmailUnverified,
    /// 403: the action needs a recent sign-in: confirm it's you at `/reauthenticate` first.
    ReauthenticationRequired,
    /// 403: the account's role requires two-step verification: set it up first.
    MfaEnrollmentRequired,
    /// 403: the account's role requires two-step verification, so it cannot be turned off.
    MfaRequiredForRole,
    /// 404: there is nothing at this address.
    NotFound,
    /// 410: a mailed link's token is unknown, already used, or expired.
    LinkInvalid,
    /// 422: a second-step code of the wrong shape, or a wrong one; `field` is `code`.
    InvalidCode,
    /// 422: that authenticator code was just used; wait for the next one.
    CodeAlreadyUsed,
    /// 410: the sign-in waiting for its second step is over (expired, or too many wrong codes):
    /// sign in again.
    MfaPendingExpired,
    /// 409: two-step verification is already on.
    MfaAlreadyEnabled,
    /// 409: the account has as many passkeys as it may.
    PasskeyLimit,
    /// 410: the passkey ceremony is unknown, expired or already finished: start again.
    PasskeyCeremonyExpired,
    /// 400: a passkey being added could not be verified; 401 for one signing in (the error's
    /// `status` says so).
    PasskeyInvalid,

    /// 409: an account with this email already exists.
    EmailTaken,
    /// 409: the change would leave no enabled administrator.
    LastAdministrator,
    /// 413: the request body is larger than any form of ours.
    TooLarge,
    /// 429: too many attempts; `retry_after` says how long to wait.
    TooManyRequests,
    /// 500: a bug on our side; details are in the server log only.
    Internal,
    /// 503: the database or session store is unreachable; try again shortly.
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status this kind of error is answered with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::PasskeyInvalid => 400,
            ErrorCode::Invalid | ErrorCode::InvalidCode | ErrorCode::CodeAlreadyUsed => 422,
            ErrorCode::BadCredentials | ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden
            | ErrorCode::CrossSite
            | ErrorCode::AccountDisabled
            | ErrorCode::EmailUnverified
            | ErrorCode::ReauthenticationRequired
            | ErrorCode::MfaEnrollmentRequired
            | ErrorCode::MfaRequiredForRole => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::LinkInvalid
            | ErrorCode::MfaPendingExpired
            | ErrorCode::PasskeyCeremonyExpired => 410,
            ErrorCode::EmailTaken
            | ErrorCode::LastAdministrator
            | ErrorCode::MfaAlreadyEnabled
            | ErrorCode::PasskeyLimit => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// An error a user can see: code, message and, for form errors, the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The HTTP status, where it is not the one the code names (one code, two uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl AppError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            status: None,
        }
    }

    pub fn bad_request() -> Self {
        Self::new(
            ErrorCode::BadRequest,
            "The request was malformed or missing required fields.",
        )
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new(ErrorCode::Invalid, message)
        }
    }

    pub fn bad_credentials() -> Self {
        Self::new(ErrorCode::BadCredentials, "Incorrect email or password.")
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Please sign in to continue.")
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "You do not have permission to do that.",
        )
    }

    pub fn cross_site() -> Self {
        Self::new(
            ErrorCode::CrossSite,
            "This request did not come from this site and was refused.",
        )
    }

    pub fn account_disabled() -> Self {
        Self::new(
            ErrorCode::AccountDisabled,
            "This account has been disabled. Contact an administrator.",
        )
    }

    pub fn email_unverified() -> Self {
        Self::new(
            ErrorCode::EmailUnverified,
            "Confirm your email address first: we have sent a new link to it.",
        )
    }

    pub fn link_invalid() -> Self {
        Self {
            field: Some("token".to_owned()),
            ..Self::new(
                ErrorCode::LinkInvalid,
                "This link has expired or was already used. Ask for a new one.",
            )
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "There is nothing at this address.")
    }

    pub fn email_taken() -> Self {
        Self {
            field: Some("email".to_owned()),
            ..Self::new(
                ErrorCode::EmailTaken,
                "An account with this email already exists.",
            )
        }
    }

    pub fn last_administrator() -> Self {
        Self::new(
            ErrorCode::LastAdministrator,
            "At least one active administrator must remain: make another account an \
             administrator first.",
        )
    }

    pub fn too_large() -> Self {
        Self::new(ErrorCode::TooLarge, "The request is too large.")
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                ErrorCode::TooManyRequests,
                format!("Too many attempts. Try again in {retry_after} seconds."),
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "The service is temporarily unavailable. Please try again in a moment.",
        )
    }

    /// 503 with `Retry-After`: too much is arriving at once (sign-in storms are shed).
    pub fn busy(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                ErrorCode::Unavailable,
                "Too many people are signing in right now. Please try again in a moment.",
            )
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        self.status.unwrap_or_else(|| self.code.status())
    }

    /// Whether this error concerns the given form field (for showing it next to that field).
    pub fn is_about(&self, field: &str) -> bool {
        self.field.as_deref() == Some(field)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Errors raised by the server-function machinery itself: undecodable arguments are the
    /// caller's fault (400); a failed request seen from the browser means we could not be reached.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::bad_request(),
            ServerFnErrorErr::Request(_) => AppError::unavailable(),
            _ => AppError::internal(),
        }
    }
}
