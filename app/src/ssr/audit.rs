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

use super::client_address::group_of_recorded;
use super::clock::unix_now;
use super::coordination::CoordinationStore;
use super::sessions::{public_handle, ClientInfo};
use crate::auth::{AuditEntry, AuditFilter};
use sqlx::AnyPool;
use std::sync::Arc;
use std::time::Duration;

/// How often the retention sweep runs.
const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);
/// One written refusal stands for the same refusals that follow within this time.
const REFUSAL_COALESCING: Duration = Duration::from_secs(60);

/// What happened. The names are stored as they are spelled here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    SignInSucceeded,
    SignInFailed,
    SignInThrottled,
    PasswordCheckFailed,
    PasswordCheckThrottled,
    RegistrationThrottled,
    ReuseDetected,
    RefreshGraceReplay,
    SignedOut,
    SignedOutEverywhere,
    SignedOutElsewhere,
    SessionRevoked,
    PasswordChanged,
    RoleChanged,
    AccountDisabled,
    AccountEnabled,
    SessionsRevokedByAdmin,
    AccountErased,
    AccessDenied,
    PasswordResetMailed,
    PasswordReset,
    VerificationMailed,
    EmailVerified,
    EmailChangeRequested,
    EmailChanged,
    MailThrottled,
    DataExported,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SignInSucceeded => "sign_in_succeeded",
            EventKind::SignInFailed => "sign_in_failed",
            EventKind::SignInThrottled => "sign_in_throttled",
            EventKind::PasswordCheckFailed => "password_check_failed",
            EventKind::PasswordCheckThrottled => "password_check_throttled",
            EventKind::RegistrationThrottled => "registration_throttled",
            EventKind::ReuseDetected => "reuse_detected",
            EventKind::RefreshGraceReplay => "refresh_grace_replay",
            EventKind::SignedOut => "signed_out",
            EventKind::SignedOutEverywhere => "signed_out_everywhere",
            EventKind::SignedOutElsewhere => "signed_out_elsewhere",
            EventKind::SessionRevoked => "session_revoked",
            EventKind::PasswordChanged => "password_changed",
            EventKind::RoleChanged => "role_changed",
            EventKind::AccountDisabled => "account_disabled",
            EventKind::AccountEnabled => "account_enabled",
            EventKind::SessionsRevokedByAdmin => "sessions_revoked_by_admin",
            EventKind::AccountErased => "account_erased",
            EventKind::AccessDenied => "access_denied",
            EventKind::PasswordResetMailed => "password_reset_mailed",
            EventKind::PasswordReset => "password_reset",
            EventKind::VerificationMailed => "verification_mailed",
            EventKind::EmailVerified => "email_verified",
            EventKind::EmailChangeRequested => "email_change_requested",
            EventKind::EmailChanged => "email_changed",
            EventKind::MailThrottled => "mail_throttled",
            EventKind::DataExported => "data_exported",
        }
    }

    /// A refused or failed attempt (a guess, a throttled request, a denied page), as opposed to
    /// something that happened to an account. Attackers make these by the thousand.
    pub fn is_attempt(self) -> bool {
        matches!(
            self,
            EventKind::SignInFailed
                | EventKind::SignInThrottled
                | EventKind::PasswordCheckFailed
                | EventKind::PasswordCheckThrottled
                | EventKind::RegistrationThrottled
                | EventKind::AccessDenied
                | EventKind::MailThrottled
        )
    }

    const ALL: [EventKind; 27] = [
        EventKind::SignInSucceeded,
        EventKind::SignInFailed,
        EventKind::SignInThrottled,
        EventKind::PasswordCheckFailed,
        EventKind::PasswordCheckThrottled,
        EventKind::RegistrationThrottled,
        EventKind::ReuseDetected,
        EventKind::RefreshGraceReplay,
        EventKind::SignedOut,
        EventKind::SignedOutEverywhere,
        EventKind::SignedOutElsewhere,
        EventKind::SessionRevoked,
        EventKind::PasswordChanged,
        EventKind::RoleChanged,
        EventKind::AccountDisabled,
        EventKind::AccountEnabled,
        EventKind::SessionsRevokedByAdmin,
        EventKind::AccountErased,
        EventKind::AccessDenied,
        EventKind::PasswordResetMailed,
        EventKind::PasswordReset,
        EventKind::VerificationMailed,
        EventKind::EmailVerified,
        EventKind::EmailChangeRequested,
        EventKind::EmailChanged,
        EventKind::MailThrottled,
        EventKind::DataExported,
    ];
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

