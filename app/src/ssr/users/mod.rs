//! Queries on the `users` table. One function per query; callers get typed rows.
//!
//! Each query is written once for SQLite and PostgreSQL alike: numbered `$n` parameters (both
//! engines accept them), types both share, and `RETURNING`.

use crate::auth::{Profile, Role, Viewer};
use crate::error::AppError;
use crate::ssr::input::Email;
use crate::ssr::mail::link_tokens;
use crate::ssr::platform::clock::unix_now;
use sqlx::{Any, AnyPool, Transaction};

mod address;
pub use address::{mark_verified, move_to_verified_email, restore_email};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub email_verified_at: Option<i64>,
    /// How many confirmed second factors the account has (read with the row, so a sign-in or a
    /// refresh learns it without another query).
    pub second_factors: i64,
}

impl UserRow {
    /// The stored role; an unknown value (edited by hand) is treated as the least privileged.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::User)
    }

    /// Whether signing in takes a second step.
    pub fn has_second_factor(&self) -> bool {
        self.second_factors > 0
    }

    /// The account as a signed-in viewer: its id and role.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.id,
            role: self.role(),
        }
    }

    pub fn profile(&self) -> Profile {
        Profile {
            id: self.id,
            email: self.email.clone(),
            role: self.role(),
            created_at: self.created_at,
            disabled: self.is_disabled(),
            email_verified: self.is_verified(),
            two_step: self.has_second_factor(),
        }
    }

    /// Whether the account has shown it receives mail at its address.
    pub fn is_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }

    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("email already registered")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Whether a new account's address is known to be its owner's: an operator's `user create` says
/// so; a sign-up has yet to prove it by following the mailed link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Address {
    Verified,
    Unverified,
}

pub async fn insert(
    db: &AnyPool,
    email: &Email,
    password_hash: &str,
    role: Role,
    address: Address,
) -> Result<i64, InsertError> {
    let now = unix_now() as i64;
    let verified_at = (address == Address::Verified).then_some(now);
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (email, password_hash, role, created_at, updated_at, email_verified_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(email.as_str())
    .bind(password_hash)
    .bind(role.as_str())
    .bind(now)
    .bind(now)
    .bind(verified_at)
    .fetch_one(db)
    .await;
    inserted.map_err(unique_as_taken)
}

const COLUMNS: &str =
    "id, email, password_hash, role, created_at, disabled_at, email_verified_at, \
    CASE WHEN EXISTS (SELECT 1 FROM user_totp WHERE user_totp.user_id = users.id \
    AND user_totp.confirmed_at IS NOT NULL) THEN 1 ELSE 0 END AS second_factors";

pub async fn find_by_email(db: &AnyPool, email: &Email) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(db)
        .await
}

pub async fn find_by_id(db: &AnyPool, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn list(db: &AnyPool) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY id"))
        .fetch_all(db)
        .await
}

/// Replaces a user's password hash, and voids every link mailed to the account before and the
/// browsers it trusted to skip the second step (in the same transaction: a pending address
/// change, a reset or a trusted browser must not outlive the new password).
/// `false` when there is no such user.
pub async fn set_password_hash(db: &AnyPool, id: i64, hash: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .bind(unix_now() as i64)
        .execute(&mut *tx)
        .await?;
    link_tokens::void_all(&mut *tx, id).await?;
    sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(updated.rows_affected() == 1)
}

/// A unique-key violation (the address belongs to another account) as [`InsertError::EmailTaken`].
pub(super) fn unique_as_taken(error: sqlx::Error) -> InsertError {
    match error {
        sqlx::Error::Database(error) if error.is_unique_violation() => InsertError::EmailTaken,
        error => error.into(),
    }
}

/// What became of a change that could take an administrator away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminSafeChange {
    Done,
    NoSuchUser,
    /// Refused: no enabled administrator would be left.
    LastAdministrator,
}

impl AdminSafeChange {
    /// The answer for the user who asked for the change.
    pub fn into_result(self) -> Result<(), AppError> {
        match self {
            AdminSafeChange::Done => Ok(()),
            AdminSafeChange::NoSuchUser => Err(AppError::not_found()),
            AdminSafeChange::LastAdministrator => Err(AppError::last_administrator()),
        }
    }
}

pub async fn set_role(db: &AnyPool, id: i64, role: Role) -> Result<AdminSafeChange, sqlx::Error> {
    let mut tx = db.begin().await?;
    let before = lock_administrators(&mut tx).await?;
    let updated = sqlx::query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(role.as_str())
        .bind(unix_now() as i64)
        .execute(&mut *tx)
        .await?;
    keep_an_administrator(tx, before, updated.rows_affected()).await
}

/// Disables (`Some(when)`, voiding every link mailed to it) or enables (`None`) an account.
pub async fn set_disabled_at(
    db: &AnyPool,
    id: i64,
    disabled_at: Option<i64>,
) -> Result<AdminSafeChange, sqlx::Error> {
    let mut tx = db.begin().await?;
    let before = lock_administrators(&mut tx).await?;
    let updated = sqlx::query("UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(disabled_at)
        .bind(unix_now() as i64)
        .execute(&mut *tx)
        .await?;
    if disabled_at.is_some() {
        // Links mailed before must not work once the account is re-enabled for its owner.
        link_tokens::void_all(&mut *tx, id).await?;
    }
    keep_an_administrator(tx, before, updated.rows_affected()).await
}

pub async fn delete(db: &AnyPool, id: i64) -> Result<AdminSafeChange, sqlx::Error> {
    let mut tx = db.begin().await?;
    let before = lock_administrators(&mut tx).await?;
    let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    keep_an_administrator(tx, before, deleted.rows_affected()).await
}

/// Locks every enabled administrator's row for the rest of the transaction and returns how many
/// there are. Two changes that each take one administrator away (two administrators demoting
/// each other at once) then run one after the other, and the second sees the first's result.
async fn lock_administrators(tx: &mut Transaction<'_, Any>) -> Result<u64, sqlx::Error> {
    let locked = sqlx::query(
        "UPDATE users SET updated_at = updated_at WHERE role = $1 AND disabled_at IS NULL",
    )
    .bind(Role::Admin.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(locked.rows_affected())
}

/// Commits a change to `changed` rows, unless it left no enabled administrator where there was
/// one (`before`): then it is undone.
async fn keep_an_administrator(
    mut tx: Transaction<'_, Any>,
    before: u64,
    changed: u64,
) -> Result<AdminSafeChange, sqlx::Error> {
    if changed == 0 {
        tx.rollback().await?;
        return Ok(AdminSafeChange::NoSuchUser);
    }
    let after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1 AND disabled_at IS NULL")
            .bind(Role::Admin.as_str())
            .fetch_one(&mut *tx)
            .await?;
    if before > 0 && after == 0 {
        tx.rollback().await?;
        return Ok(AdminSafeChange::LastAdministrator);
    }
    tx.commit().await?;
    Ok(AdminSafeChange::Done)
}
