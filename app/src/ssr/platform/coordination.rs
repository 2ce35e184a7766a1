//! The coordination store: state every instance of the app sees alike. It offers the few atomic
//! operations the session lifecycle needs beyond storing session records, kept
//! in the same backend as the sessions (Redis, or the database) so that every instance sees them:
//! rotation claims (one successor per refresh token, even across instances), throttling counters
//! and blocks, each user's set of logins, and the revocation feed that page guards follow.
//!
//! `tower-sessions` stores cannot do these: their `create` picks another id on a collision rather
//! than failing, and a SQL store checks and inserts without a lock.

use async_trait::async_trait;
use std::time::Duration;

#[async_trait]
pub trait CoordinationStore: Send + Sync {
    /// Stores `value` under `key` for `ttl` unless a live value is already there, atomically
    /// across instances. `None` means this call stored it; otherwise the value found is returned.
    async fn insert_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Option<String>, StoreError>;

    /// The live value under `key`.
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Stores `value` under `key` for `ttl`, replacing any value there.
    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError>;

    /// How much longer the live value under `key` lasts.
    async fn remaining(&self, key: &str) -> Result<Option<Duration>, StoreError>;

    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Adds one to the counter under `key` and returns the new count. A counter that is absent
    /// or past its window starts again at 1 with a fresh `window`.
    async fn increment(&self, key: &str, window: Duration) -> Result<u64, StoreError>;

    /// Adds `member` to the set under `key`; the set lives at least `ttl` from now.
    async fn add_member(&self, key: &str, member: &str, ttl: Duration) -> Result<(), StoreError>;

    /// The members of the set under `key` (empty when there is none).
    async fn members(&self, key: &str) -> Result<Vec<String>, StoreError>;

    async fn remove_member(&self, key: &str, member: &str) -> Result<(), StoreError>;

    /// Appends `entry` to the revocation feed; readers need it for `ttl` at most.
    async fn publish(&self, entry: &str, ttl: Duration) -> Result<(), StoreError>;

    /// The feed's live entries after `cursor` (every live entry when `None`), oldest first, with
    /// the cursor to pass next time. Delivery is at least once: a backend may repeat entries
    /// from shortly before `cursor` (the database's, because ids can commit out of order), so
    /// applying an entry must be idempotent, as a revocation is.
    async fn feed_since(&self, cursor: Option<String>) -> Result<FeedPage, StoreError>;
}

pub struct FeedPage {
    pub entries: Vec<String>,
    pub cursor: Option<String>,
}

/// The session store could not be reached or answered garbage; callers answer 503.
#[derive(Debug, thiserror::Error)]
#[error("session store unavailable: {0}")]
pub struct StoreError(String);

impl StoreError {
    pub fn new(message: impl std::fmt::Display) -> Self {
        StoreError(message.to_string())
    }
}

impl From<tower_sessions::session_store::Error> for StoreError {
    fn from(error: tower_sessions::session_store::Error) -> Self {
        StoreError(error.to_string())
    }
}
