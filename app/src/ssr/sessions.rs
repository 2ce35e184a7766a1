//! Refresh sessions, kept in a `tower-sessions` store (embedded SQLite by default).
//!
//! The browser holds a random 256-bit refresh token; the store only ever sees a hash of it, so a
//! leaked store dump cannot be replayed as cookies. Each login starts a *family*: a record that
//! lives as long as the login may, and whose deletion revokes every token of that login. Each
//! refresh replaces the family's current refresh record with a new one (rotation).
//!
//! Rotation is decided by a *claim* on the old token, taken atomically in the shared store
//! ([`SharedStore::insert_if_absent`]): of any number of simultaneous refreshes, on any number of
//! instances, exactly one successor wins. The claim keeps the successor sealed under a key only the
//! old token can derive, so within the grace window a retry with the old token (another tab, a
//! lost response) gets the *same* successor. Presenting the old token after the window, or a
//! token two generations back at any time, means the token was copied: the whole login is revoked.

use super::revocations::{Revocation, RevocationSet};
use super::shared::SharedStore;
use super::tokens::unix_now;
use crate::auth::{Role, Viewer};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::SessionStore;

const REFRESH_KEY: &str = "refresh";
const FAMILY_KEY: &str = "family";
const EPOCH_KEY: &str = "epoch";

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

/// Where and how a session was started, shown to the user on their devices list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// What the store keeps for one refresh credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub user_id: i64,
    pub role: Role,
    pub family: String,
    /// The user's session epoch when the login started (carried into access tokens).
    #[serde(default)]
    pub epoch: u64,
    /// 0 for the login itself, +1 per rotation.
    pub generation: u32,
    /// Unix seconds.
    pub started_at: u64,
    pub last_used_at: u64,
    /// When the whole login ends, however active it is (unix seconds).
    pub absolute_expiry: u64,
    pub client: ClientInfo,
}

/// The claim a rotation leaves on the old token: which successor won, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// The successor's token, XOR-sealed with a key derived from this record's own token.
    pub sealed_successor: String,
    /// Unix seconds.
    pub at: u64,
}

impl RefreshRecord {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.user_id,
            role: self.role,
        }
    }
}

/// The family marker: present while the login is alive. It also describes the login for the
/// user's devices list (when it was used last is kept apart, see [`RefreshSessions::touch`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct FamilyRecord {
    user_id: i64,
    /// The user's session epoch when this login started.
    epoch: u64,
    #[serde(default)]
    started_at: u64,
    #[serde(default)]
    client: ClientInfo,
}

impl FamilyRecord {
    /// Whether the login started in the user's current epoch (`stored_epoch`; none stored is
    /// epoch 0), i.e. no sign-out everywhere has happened since.
    fn in_current_epoch(&self, stored_epoch: Option<u64>) -> bool {
        self.epoch >= stored_epoch.unwrap_or_default()
    }
}

/// One of a user's logins, as their devices list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginSummary {
    pub family: String,
    pub started_at: u64,
    pub last_used_at: u64,
    pub client: ClientInfo,
}

/// A user's session epoch; see the module documentation.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct EpochRecord {
    epoch: u64,
}

/// A refresh credential to hand to the browser: the token for the cookie, and what it stands for.
#[derive(Clone, Debug)]
pub struct IssuedRefresh {
    pub token: String,
    pub record: RefreshRecord,
    /// Seconds until the cookie should expire.
    pub max_age: u64,
}

/// Lifetimes of a login and its refresh credentials.
#[derive(Clone, Copy, Debug)]
pub struct SessionLifetimes {
    pub absolute: Duration,
    pub idle: Duration,
    /// How long a rotated-out credential still yields its successor.
    pub grace: Duration,
}

/// What presenting a refresh token came to.
#[derive(Debug)]
pub enum RotationOutcome {
    /// A successor: newly issued, or the one already issued within the grace window.
    Rotated(IssuedRefresh),
    /// Unknown, lapsed or signed out: the browser is signed out.
    Refused,
    /// A rotated-out token came back too late, or from too far back: it was copied. The whole
    /// login has been revoked.
    Reused { user_id: i64, family: String },
}

