//! Trusted browsers: a browser whose sign-in passed the second step with "trust this browser"
//! skips it for `MFA_TRUST_DAYS`. It is named by its known-device id (the `__Host-known_device`
//! cookie, which is bound to the account's current password, so a password change or reset ends
//! the trust by itself); the table keeps only the id's SHA-256. The expiry is fixed when trust is
//! given and never extended by use. A trusted sign-in is one factor (`aal1`): step-up still asks
//! for both. Trust ends with a password change or reset, turning two-step verification off, an
//! administrator's reset, signing out everywhere, and "forget" on the security page.

use crate::ssr::platform::digest::sha256_hex;
use crate::ssr::sessions::ClientInfo;
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

/// One trusted browser, as the security page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TrustedBrowser {
    /// Names it in requests (the start of its hash; not a credential).
    pub handle: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
}

/// Trusts browser `device` for account `user_id` from `now` until `expires_at` (anew, if it was).
pub async fn trust(
    db: &AnyPool,
    user_id: i64,
    device: &str,
    client: &ClientInfo,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO trusted_devices (user_id, device_hash, created_at, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, device_hash) DO UPDATE SET \
         created_at = $3, expires_at = $4, user_agent = $5, ip = $6, last_used_at = NULL",
    )
    .bind(user_id)
    .bind(sha256_hex(device))
    .bind(now)
    .bind(expires_at)
    .bind(client.user_agent.as_deref())
    .bind(client.ip.as_deref())
    .execute(db)
    .await
    .map(drop)
}

/// Whether browser `device` is trusted by account `user_id` at `now`; records the use if so.
pub async fn is_trusted(
    db: &AnyPool,
    user_id: i64,
    device: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query(
        "UPDATE trusted_devices SET last_used_at = $3 \
         WHERE user_id = $1 AND device_hash = $2 AND expires_at > $3",
    )
    .bind(user_id)
    .bind(sha256_hex(device))
    .bind(now)
    .execute(db)
    .await?;
    Ok(used.rows_affected() == 1)
}

/// The account's browsers still trusted at `now`, the newest first.
pub async fn list(
    db: &AnyPool,
    user_id: i64,
    now: i64,
) -> Result<Vec<TrustedBrowser>, sqlx::Error> {
    sqlx::query_as(
        "SELECT substr(device_hash, 1, 16) AS handle, user_agent, ip, created_at, expires_at, \
         last_used_at FROM trusted_devices WHERE user_id = $1 AND expires_at > $2 \
         ORDER BY created_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(db)
    .await
}

/// Forgets the browser named `handle`; `false` if the account trusts none by that name.
pub async fn forget(db: &AnyPool, user_id: i64, handle: &str) -> Result<bool, sqlx::Error> {
    let forgotten = sqlx::query(
        "DELETE FROM trusted_devices WHERE user_id = $1 AND substr(device_hash, 1, 16) = $2",
    )
    .bind(user_id)
    .bind(handle)
    .execute(db)
    .await?;
    Ok(forgotten.rows_affected() > 0)
}

/// Forgets every browser the account trusts.
pub async fn forget_all(db: &AnyPool, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await
        .map(drop)
}
