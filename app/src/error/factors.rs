//! The errors of second factors and passkeys: step-up, two-step verification, passkey
//! ceremonies.

use super::{AppError, ErrorCode};

impl AppError {
    pub fn reauthentication_required() -> Self {
        Self::new(
            ErrorCode::ReauthenticationRequired,
            "Confirm it's you to continue.",
        )
    }

    pub fn mfa_enrollment_required() -> Self {
        Self::new(
            ErrorCode::MfaEnrollmentRequired,
            "Your role requires two-step verification. Set it up to continue.",
        )
    }

    pub fn mfa_required_for_role() -> Self {
        Self::new(
            ErrorCode::MfaRequiredForRole,
            "Your role requires two-step verification: it cannot be turned off.",
        )
    }

    pub fn invalid_code() -> Self {
        Self {
            field: Some("code".to_owned()),
            ..Self::new(ErrorCode::InvalidCode, "That code is not right. Try again.")
        }
    }

    pub fn code_already_used() -> Self {
        Self {
            field: Some("code".to_owned()),
            ..Self::new(
                ErrorCode::CodeAlreadyUsed,
                "That code was just used. Wait for the next one.",
            )
        }
    }

    pub fn mfa_pending_expired() -> Self {
        Self::new(
            ErrorCode::MfaPendingExpired,
            "This sign-in has expired. Sign in again.",
        )
    }

    pub fn mfa_already_enabled() -> Self {
        Self::new(
            ErrorCode::MfaAlreadyEnabled,
            "Two-step verification is already on.",
        )
    }

    pub fn passkey_limit() -> Self {
        Self::new(
            ErrorCode::PasskeyLimit,
            "You have as many passkeys as an account may have. Delete one to add another.",
        )
    }

    pub fn passkey_ceremony_expired() -> Self {
        Self::new(
            ErrorCode::PasskeyCeremonyExpired,
            "That took too long, or was already used. Try again.",
        )
    }

    /// A passkey being added that failed verification.
    pub fn passkey_invalid() -> Self {
        Self::new(
            ErrorCode::PasskeyInvalid,
            "That passkey could not be verified.",
        )
    }

    /// A passkey signing in that failed verification: the same code and words, 401.
    pub fn passkey_refused() -> Self {
        Self {
            status: Some(401),
            ..Self::passkey_invalid()
        }
    }

    /// 503: this server offers no passkeys (`PASSKEYS=off`).
    pub fn passkeys_unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "Passkeys are not available on this site.",
        )
    }
}