#[derive(Clone)]
pub struct RefreshSessions {
    store: Arc<dyn SessionStore>,
    shared: Arc<dyn SharedStore>,
    revoked: Arc<RevocationSet>,
    lifetimes: SessionLifetimes,
    /// How long an access token can outlive its revocation: its lifetime plus clock leeway.
    access_lifetime: Duration,
    keys: Keys,
}

impl RefreshSessions {
    /// `namespace` separates apps (or test runs) sharing one store: every record id is derived
    /// from it, so two namespaces never see each other's sessions.
    pub fn new(
        store: Arc<dyn SessionStore>,
        shared: Arc<dyn SharedStore>,
        lifetimes: SessionLifetimes,
        access_lifetime: Duration,
        namespace: &str,
    ) -> Self {
        Self {
            store,
            shared,
            revoked: Arc::new(RevocationSet::default()),
            lifetimes,
            access_lifetime,
            keys: Keys {
                namespace: namespace.to_owned(),
            },
        }
    }

    /// Revoked access tokens, as this instance knows them (see `revocations`).
    pub fn revoked(&self) -> &Arc<RevocationSet> {
        &self.revoked
    }

    pub fn shared(&self) -> &Arc<dyn SharedStore> {
        &self.shared
    }

    /// Starts a new login (family) for `viewer`.
    pub async fn start(
        &self,
        viewer: &Viewer,
        client: ClientInfo,
    ) -> Result<IssuedRefresh, StoreError> {
        let now = unix_now();
        let family = random_token();
        let absolute_expiry = now + self.lifetimes.absolute.as_secs();
        let stored_epoch = self.stored_epoch(viewer.user_id).await?;
        let epoch = stored_epoch.unwrap_or_default();
        // The epoch must outlive every family started in it, or it would reset to zero early.
        self.put(
            self.keys.epoch_id(viewer.user_id),
            EPOCH_KEY,
            &EpochRecord { epoch },
            absolute_expiry,
            stored_epoch.is_some(),
        )
        .await?;
        let marker = FamilyRecord {
            user_id: viewer.user_id,
            epoch,
            started_at: now,
            client: client.clone(),
        };
        self.create(
            self.keys.family_id(&family),
            FAMILY_KEY,
            &marker,
            absolute_expiry,
        )
        .await?;
        self.shared
            .add_member(
                &self.keys.logins_key(viewer.user_id),
                &family,
                self.lifetimes.absolute,
            )
            .await?;
        let record = RefreshRecord {
            user_id: viewer.user_id,
            role: viewer.role,
            family,
            epoch,
            generation: 0,
            started_at: now,
            last_used_at: now,
            absolute_expiry,
            client,
        };
        self.issue(record).await
    }

    /// Exchanges a refresh token for its successor; see the module documentation.
    pub async fn rotate(&self, token: &str) -> Result<RotationOutcome, StoreError> {
        let old_id = self.keys.refresh_id(token);
        let Some(record) = self.load::<RefreshRecord>(old_id, REFRESH_KEY).await? else {
            return Ok(RotationOutcome::Refused);
        };
        if !self.login_alive(record.user_id, &record.family).await? {
            self.store.delete(&old_id).await?;
            return Ok(RotationOutcome::Refused);
        }
        // No look at the claim first: a replay is rare, and the claim below catches it anyway
        // (at the cost of a successor written and deleted), so the common case saves a round trip.
        let claim_key = self.keys.claim_key(old_id);
        let now = unix_now();
        let next = RefreshRecord {
            generation: record.generation + 1,
            last_used_at: now,
            ..record.clone()
        };
        let issued = self.issue(next).await?;
        let claim = Rotation {
            sealed_successor: seal(token, &issued.token),
            at: now,
        };
        // The claim lasts as long as the old record could: until then, a replay is recognised.
        let claim_ttl = Duration::from_secs(self.expiry_of(&record).saturating_sub(now))
            .max(self.lifetimes.grace);
        let claim = serde_json::to_string(&claim).map_err(StoreError::new)?;
        match self
            .shared
            .insert_if_absent(&claim_key, &claim, claim_ttl)
            .await?
        {
            None => {
                self.touch(&record.family, now).await?;
                Ok(RotationOutcome::Rotated(issued))
            }
            Some(winner) => {
                // Another request rotated this token first: ours never reaches a browser.
                self.store
                    .delete(&self.keys.refresh_id(&issued.token))
                    .await?;
                self.replayed(token, &record, &winner).await
            }
        }
    }

