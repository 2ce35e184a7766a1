//! The `passkeys` table and the accounts' WebAuthn user handles.

use crate::error::AppError;
use sqlx::AnyPool;
use webauthn_rs::prelude::{Passkey, Uuid};

/// A stored passkey: what the owner's list shows, and the credential itself.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub user_id: i64,
    /// The credential id, URL-safe base64 without padding.
    pub credential_id: String,
    /// webauthn-rs' `Passkey` as JSON: public key, signature counter, backup flags.
    pub passkey: String,
    pub name: String,
    pub backup_eligible: i64,
    pub backup_state: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl PasskeyRow {
    /// The credential, to check an assertion with; `None` (logged) when the stored JSON does not
    /// read as one (edited by hand, or written by another version).
    pub fn credential(&self) -> Option<Passkey> {
        serde_json::from_str(&self.passkey)
            .inspect_err(|error| tracing::error!(id = self.id, %error, "unreadable passkey row"))
            .ok()
    }

    /// Whether the passkey is synced between devices (a backup exists).
    pub fn synced(&self) -> bool {
        self.backup_state != 0
    }
}

const COLUMNS: &str = "id, user_id, credential_id, passkey, name, backup_eligible, backup_state, \
                       created_at, last_used_at";

pub async fn list(db: &AnyPool, user_id: i64) -> Result<Vec<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub async fn find_by_credential(
    db: &AnyPool,
    credential_id: &str,
) -> Result<Option<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(db)
    .await
}

/// Stores a new passkey of `user_id`, with its backup flags read from the credential; `false`
/// when its credential id is already stored (for this account or another: a credential belongs
/// to one account).
pub async fn insert(
    db: &AnyPool,
    user_id: i64,
    credential_id: &str,
    passkey: &Passkey,
    name: &str,
    now: i64,
) -> Result<bool, AppError> {
    let value = serde_json::to_value(passkey).map_err(|_| AppError::internal())?;
    let flag = |name: &str| i64::from(value["cred"][name].as_bool().unwrap_or(false));
    let backup = (flag("backup_eligible"), flag("backup_state"));
    let json = value.to_string();
    let inserted = sqlx::query(
        "INSERT INTO passkeys (user_id, credential_id, passkey, name, backup_eligible, \
         backup_state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user_id)
    .bind(credential_id)
    .bind(json)
    .bind(name)
    .bind(backup.0)
    .bind(backup.1)
    .bind(now)
    .execute(db)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Records a use: the credential as updated (counter, backup state) and when.
pub async fn record_use(
    db: &AnyPool,
    row: &PasskeyRow,
    passkey: &Passkey,
    backup_state: bool,
    now: i64,
) -> Result<(), AppError> {
    let json = serde_json::to_string(passkey).map_err(|_| AppError::internal())?;
    sqlx::query(
        "UPDATE passkeys SET passkey = $2, backup_state = $3, last_used_at = $4 WHERE id = $1",
    )
    .bind(row.id)
    .bind(json)
    .bind(i64::from(backup_state))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Renames passkey `id` of `user_id`; `false` when the account has no such passkey.
pub async fn rename(db: &AnyPool, user_id: i64, id: i64, name: &str) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query("UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .bind(name)
        .execute(db)
        .await?;
    Ok(updated.rows_affected() == 1)
}

/// Deletes passkey `id` of `user_id`; its name, or `None` when the account has no such passkey.
pub async fn delete(db: &AnyPool, user_id: i64, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
        .bind(id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Deletes every passkey of `user_id` (an administrator's reset of a lost device's factors).
pub async fn delete_all(db: &AnyPool, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The account's WebAuthn user handle, made (random) the first time it is asked for.
pub async fn handle_of(db: &AnyPool, user_id: i64) -> Result<Uuid, AppError> {
    let fresh = Uuid::new_v4().to_string();
    sqlx::query("UPDATE users SET webauthn_handle = $2 WHERE id = $1 AND webauthn_handle IS NULL")
        .bind(user_id)
        .bind(&fresh)
        .execute(db)
        .await?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT webauthn_handle FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?
            .flatten();
    stored
        .and_then(|handle| Uuid::parse_str(&handle).ok())
        .ok_or_else(AppError::unauthenticated)
}

/// The account whose WebAuthn user handle is `handle`.
pub async fn user_with_handle(db: &AnyPool, handle: &Uuid) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE webauthn_handle = $1")
        .bind(handle.to_string())
        .fetch_optional(db)
        .await
}
