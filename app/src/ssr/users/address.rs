//! An account's address: proving it (a followed link), moving to a new one, and moving back.

use super::{unique_as_taken, InsertError};
use crate::ssr::input::Email;
use crate::ssr::mail::link_tokens;
use crate::ssr::platform::clock::unix_now;
use sqlx::{Any, AnyPool, Transaction};

/// Records that the account receives mail at `email`, if that is still its address (a link
/// mailed to an address the account has since left proves nothing). `false` otherwise.
pub async fn mark_verified(db: &AnyPool, id: i64, email: &str) -> Result<bool, sqlx::Error> {
    let now = unix_now() as i64;
    let updated = sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3), updated_at = $3
         WHERE id = $1 AND email = $2",
    )
    .bind(id)
    .bind(email)
    .bind(now)
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Makes `email`, just proven by a link issued at `asked_at` (Unix seconds), the account's
/// sign-in address in `tx`, and voids every other link mailed to the account. Only for an
/// enabled account that has not changed since the link was issued: the change is bound to the
/// account as it was when asked for. Returns the address it leaves; `None` when that no longer
/// holds.
pub async fn move_to_verified_email(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    email: &Email,
    asked_at: i64,
) -> Result<Option<String>, InsertError> {
    // Locked first, so the address read is the one the update replaces.
    sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let previous: Option<String> = sqlx::query_scalar(
        "SELECT email FROM users WHERE id = $1 AND disabled_at IS NULL AND updated_at <= $2",
    )
    .bind(id)
    .bind(asked_at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(previous) = previous else {
        return Ok(None);
    };
    let now = unix_now() as i64;
    sqlx::query(
        "UPDATE users SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(unique_as_taken)?;
    link_tokens::void_all(&mut **tx, id).await?;
    Ok(Some(previous))
}

/// Gives an enabled account back the address `email`, confirmed, with a new password, through
/// the link mailed to that address when it was changed away at `changed_at` (Unix seconds). Every
/// other link goes, and so do the undo links of later changes. `false` if the account is gone or
/// disabled.
pub async fn restore_email(
    db: &AnyPool,
    id: i64,
    email: &Email,
    password_hash: &str,
    changed_at: i64,
) -> Result<bool, InsertError> {
    let mut tx = db.begin().await?;
    let now = unix_now() as i64;
    let updated = sqlx::query(
        "UPDATE users SET email = $2, email_verified_at = $3, password_hash = $4, updated_at = $3 \
         WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(now)
    .bind(password_hash)
    .execute(&mut *tx)
    .await
    .map_err(unique_as_taken)?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    link_tokens::void_all_since(&mut tx, id, changed_at).await?;
    tx.commit().await?;
    Ok(true)
}