    /// A token that was already rotated: within the grace window, the successor it was exchanged
    /// for (while that is still current); otherwise a reuse, which revokes the login.
    async fn replayed(
        &self,
        token: &str,
        record: &RefreshRecord,
        claim: &str,
    ) -> Result<RotationOutcome, StoreError> {
        if let Ok(rotation) = serde_json::from_str::<Rotation>(claim) {
            if let Some(issued) = self.successor_within_grace(token, &rotation).await? {
                return Ok(RotationOutcome::Rotated(issued));
            }
        }
        self.revoke_family(&record.family).await?;
        Ok(RotationOutcome::Reused {
            user_id: record.user_id,
            family: record.family.clone(),
        })
    }

    /// The successor `rotation` names, if the grace window is still open and the successor has
    /// not itself been rotated.
    async fn successor_within_grace(
        &self,
        token: &str,
        rotation: &Rotation,
    ) -> Result<Option<IssuedRefresh>, StoreError> {
        let now = unix_now();
        if now > rotation.at + self.lifetimes.grace.as_secs() {
            return Ok(None);
        }
        let Some(successor) = unseal(token, &rotation.sealed_successor) else {
            return Ok(None);
        };
        let successor_id = self.keys.refresh_id(&successor);
        if self
            .shared
            .get(&self.keys.claim_key(successor_id))
            .await?
            .is_some()
        {
            return Ok(None);
        }
        Ok(self
            .load::<RefreshRecord>(successor_id, REFRESH_KEY)
            .await?
            .map(|record| IssuedRefresh {
                max_age: self.expiry_of(&record).saturating_sub(now),
                token: successor,
                record,
            }))
    }

    /// When a refresh record lapses: at the login's end, or after the idle limit.
    fn expiry_of(&self, record: &RefreshRecord) -> u64 {
        record
            .absolute_expiry
            .min(record.last_used_at + self.lifetimes.idle.as_secs())
    }

    /// Ends the login that `token` belongs to. Unknown tokens are ignored (already signed out).
    /// Returns the family it ended.
    pub async fn end(&self, token: &str) -> Result<Option<String>, StoreError> {
        let id = self.keys.refresh_id(token);
        let family = self
            .load::<RefreshRecord>(id, REFRESH_KEY)
            .await?
            .map(|record| record.family);
        if let Some(family) = &family {
            self.revoke_family(family).await?;
        }
        self.store.delete(&id).await?;
        Ok(family)
    }

