//! A sign-in waiting for its second step. The password step of an account with a second factor
//! starts no login: it leaves this record in the coordination store, for five minutes, under the
//! SHA-256 of a random 256-bit token that the browser holds in the `__Host-mfa_pending` cookie.
//! The record says whose password was right, when its check began (so a sign-out everywhere
//! meanwhile still ends the login it leads to), and where to go after. It allows a few code
//! attempts, then is gone; the first right code spends it, once, however many arrive at once.

use crate::ssr::platform::coordination::{CoordinationStore, StoreError};
use crate::ssr::platform::digest::sha256_hex;
use crate::ssr::platform::random::random_token;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long the second step may take.
pub const PENDING_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// What the password step proved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: i64,
    /// When the password check began (Unix µs): the login's epoch.
    pub checked_from: u64,
    /// Where to go once signed in (already checked to be a path on this site).
    pub next: String,
}

fn record_key(token: &str) -> String {
    format!("mfa-pending:{}", sha256_hex(token))
}

fn attempts_key(token: &str) -> String {
    format!("mfa-pending-attempts:{}", sha256_hex(token))
}

fn spent_key(token: &str) -> String {
    format!("mfa-pending-spent:{}", sha256_hex(token))
}

/// Stores `pending` and returns the token for the browser's cookie.
pub async fn create(
    store: &dyn CoordinationStore,
    pending: &PendingSignIn,
) -> Result<String, StoreError> {
    let token = random_token();
    let value = serde_json::to_string(pending).map_err(StoreError::new)?;
    store
        .put(&record_key(&token), &value, PENDING_LIFETIME)
        .await?;
    Ok(token)
}

/// The sign-in `token` stands for, while it waits.
pub async fn load(
    store: &dyn CoordinationStore,
    token: &str,
) -> Result<Option<PendingSignIn>, StoreError> {
    let Some(value) = store.get(&record_key(token)).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_str(&value).ok())
}

/// Counts one code attempt at the sign-in `token` stands for; its number.
pub async fn count_attempt(store: &dyn CoordinationStore, token: &str) -> Result<u64, StoreError> {
    store
        .increment(&attempts_key(token), PENDING_LIFETIME)
        .await
}

/// Spends the sign-in `token` stands for: `true` for exactly one caller, who may start the
/// login; the record is gone afterwards.
pub async fn spend(store: &dyn CoordinationStore, token: &str) -> Result<bool, StoreError> {
    let first = store
        .insert_if_absent(&spent_key(token), "1", PENDING_LIFETIME)
        .await?
        .is_none();
    store.delete(&record_key(token)).await?;
    Ok(first)
}

/// Ends the sign-in `token` stands for without a login (too many wrong codes).
pub async fn discard(store: &dyn CoordinationStore, token: &str) -> Result<(), StoreError> {
    store.delete(&record_key(token)).await
}
