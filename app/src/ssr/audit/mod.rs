//! The audit log: security events in the `audit_events` table, shown on the admin page.
//!
//! Writing never delays or fails the request that caused it: the insert runs in the background
//! and a failure is logged. Token and family ids are stored only as short hashes, enough to tell
//! events of one login apart, useless as credentials.
//!
//! Events older than the retention (`AUDIT_RETENTION_DAYS`, 90 by default) are swept hourly.
//! Refused attempts are kept apart from account events on the admin page, so a guesser's
//! thousands cannot push a password change out of view, and refusals that cost the server
//! nothing to give are written at most once a minute per kind, address and account, so a flood
//! of them cannot fill the table.

mod read;

use crate::ssr::platform::clock::unix_now;
use crate::ssr::platform::coordination::CoordinationStore;
use crate::ssr::sessions::{public_handle, ClientInfo};
use crate::ssr::throttle::client_address::group_of_recorded;
pub use read::{of_user, page};
use sqlx::AnyPool;
use std::sync::Arc;
use std::time::Duration;

/// One written refusal stands for the same refusals that follow within this time.
const REFUSAL_COALESCING: Duration = Duration::from_secs(60);

/// Whether an event is something that happened to an account, or a refused or failed attempt
/// (a guess, a throttled request, a denied page), which attackers make by the thousand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Account,
    Attempt,
}

/// Declares [`EventKind`]: each kind, the name it is stored under, and its [`Class`].
macro_rules! event_kinds {
    ($($kind:ident => $name:literal, $class:ident;)+) => {
        /// What happened. The names are stored as they are spelled here.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum EventKind {
            $($kind,)+
        }

        impl EventKind {
            pub(super) const ALL: &'static [EventKind] = &[$(EventKind::$kind,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$kind => $name,)+
                }
            }

            fn class(self) -> Class {
                match self {
                    $(EventKind::$kind => Class::$class,)+
                }
            }
        }
    };
}

event_kinds! {
    SignInSucceeded => "sign_in_succeeded", Account;
    SignInFailed => "sign_in_failed", Attempt;
    SignInThrottled => "sign_in_throttled", Attempt;
    PasswordCheckFailed => "password_check_failed", Attempt;
    PasswordCheckThrottled => "password_check_throttled", Attempt;
    RegistrationThrottled => "registration_throttled", Attempt;
    ReuseDetected => "reuse_detected", Account;
    RefreshGraceReplay => "refresh_grace_replay", Account;
    SignedOut => "signed_out", Account;
    SignedOutEverywhere => "signed_out_everywhere", Account;
    SignedOutElsewhere => "signed_out_elsewhere", Account;
    SessionRevoked => "session_revoked", Account;
    PasswordChanged => "password_changed", Account;
    RoleChanged => "role_changed", Account;
    AccountDisabled => "account_disabled", Account;
    AccountEnabled => "account_enabled", Account;
    SessionsRevokedByAdmin => "sessions_revoked_by_admin", Account;
    AccountErased => "account_erased", Account;
    AccessDenied => "access_denied", Attempt;
    PasswordResetMailed => "password_reset_mailed", Account;
    PasswordReset => "password_reset", Account;
    VerificationMailed => "verification_mailed", Account;
    EmailVerified => "email_verified", Account;
    EmailChangeRequested => "email_change_requested", Account;
    EmailChanged => "email_changed", Account;
    EmailChangeUndone => "email_change_undone", Account;
    MailThrottled => "mail_throttled", Attempt;
    DataExported => "data_exported", Account;
    Reauthenticated => "reauthenticated", Account;
    MfaEnabled => "mfa_enabled", Account;
    MfaDisabled => "mfa_disabled", Account;
    SecondFactorSucceeded => "second_factor_succeeded", Account;
    SecondFactorFailed => "second_factor_failed", Attempt;
    SecondFactorThrottled => "second_factor_throttled", Attempt;
    RecoveryCodeUsed => "recovery_code_used", Account;
    RecoveryCodesRegenerated => "recovery_codes_regenerated", Account;
    MfaResetByAdmin => "mfa_reset_by_admin", Account;
    TrustedDeviceAdded => "trusted_device_added", Account;
    TrustedDeviceForgotten => "trusted_device_forgotten", Account;
    PasskeyAdded => "passkey_added", Account;
    PasskeyRenamed => "passkey_renamed", Account;
    PasskeyRemoved => "passkey_removed", Account;
    PasskeyRefused => "passkey_refused", Attempt;
    PasskeyCloneSuspected => "passkey_clone_suspected", Account;
}

