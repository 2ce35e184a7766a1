//! Reading the log: a page of it for the admin page, one account's events for its export.

use crate::auth::{AuditEntry, AuditFilter};
use crate::ssr::audit::EventKind;
use sqlx::AnyPool;

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
