//! One-time tokens for the links in mail (password reset, address checks).
//!
//! A token is 256 random bits; the table keeps only its SHA-256, and the mail carrying it waits
//! in the outbox sealed (see `sealed`), so a copy of the database opens no account without the
//! signing key. Each is bound to a purpose (a reset token cannot confirm an address), an account
//! and the address it was mailed to, expires, and is spent by one atomic `UPDATE … RETURNING`, so
//! of any number of simultaneous uses exactly one succeeds. A token is
//! issued inside the transaction that queues its mail, after locking the account's row, so of
//! several requests the newest mail always holds the live link. Issuing a token voids the
//! account's earlier unspent ones of the same purpose, and every credential or control event (a
//! new password, a changed address, signing out everywhere, disabling, erasure) voids all of them
//! ([`void_all`]), so no link mailed before such an event works after it; the one exception is
//! the link that undoes an address change, which must outlive whatever the new address's holder
//! does next. Opening a link only [`peek`]s: a mail scanner fetching it spends nothing.

use crate::ssr::platform::clock::unix_now;
use crate::ssr::platform::digest::sha256_hex;
use crate::ssr::platform::random::random_token;
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

/// What a token may do. The names are stored as spelled here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    PasswordReset,
    /// Confirms the account's current address.
    VerifyEmail,
    /// Confirms a new address and makes it the account's.
    ChangeEmail,
    /// Mailed to the old address when a change completes: restores it, with a new password.
    UndoEmailChange,
}

/// Every purpose, as stored.
const ALL: [Purpose; 4] = [
    Purpose::PasswordReset,
    Purpose::VerifyEmail,
    Purpose::ChangeEmail,
    Purpose::UndoEmailChange,
];

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::VerifyEmail => "verify_email",
            Purpose::ChangeEmail => "change_email",
            Purpose::UndoEmailChange => "undo_email_change",
        }
    }

    /// The page the link opens (its token in the query).
    pub fn page(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "/reset-password",
            Purpose::VerifyEmail | Purpose::ChangeEmail => "/verify-email",
            Purpose::UndoEmailChange => "/undo-email-change",
        }
    }

    fn parse(value: &str) -> Option<Purpose> {
        ALL.into_iter().find(|purpose| purpose.as_str() == value)
    }
}

/// A live token's account, the address it was mailed to, its purpose, and when it was issued
/// (Unix seconds: an action it grants holds only if the account has not changed since).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkGrant {
    pub purpose: Purpose,
    pub user_id: i64,
    pub email: String,
    pub issued_at: i64,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    purpose: String,
    user_id: i64,
    email: String,
    created_at: i64,
}

impl GrantRow {
    fn grant(self) -> Option<LinkGrant> {
        Some(LinkGrant {
            purpose: Purpose::parse(&self.purpose)?,
            user_id: self.user_id,
            email: self.email,
            issued_at: self.created_at,
        })
    }
}