/// Records `event`, a refusal that costs nothing to provoke (throttled, denied), in the
/// background, unless the same refusal (kind, address group, account) was recorded within the
/// last minute. Should the coordination store fail, the event is recorded anyway.
pub fn record_refusal(db: &AnyPool, coordination: &Arc<dyn CoordinationStore>, event: Event) {
    let (db, coordination) = (db.clone(), coordination.clone());
    tokio::spawn(async move {
        let key = format!(
            "audit-refusal:{}:{}:{}",
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
                "repeated refusal not written to the audit log"
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

/// Sweeps now and then hourly, for as long as the process runs. Instances sweeping at once
/// delete the same rows; nothing needs coordinating.
pub fn sweep_periodically(db: AnyPool, retention: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(SWEEP_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match sweep(&db, retention).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "audit events past their retention deleted"),
                Err(error) => tracing::warn!(%error, "sweeping the audit log failed"),
            }
        }
    });
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    kind: String,
    user_id: Option<i64>,
    family_hash: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: Option<String>,
}

impl AuditRow {
    fn entry(self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            at: self.at,
            kind: self.kind,
            user_id: self.user_id,
            session: self.family_hash,
            ip: self.ip,
            user_agent: self.user_agent,
            detail: self.detail,
        }
    }
}

/// Up to `limit` events that `filter` admits, newest first, older than the event `before` (an
/// entry's `id`) when given: one page of the log.
pub async fn page(
    db: &AnyPool,
    filter: AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let query = format!(
        "SELECT id, at, kind, user_id, family_hash, ip, user_agent, detail FROM audit_events \
         WHERE id < $1 {} ORDER BY id DESC LIMIT $2",
        kind_condition(filter)
    );
    let rows: Vec<AuditRow> = sqlx::query_as(&query)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(AuditRow::entry).collect())
}

/// Every event of one account, oldest first (for its data export).
pub async fn of_user(db: &AnyPool, user_id: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT id, at, kind, user_id, family_hash, ip, user_agent, detail FROM audit_events \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(AuditRow::entry).collect())
}

/// The SQL condition (`AND kind IN (…)`) that keeps the kinds `filter` admits. The names are
/// this module's own constants, never input.
fn kind_condition(filter: AuditFilter) -> String {
    let wanted = |attempt: bool| {
        let names: Vec<String> = EventKind::ALL
            .iter()
            .filter(|kind| kind.is_attempt() == attempt)
            .map(|kind| format!("'{}'", kind.as_str()))
            .collect();
        format!("AND kind IN ({})", names.join(", "))
    };
    match filter {
        AuditFilter::All => String::new(),
        AuditFilter::Accounts => wanted(false),
        AuditFilter::Attempts => wanted(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once() {
        let names: std::collections::HashSet<&str> =
            EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
        assert_eq!(names.len(), EventKind::ALL.len());
        // A kind missing from ALL would be shown under no filter but "all".
        assert!(kind_condition(AuditFilter::Accounts).contains("'password_changed'"));
        assert!(kind_condition(AuditFilter::Attempts).contains("'sign_in_throttled'"));
        assert!(!kind_condition(AuditFilter::Accounts).contains("'sign_in_failed'"));
    }
}
