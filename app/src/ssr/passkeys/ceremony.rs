//! Passkey ceremonies in flight. Starting one stores its state (the challenge, and whose it is)
//! in the coordination store for five minutes under the SHA-256 of a random id that the browser
//! gets with the options; finishing spends it, exactly once, on any instance. The state never
//! goes into a cookie or the page: replaying a challenge must be impossible, and webauthn-rs
//! serialises it only on that promise (`danger-allow-state-serialisation`).

use crate::ssr::platform::coordination::{CoordinationStore, StoreError};
use crate::ssr::platform::digest::sha256_hex;
use crate::ssr::platform::random::random_token;
use serde::{de::DeserializeOwned, Serialize};
use std::time::Duration;

/// How long a ceremony may take, from the options to the browser's answer.
pub const CEREMONY_LIFETIME: Duration = Duration::from_secs(5 * 60);

fn record_key(ceremony: &str) -> String {
    format!("passkey-ceremony:{}", sha256_hex(ceremony))
}

fn spent_key(ceremony: &str) -> String {
    format!("passkey-ceremony-spent:{}", sha256_hex(ceremony))
}

/// Stores `state` and returns the ceremony id for the browser.
pub async fn start<T: Serialize>(
    store: &dyn CoordinationStore,
    state: &T,
) -> Result<String, StoreError> {
    let ceremony = random_token();
    let value = serde_json::to_string(state).map_err(StoreError::new)?;
    store
        .put(&record_key(&ceremony), &value, CEREMONY_LIFETIME)
        .await?;
    Ok(ceremony)
}

/// The state of `ceremony`, spent: `Some` for exactly one caller while it lasts; `None` when it
/// is unknown, expired, or was already taken (by this instance or another).
pub async fn take<T: DeserializeOwned>(
    store: &dyn CoordinationStore,
    ceremony: &str,
) -> Result<Option<T>, StoreError> {
    if ceremony.is_empty() || ceremony.len() > 64 {
        return Ok(None);
    }
    let Some(value) = store.get(&record_key(ceremony)).await? else {
        return Ok(None);
    };
    let first = store
        .insert_if_absent(&spent_key(ceremony), "1", CEREMONY_LIFETIME)
        .await?
        .is_none();
    store.delete(&record_key(ceremony)).await?;
    Ok(first.then(|| serde_json::from_str(&value).ok()).flatten())
}