    /// Revokes a whole login: every access token carrying this family stops working for server
    /// functions at once, and its refresh token can no longer be used.
    pub async fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        self.store.delete(&self.keys.family_id(family)).await?;
        self.announce(Revocation::Family {
            family: family.to_owned(),
            until: self.revocation_horizon(),
        })
        .await
    }

    /// Tells page guards, here at once and on every instance through the feed.
    async fn announce(&self, revocation: Revocation) -> Result<(), StoreError> {
        self.revoked.apply(revocation.clone());
        let entry = serde_json::to_string(&revocation).map_err(StoreError::new)?;
        self.shared.publish(&entry, self.access_lifetime).await
    }

    /// Until when a revocation matters: every access token issued before it has expired by then.
    fn revocation_horizon(&self) -> u64 {
        unix_now() + self.access_lifetime.as_secs() + 1
    }

    /// Makes every access token of `user_id` that names another role than `role` invalid at
    /// once; the next refresh issues one with the new role.
    pub async fn role_changed(&self, user_id: i64, role: Role) -> Result<(), StoreError> {
        self.announce(Revocation::Role {
            user_id,
            role,
            until: self.revocation_horizon(),
        })
        .await
    }

    /// Ends every login of `user_id`, on every device.
    pub async fn revoke_all(&self, user_id: i64) -> Result<(), StoreError> {
        let stored_epoch = self.stored_epoch(user_id).await?;
        let next = EpochRecord {
            epoch: stored_epoch.unwrap_or_default() + 1,
        };
        let expiry = unix_now() + self.lifetimes.absolute.as_secs();
        self.put(
            self.keys.epoch_id(user_id),
            EPOCH_KEY,
            &next,
            expiry,
            stored_epoch.is_some(),
        )
        .await?;
        self.announce(Revocation::User {
            user_id,
            epoch: next.epoch,
            until: self.revocation_horizon(),
        })
        .await
    }

    /// Whether `family` is a live login of `user_id` (known from its token): not signed out, not
    /// expired, not ended by a sign-out everywhere. The marker and the user's epoch are read at
    /// once, so the check waits for one store round trip, not two.
    pub async fn login_alive(&self, user_id: i64, family: &str) -> Result<bool, StoreError> {
        let (marker, stored_epoch) = tokio::try_join!(
            self.load::<FamilyRecord>(self.keys.family_id(family), FAMILY_KEY),
            self.stored_epoch(user_id),
        )?;
        Ok(marker.is_some_and(|marker| {
            marker.user_id == user_id && marker.in_current_epoch(stored_epoch)
        }))
    }

    /// Records when a login was last used. Kept apart from the family marker so that writing it
    /// can never bring back a marker that a concurrent sign-out just deleted.
    async fn touch(&self, family: &str, now: u64) -> Result<(), StoreError> {
        let key = self.keys.last_used_key(family);
        self.shared
            .put(&key, &now.to_string(), self.lifetimes.idle)
            .await
    }

    /// The user's live logins, most recently used first. Dead ones are dropped from the index
    /// on the way.
    pub async fn logins(&self, user_id: i64) -> Result<Vec<LoginSummary>, StoreError> {
        let index = self.keys.logins_key(user_id);
        // One epoch for all of the user's logins: read once, not once per login.
        let stored_epoch = self.stored_epoch(user_id).await?;
        let mut logins = Vec::new();
        for family in self.shared.members(&index).await? {
            let marker = self
                .load::<FamilyRecord>(self.keys.family_id(&family), FAMILY_KEY)
                .await?
                .filter(|marker| marker.in_current_epoch(stored_epoch));
            let Some(marker) = marker else {
                self.shared.remove_member(&index, &family).await?;
                continue;
            };
            let last_used_at = self
                .shared
                .get(&self.keys.last_used_key(&family))
                .await?
                .and_then(|value| value.parse().ok())
                .unwrap_or(marker.started_at);
            logins.push(LoginSummary {
                family,
                started_at: marker.started_at,
                last_used_at,
                client: marker.client,
            });
        }
        logins.sort_by_key(|login| std::cmp::Reverse(login.last_used_at));
        Ok(logins)
    }

    /// Revokes every login of `user_id` except `keep`.
    pub async fn revoke_others(&self, user_id: i64, keep: &str) -> Result<(), StoreError> {
        for login in self.logins(user_id).await? {
            if login.family != keep {
                self.revoke_family(&login.family).await?;
            }
        }
        Ok(())
    }

    /// The user's session epoch, if one is stored (none yet means epoch 0).
    async fn stored_epoch(&self, user_id: i64) -> Result<Option<u64>, StoreError> {
        Ok(self
            .load::<EpochRecord>(self.keys.epoch_id(user_id), EPOCH_KEY)
            .await?
            .map(|record| record.epoch))
    }

    async fn issue(&self, record: RefreshRecord) -> Result<IssuedRefresh, StoreError> {
        let now = unix_now();
        let expiry = self.expiry_of(&record);
        let token = random_token();
        self.create(self.keys.refresh_id(&token), REFRESH_KEY, &record, expiry)
            .await?;
        Ok(IssuedRefresh {
            token,
            record,
            max_age: expiry.saturating_sub(now),
        })
    }

    /// Stores a new record under `id`.
    async fn create<T: Serialize>(
        &self,
        id: Id,
        key: &str,
        value: &T,
        expiry_unix: u64,
    ) -> Result<(), StoreError> {
        let mut record = record(id, key, value, expiry_unix)?;
        self.store.create(&mut record).await?;
        // Ids are hashes of 256 random bits; a store that had to pick another id would break the
        // token-to-record link, so treat it as a failure rather than continue silently.
        if record.id != id {
            self.store.delete(&record.id).await?;
            return Err(StoreError("session id collision".to_owned()));
        }
        Ok(())
    }

    /// Stores `value` under `id`, replacing what was there. `exists` says whether the caller
    /// has just loaded a record under `id`: the Redis store's `save` only replaces and never
    /// creates, so a missing record is created instead (no extra read to find out).
    async fn put<T: Serialize>(
        &self,
        id: Id,
        key: &str,
        value: &T,
        expiry_unix: u64,
        exists: bool,
    ) -> Result<(), StoreError> {
        let record = record(id, key, value, expiry_unix)?;
        if exists {
            self.store.save(&record).await?;
            return Ok(());
        }
        let mut created = record.clone();
        self.store.create(&mut created).await?;
        if created.id != id {
            // Created by someone else in between: drop our stray copy, replace theirs.
            self.store.delete(&created.id).await?;
            self.store.save(&record).await?;
        }
        Ok(())
    }

    async fn load<T: for<'de> Deserialize<'de>>(
        &self,
        id: Id,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let Some(mut record) = self.store.load(&id).await? else {
            return Ok(None);
        };
        if record.expiry_date <= OffsetDateTime::now_utc() {
            return Ok(None);
        }
        match record.data.remove(key) {
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|error| StoreError(error.to_string())),
            None => Ok(None),
        }
    }
}