/// A new token for `purpose` on account `user_id`, mailed to `email`, valid for `ttl`, written in
/// `tx` (the caller queues the mail carrying it in the same transaction). The account's row is
/// locked first, so two requests issue one after the other; the account's earlier unspent tokens
/// of that purpose stop working, except undo links (each restores the address it went to).
pub async fn issue(
    tx: &mut Transaction<'_, Any>,
    purpose: Purpose,
    user_id: i64,
    email: &str,
    ttl: Duration,
) -> Result<String, sqlx::Error> {
    let token = random_token();
    sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let now = if purpose == Purpose::UndoEmailChange {
        // Undo links of one account are dated strictly in the order they were issued (a second
        // apart at least), so [`void_all_since`] can tell an earlier change's from a later one's
        // even when both changes completed within one second.
        let latest: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(created_at) FROM link_tokens WHERE user_id = $1 AND purpose = $2",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .fetch_one(&mut **tx)
        .await?;
        latest.map_or(0, |latest| latest + 1).max(unix_now() as i64)
    } else {
        sqlx::query("DELETE FROM link_tokens WHERE user_id = $1 AND purpose = $2")
            .bind(user_id)
            .bind(purpose.as_str())
            .execute(&mut **tx)
            .await?;
        unix_now() as i64
    };
    sqlx::query(
        "INSERT INTO link_tokens (token_hash, purpose, user_id, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sha256_hex(&token))
    .bind(purpose.as_str())
    .bind(user_id)
    .bind(email)
    .bind(now)
    .bind(now.saturating_add(ttl.as_secs() as i64))
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// What `token` would grant for one of `purposes`, without spending it.
pub async fn peek(
    db: &AnyPool,
    purposes: &[Purpose],
    token: &str,
) -> Result<Option<LinkGrant>, sqlx::Error> {
    let query = "SELECT purpose, user_id, email, created_at FROM link_tokens \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND purpose IN";
    grant(db, query, "", purposes, token).await
}

/// Spends `token` for one of `purposes`: what it grants, once; `None` if it is unknown, spent,
/// expired or for another purpose.
pub async fn spend(
    db: &AnyPool,
    purposes: &[Purpose],
    token: &str,
) -> Result<Option<LinkGrant>, sqlx::Error> {
    let query = "UPDATE link_tokens SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND purpose IN";
    grant(
        db,
        query,
        "RETURNING purpose, user_id, email, created_at",
        purposes,
        token,
    )
    .await
}

/// Runs `head (purposes) tail` for `token` (bound as its hash, `$1`) at the current time (`$2`).
async fn grant(
    db: &AnyPool,
    head: &str,
    tail: &str,
    purposes: &[Purpose],
    token: &str,
) -> Result<Option<LinkGrant>, sqlx::Error> {
    if !well_formed(token) {
        return Ok(None);
    }
    let row: Option<GrantRow> =
        sqlx::query_as(&format!("{head} ({}) {tail}", purpose_list(purposes)))
            .bind(sha256_hex(token))
            .bind(unix_now() as i64)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(GrantRow::grant))
}

/// Voids every unspent token of account `user_id`, whatever its purpose, except the links that
/// undo an address change (so whoever took the account over by changing its address cannot void
/// the old address's way back by resetting the password). Takes any executor, so the event that
/// calls for it can void them in its own transaction.
pub async fn void_all<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM link_tokens WHERE user_id = $1 AND used_at IS NULL AND purpose <> $2")
        .bind(user_id)
        .bind(Purpose::UndoEmailChange.as_str())
        .execute(executor)
        .await
        .map(drop)
}

/// Voids, besides what [`void_all`] does, the undo links issued after the one issued at `since`:
/// those of later changes. An undo keeps the links of earlier changes, so spending a later one
/// cannot take away the original address's way back.
pub async fn void_all_since(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    since: i64,
) -> Result<(), sqlx::Error> {
    void_all(&mut **tx, user_id).await?;
    sqlx::query(
        "DELETE FROM link_tokens WHERE user_id = $1 AND used_at IS NULL AND purpose = $2 \
         AND created_at > $3",
    )
    .bind(user_id)
    .bind(Purpose::UndoEmailChange.as_str())
    .bind(since)
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// Deletes spent and expired tokens (they grant nothing); returns how many.
pub async fn sweep(db: &AnyPool) -> Result<u64, sqlx::Error> {
    let deleted =
        sqlx::query("DELETE FROM link_tokens WHERE used_at IS NOT NULL OR expires_at <= $1")
            .bind(unix_now() as i64)
            .execute(db)
            .await?;
    Ok(deleted.rows_affected())
}

/// `'a', 'b'`: the purposes as an SQL list. Their names are this module's constants, never input.
fn purpose_list(purposes: &[Purpose]) -> String {
    purposes
        .iter()
        .map(|purpose| format!("'{}'", purpose.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `token` looks like one of ours (43 URL-safe base64 characters); anything else is
/// refused without a query.
pub fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_of_our_shape_reach_the_database() {
        assert!(well_formed(&random_token()));
        for bad in [
            "",
            "short",
            &"a".repeat(44),
            &format!("{}'", "a".repeat(42)),
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn purposes_round_trip_through_their_stored_names() {
        for purpose in ALL {
            assert_eq!(Purpose::parse(purpose.as_str()), Some(purpose));
        }
    }
}
