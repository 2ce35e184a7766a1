//! Refresh: exchanging a refresh token for its successor, exactly once, and recognising a
//! token that comes back after it was exchanged.

use crate::auth::assurance::Authentication;
use crate::ssr::platform::clock::unix_now;
use crate::ssr::platform::coordination::StoreError;
use crate::ssr::platform::random::random_token;
use crate::ssr::sessions::records::{
    ClientInfo, IssuedRefresh, RefreshRecord, Rotation, RotationOutcome,
};
use crate::ssr::sessions::seal::{seal, unseal};
use crate::ssr::sessions::RefreshSessions;
use crate::ssr::throttle::client_address::group_of_recorded;
use sha2::{Digest, Sha256};
use std::time::Duration;

impl RefreshSessions {
    /// Exchanges a refresh token for its successor; see the module documentation.
    pub async fn rotate(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<RotationOutcome, StoreError> {
        self.rotate_with(token, client, None).await
    }

    /// [`Self::rotate`], the successor recording a new interactive `authentication` when given
    /// (the holder just confirmed it's them); otherwise it carries the old one forward.
    pub async fn rotate_with(
        &self,
        token: &str,
        client: &ClientInfo,
        authentication: Option<Authentication>,
    ) -> Result<RotationOutcome, StoreError> {
        let old_id = self.keys.refresh_id(token);
        let Some(record) = self.load::<RefreshRecord>(old_id).await? else {
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
            authentication: authentication.or_else(|| record.authentication.clone()),
            ..record.clone()
        };
        let issued = self.issue(next).await?;
        let claim = Rotation {
            sealed_successor: seal(token, &issued.token),
            at: now,
            client: client_fingerprint(client),
        };
        // The claim lasts as long as the old record could: until then, a replay is recognised.
        let claim_ttl = Duration::from_secs(self.expiry_of(&record).saturating_sub(now))
            .max(self.lifetimes.grace);
        let claim = serde_json::to_string(&claim).map_err(StoreError::new)?;
        match self
            .coordination
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
                self.replayed(token, &record, &winner, client).await
            }
        }
    }

    /// A token that was already rotated: within the grace window and from the browser that
    /// rotated it, the successor it was exchanged for (while that is still current); otherwise a
    /// reuse, which revokes the login. A copy presented from elsewhere inside the window is a
    /// reuse too: the window is for the rotating browser's own tabs, not for whoever holds a copy.
    async fn replayed(
        &self,
        token: &str,
        record: &RefreshRecord,
        claim: &str,
        client: &ClientInfo,
    ) -> Result<RotationOutcome, StoreError> {
        if let Ok(rotation) = serde_json::from_str::<Rotation>(claim) {
            if rotation.client == client_fingerprint(client) {
                if let Some(issued) = self.successor_within_grace(token, &rotation).await? {
                    return Ok(RotationOutcome::GraceReplay(issued));
                }
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
            .coordination
            .get(&self.keys.claim_key(successor_id))
            .await?
            .is_some()
        {
            return Ok(None);
        }
        Ok(self
            .load::<RefreshRecord>(successor_id)
            .await?
            .map(|record| IssuedRefresh {
                max_age: self.expiry_of(&record).saturating_sub(now),
                token: successor,
                record,
            }))
    }

    /// When a refresh record lapses: at the login's end, or after the idle limit.
    pub(super) fn expiry_of(&self, record: &RefreshRecord) -> u64 {
        record
            .absolute_expiry
            .min(record.last_used_at + self.lifetimes.idle.as_secs())
    }

    /// Stores `record` under a new random token and hands the token out.
    pub(super) async fn issue(&self, record: RefreshRecord) -> Result<IssuedRefresh, StoreError> {
        let now = unix_now();
        let expiry = self.expiry_of(&record);
        let token = random_token();
        self.create(self.keys.refresh_id(&token), &record, expiry)
            .await?;
        Ok(IssuedRefresh {
            token,
            record,
            max_age: expiry.saturating_sub(now),
        })
    }
}

/// Names the browser behind a request without storing what it is: a hash of its user agent and
/// its address group (an IPv6 address's /64), so tabs of one browser match and a copy used from
/// another device or network does not.
pub(super) fn client_fingerprint(client: &ClientInfo) -> String {
    let group = client
        .ip
        .as_deref()
        .map(group_of_recorded)
        .unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(client.user_agent.as_deref().unwrap_or_default().as_bytes());
    hash.update([0]);
    hash.update(group.as_bytes());
    hash.finalize()
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
