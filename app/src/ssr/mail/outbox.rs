//! Queries on the `mail_outbox` table: queueing, claiming what is due, and recording the outcome.
//!
//! Several instances may send from one table. A sender claims a row by moving its
//! `next_attempt_at` past a lease in one conditional `UPDATE`, so exactly one of them sends it;
//! if that sender dies mid-send, the row falls due again when the lease ends.

use crate::ssr::mail::Mail;
use crate::ssr::platform::clock::now_millis;
use sqlx::{Any, AnyPool, Executor};
use std::time::Duration;

/// A claimed row: the mail, its id, and how many attempts (this one included) it has had.
#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i64,
}

impl Claimed {
    pub fn mail(&self) -> Mail {
        Mail {
            to: self.recipient.clone(),
            subject: self.subject.clone(),
            text: self.text_body.clone(),
            html: self.html_body.clone(),
        }
    }
}

/// Queues `mail`; takes any executor, so a mail can go in the transaction that caused it.
pub async fn enqueue<'e>(
    executor: impl Executor<'e, Database = Any>,
    mail: &Mail,
) -> Result<(), sqlx::Error> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO mail_outbox (recipient, subject, text_body, html_body, created_at, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(now)
    .execute(executor)
    .await
    .map(drop)
}

/// Claims up to `limit` due mails for `lease`; another sender sees none of them until it ends.
pub async fn claim_due(
    db: &AnyPool,
    limit: i64,
    lease: Duration,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = now_millis();
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL \
         AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for id in due {
        let row: Option<Claimed> = sqlx::query_as(
            "UPDATE mail_outbox SET next_attempt_at = $2, attempts = attempts + 1 \
             WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3 \
             RETURNING id, recipient, subject, text_body, html_body, attempts",
        )
        .bind(id)
        .bind(now + lease.as_millis() as i64)
        .bind(now)
        .fetch_optional(db)
        .await?;
        claimed.extend(row);
    }
    Ok(claimed)
}

/// Marks a mail sent. Unless `keep_bodies` (mail written to files, where the bodies are anyway),
/// its bodies are blanked: they may hold a link's token, and nobody needs them any more.
pub async fn mark_sent(db: &AnyPool, id: i64, keep_bodies: bool) -> Result<(), sqlx::Error> {
    let query = if keep_bodies {
        "UPDATE mail_outbox SET sent_at = $2, last_error = NULL WHERE id = $1"
    } else {
        "UPDATE mail_outbox SET sent_at = $2, text_body = '', html_body = '', last_error = NULL \
         WHERE id = $1"
    };
    sqlx::query(query)
        .bind(id)
        .bind(now_millis())
        .execute(db)
        .await
        .map(drop)
}

/// Puts a failed mail back, due again after `wait`, with the reason.
pub async fn retry_later(
    db: &AnyPool,
    id: i64,
    wait: Duration,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1")
        .bind(id)
        .bind(now_millis() + wait.as_millis() as i64)
        .bind(error)
        .execute(db)
        .await
        .map(drop)
}

/// Gives a mail up for good (the reason stays for the operator; the bodies go).
pub async fn give_up(db: &AnyPool, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET failed_at = $2, last_error = $3, text_body = '', html_body = '' \
         WHERE id = $1",
    )
    .bind(id)
    .bind(now_millis())
    .bind(error)
    .execute(db)
    .await
    .map(drop)
}

/// Deletes sent and abandoned mails older than `age`; returns how many.
pub async fn sweep(db: &AnyPool, age: Duration) -> Result<u64, sqlx::Error> {
    let cutoff = now_millis().saturating_sub(age.as_millis() as i64);
    let deleted = sqlx::query(
        "DELETE FROM mail_outbox WHERE (sent_at IS NOT NULL OR failed_at IS NOT NULL) \
         AND created_at < $1",
    )
    .bind(cutoff)
    .execute(db)
    .await?;
    Ok(deleted.rows_affected())
}

/// Every mail still kept for `recipient`, oldest first (for the account's data export).
pub async fn to_recipient(db: &AnyPool, recipient: &str) -> Result<Vec<OutboxEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, recipient, subject, text_body, created_at, sent_at FROM mail_outbox \
         WHERE recipient = $1 ORDER BY id",
    )
    .bind(recipient)
    .fetch_all(db)
    .await
}

/// The newest mails, for the development outbox page: id, recipient, subject, text, when.
pub async fn newest(db: &AnyPool, limit: i64) -> Result<Vec<OutboxEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, recipient, subject, text_body, created_at, sent_at FROM mail_outbox \
         ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}