fn record<T: Serialize>(
    id: Id,
    key: &str,
    value: &T,
    expiry_unix: u64,
) -> Result<Record, StoreError> {
    let value = serde_json::to_value(value).map_err(|error| StoreError(error.to_string()))?;
    let expiry_date = OffsetDateTime::from_unix_timestamp(expiry_unix as i64)
        .map_err(|error| StoreError(error.to_string()))?;
    Ok(Record {
        id,
        data: HashMap::from([(key.to_owned(), value)]),
        expiry_date,
    })
}

/// How a login is named outside the server (devices list, audit log): the first 12 hex digits
/// of a hash of its family id. Tells logins apart; cannot be used to act as one.
pub fn public_handle(family: &str) -> String {
    Sha256::digest(family.as_bytes())
        .iter()
        .take(6)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// 256 random bits, URL-safe base64: refresh tokens, family ids and token ids.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Seals `successor` under a one-time key derived from `token` (each token is rotated once, so
/// each key seals exactly one value).
fn seal(token: &str, successor: &str) -> String {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(successor) else {
        return String::new();
    };
    URL_SAFE_NO_PAD.encode(xor_with_key(token, &bytes))
}

fn unseal(token: &str, sealed: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    (bytes.len() == 32).then(|| URL_SAFE_NO_PAD.encode(xor_with_key(token, &bytes)))
}

fn xor_with_key(token: &str, bytes: &[u8]) -> Vec<u8> {
    let key = Sha256::new()
        .chain_update(b"successor-seal")
        .chain_update([0u8])
        .chain_update(token.as_bytes())
        .finalize();
    bytes
        .iter()
        .zip(key.iter())
        .map(|(byte, key)| byte ^ key)
        .collect()
}

/// Derives store ids: hashes of (namespace, kind of record, value), so the store never holds a
/// token itself and namespaces never overlap.
#[derive(Clone, Debug)]
struct Keys {
    namespace: String,
}

impl Keys {
    fn refresh_id(&self, token: &str) -> Id {
        self.hashed_id("refresh", token)
    }

    fn family_id(&self, family: &str) -> Id {
        self.hashed_id("family", family)
    }

    /// The shared-store set of a user's logins (family ids).
    fn logins_key(&self, user_id: i64) -> String {
        format!("logins:{user_id}")
    }

    fn last_used_key(&self, family: &str) -> String {
        format!("last-used:{}", self.family_id(family))
    }

    /// The shared-store key of the rotation claim on the refresh record `refresh_id`.
    fn claim_key(&self, refresh_id: Id) -> String {
        format!("claim:{refresh_id}")
    }

    fn epoch_id(&self, user_id: i64) -> Id {
        self.hashed_id("epoch", &user_id.to_string())
    }

    fn hashed_id(&self, kind: &str, value: &str) -> Id {
        let digest = Sha256::new()
            .chain_update(self.namespace.as_bytes())
            .chain_update([0u8])
            .chain_update(kind.as_bytes())
            .chain_update([0u8])
            .chain_update(value.as_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Id(i128::from_le_bytes(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_successor_opens_only_with_the_token_that_sealed_it() {
        let (token, successor) = (random_token(), random_token());
        let sealed = seal(&token, &successor);
        assert_ne!(sealed, successor);
        assert_eq!(unseal(&token, &sealed).as_deref(), Some(successor.as_str()));
        assert_ne!(
            unseal(&random_token(), &sealed).as_deref(),
            Some(successor.as_str())
        );
    }
}