impl EventKind {
    /// A refused or failed attempt, as opposed to something that happened to an account.
    pub fn is_attempt(self) -> bool {
        self.class() == Class::Attempt
    }
}

/// One event, built by the caller with what it knows.
#[derive(Clone, Debug)]
pub struct Event {
    pub kind: EventKind,
    pub user_id: Option<i64>,
    pub family: Option<String>,
    pub client: ClientInfo,
    pub detail: Option<String>,
}

impl Event {
    pub fn new(kind: EventKind, client: ClientInfo) -> Self {
        Self {
            kind,
            user_id: None,
            family: None,
            client,
            detail: None,
        }
    }

    pub fn user(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn family(mut self, family: &str) -> Self {
        self.family = Some(family.to_owned());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Records `event` in the background.
pub fn record(db: &AnyPool, event: Event) {
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(error) = insert(&db, &event).await {
            tracing::warn!(%error, kind = event.kind.as_str(), "audit event not recorded");
        }
    });
}

/// Records `event`, one that costs nothing to provoke (a throttled or denied attempt, a data
/// download), in the background, unless the same event (kind, address group, account) was
/// recorded within the last minute, so a flood of them cannot fill the log or push other events
/// out of view. Should the coordination store fail, the event is recorded anyway.
pub fn record_coalesced(db: &AnyPool, coordination: &Arc<dyn CoordinationStore>, event: Event) {
    let (db, coordination) = (db.clone(), coordination.clone());
    tokio::spawn(async move {
        let key = format!(
            "audit-coalesced:{}:{}:{}",
            event.kind.as_str(),
            event
                .client
                .ip
                .as_deref()
                .map(group_of_recorded)
                .unwrap_or_default(),
            event.user_id.map(|id| id.to_string()).unwrap_or_default()
        );
        let first = coordination
            .insert_if_absent(&key, "1", REFUSAL_COALESCING)
            .await
            .map_or(true, |found| found.is_none());
        if !first {
            tracing::debug!(
                kind = event.kind.as_str(),
                "repeated event not written to the audit log"
            );
            return;
        }
        if let Err(error) = insert(&db, &event).await {
            tracing::warn!(%error, kind = event.kind.as_str(), "audit event not recorded");
        }
    });
}

pub async fn insert(db: &AnyPool, event: &Event) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (at, kind, user_id, family_hash, ip, user_agent, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(unix_now() as i64)
    .bind(event.kind.as_str())
    .bind(event.user_id)
    .bind(event.family.as_deref().map(public_handle))
    .bind(event.client.ip.as_deref())
    .bind(event.client.user_agent.as_deref())
    .bind(event.detail.as_deref())
    .execute(db)
    .await
    .map(drop)
}

/// Removes what identifies a person from an erased user's events (address, device, free text),
/// keeping the bare events: the trail stays whole, the person is gone from it.
pub async fn forget_user(db: &AnyPool, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE audit_events SET ip = NULL, user_agent = NULL, detail = NULL WHERE user_id = $1",
    )
    .bind(user_id)
    .execute(db)
    .await
    .map(drop)
}

/// Deletes the events older than `retention`; returns how many.
pub async fn sweep(db: &AnyPool, retention: Duration) -> Result<u64, sqlx::Error> {
    let cutoff = unix_now().saturating_sub(retention.as_secs()) as i64;
    let deleted = sqlx::query("DELETE FROM audit_events WHERE at < $1")
        .bind(cutoff)
        .execute(db)
        .await?;
    Ok(deleted.rows_affected())
}

/// Sweeps now and then hourly, for as long as the process runs.
pub fn sweep_periodically(db: AnyPool, retention: Duration) {
    crate::ssr::platform::periodic::every_hour(
        "audit events past their retention deleted",
        move || {
            let db = db.clone();
            async move { sweep(&db, retention).await }
        },
    );
}
