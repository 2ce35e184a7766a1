//! Revoked access tokens, known to every instance without a store round trip per request.
//!
//! Access tokens are checked without I/O, so on their own they stay valid until they expire.
//! Every revocation (a signed-out login, a user's "sign out everywhere", a role change) is
//! appended to a feed in the session backend; each instance loads the live entries at start-up
//! and then polls the feed every [`POLL_INTERVAL`], keeping the entries in memory for as long as
//! an access token they could match may live. Guards consult this set on every request: revocation reaches every
//! instance within one poll interval plus one store round trip, and the instance that revoked
//! knows at once.

use crate::auth::Role;
use crate::ssr::platform::clock::{now_millis, unix_now};
use crate::ssr::platform::coordination::{CoordinationStore, StoreError};
use crate::ssr::tokens::AccessClaims;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// A failing feed is logged once every this many polls (10 s), not four times a second.
const FAILURE_LOG_EVERY: u64 = 40;
/// At most this many pages are read in one poll, so a flood cannot hold one poll forever.
const MAX_PAGES_PER_POLL: usize = 1_000;

/// One entry of the revocation feed. `until` (unix seconds) is when every access token it could
/// match has expired, so the entry can be forgotten.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Revocation {
    /// One login ended.
    Family { family: String, until: u64 },
    /// Every login of the user started before `epoch` ended.
    User {
        user_id: i64,
        epoch: u64,
        until: u64,
    },
    /// The user's role changed: tokens naming another role are refused (their next refresh
    /// reads the new role).
    Role {
        user_id: i64,
        role: Role,
        until: u64,
    },
}

impl Revocation {
    fn until(&self) -> u64 {
        match self {
            Revocation::Family { until, .. }
            | Revocation::User { until, .. }
            | Revocation::Role { until, .. } => *until,
        }
    }
}

#[derive(Default)]
struct Entries {
    /// Family id → until.
    families: HashMap<String, u64>,
    /// User id → (lowest live epoch, until).
    users: HashMap<i64, (u64, u64)>,
    /// User id → (current role, until).
    roles: HashMap<i64, (Role, u64)>,
}

#[derive(Default)]
pub struct RevocationSet {
    entries: RwLock<Entries>,
    /// When the feed was last read to its end (unix ms; 0: never).
    synced_at: AtomicI64,
}

impl RevocationSet {
    /// Whether the feed was read to its end within `max_age`: if not, this instance's page
    /// guards may be accepting tokens revoked elsewhere since (`/readyz` reports it).
    pub fn synced_within(&self, max_age: Duration) -> bool {
        let synced_at = self.synced_at.load(Ordering::Acquire);
        synced_at > 0 && now_millis() - synced_at <= max_age.as_millis() as i64
    }

    /// Whether a token with these (already verified) claims was revoked.
    pub fn refuses(&self, claims: &AccessClaims) -> bool {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.families.contains_key(&claims.sid) {
            return true;
        }
        let Ok(user_id) = claims.sub.parse::<i64>() else {
            return true;
        };
        let before_epoch = entries
            .users
            .get(&user_id)
            .is_some_and(|(epoch, _)| claims.sep < *epoch);
        let stale_role = entries
            .roles
            .get(&user_id)
            .is_some_and(|(role, _)| claims.role != *role);
        before_epoch || stale_role
    }

    pub fn apply(&self, revocation: Revocation) {
        let now = unix_now();
        if revocation.until() <= now {
            return;
        }
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match revocation {
            Revocation::Family { family, until } => {
                entries.families.insert(family, until);
            }
            Revocation::User {
                user_id,
                epoch,
                until,
            } => {
                let entry = entries.users.entry(user_id).or_insert((epoch, until));
                *entry = (entry.0.max(epoch), entry.1.max(until));
            }
            // Feed order is change order: the latest role change wins.
            Revocation::Role {
                user_id,
                role,
                until,
            } => {
                entries.roles.insert(user_id, (role, until));
            }
        }
    }

    /// Forgets entries whose tokens have all expired.
    fn prune(&self) {
        let now = unix_now();
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.families.retain(|_, until| *until > now);
        entries.users.retain(|_, (_, until)| *until > now);
        entries.roles.retain(|_, (_, until)| *until > now);
    }

    pub fn len(&self) -> usize {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.families.len() + entries.users.len() + entries.roles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Loads every live entry of the feed into `set`, then keeps following the feed in the
/// background. A failed poll (store outage) is retried at the next tick; failures are logged
/// as warnings, the first one and then one every [`FAILURE_LOG_EVERY`] polls, and the recovery
/// too.
pub async fn follow(store: Arc<dyn CoordinationStore>, set: Arc<RevocationSet>) {
    let mut cursor = None;
    if let Err(error) = catch_up(store.as_ref(), &set, &mut cursor).await {
        tracing::warn!(%error, "loading revocations failed; retrying in the background");
    }
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(POLL_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failures: u64 = 0;
        loop {
            interval.tick().await;
            match catch_up(store.as_ref(), &set, &mut cursor).await {
                Ok(()) if failures > 0 => {
                    tracing::info!(failures, "following revocations again");
                    failures = 0;
                }
                Ok(()) => {}
                Err(error) => {
                    if failures.is_multiple_of(FAILURE_LOG_EVERY) {
                        tracing::warn!(
                            %error,
                            failures = failures + 1,
                            "polling revocations failed: page guards here may accept tokens \
                             revoked elsewhere until it works again"
                        );
                    }
                    failures += 1;
                }
            }
            set.prune();
        }
    });
}

/// Reads the feed from `cursor` to its end, a page at a time, applying every entry.
async fn catch_up(
    store: &dyn CoordinationStore,
    set: &RevocationSet,
    cursor: &mut Option<String>,
) -> Result<(), StoreError> {
    for _ in 0..MAX_PAGES_PER_POLL {
        let page = store.feed_since(cursor.clone()).await?;
        for entry in page.entries {
            match serde_json::from_str::<Revocation>(&entry) {
                Ok(revocation) => set.apply(revocation),
                Err(error) => tracing::warn!(%error, "unreadable revocation entry skipped"),
            }
        }
        if page.cursor == *cursor {
            set.synced_at.store(now_millis(), Ordering::Release);
            return Ok(());
        }
        *cursor = page.cursor;
    }
    // More entries than this are a flood; the next tick goes on from here.
    Ok(())
}
