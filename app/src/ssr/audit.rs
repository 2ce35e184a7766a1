//! The audit log: security events in the `audit_events` table, shown on the admin page.
//!
//! Writing never delays or fails the request that caused it: the insert runs in the background
//! and a failure is logged. Token and family ids are stored only as short hashes, enough to tell
//! events of one login apart, useless as credentials.

use super::clock::unix_now;
use super::sessions::{public_handle, ClientInfo};
use crate::auth::AuditEntry;
use sqlx::AnyPool;

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
        }
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

#[derive(sqlx::FromRow)]
struct AuditRow {
    at: i64,
    kind: String,
    user_id: Option<i64>,
    family_hash: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: Option<String>,
}

/// The newest `limit` events, newest first.
pub async fn latest(db: &AnyPool, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT at, kind, user_id, family_hash, ip, user_agent, detail \
         FROM audit_events ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            at: row.at,
            kind: row.kind,
            user_id: row.user_id,
            session: row.family_hash,
            ip: row.ip,
            user_agent: row.user_agent,
            detail: row.detail,
        })
        .collect())
}
