//! A user's logins: whether one is still alive, when each was last used, and the devices list.

use crate::ssr::platform::coordination::StoreError;
use crate::ssr::sessions::records::{EpochRecord, FamilyRecord, LoginSummary};
use crate::ssr::sessions::RefreshSessions;

impl RefreshSessions {
    /// Whether `family` is a live login of `user_id` (known from its token): not signed out, not
    /// expired, not ended by a sign-out everywhere. The marker and the user's epoch are read at
    /// once, so the check waits for one store round trip, not two.
    pub async fn login_alive(&self, user_id: i64, family: &str) -> Result<bool, StoreError> {
        let (marker, stored_epoch) = tokio::try_join!(
            self.load::<FamilyRecord>(self.keys.family_id(family)),
            self.stored_epoch(user_id),
        )?;
        Ok(marker.is_some_and(|marker| {
            marker.user_id == user_id && marker.in_current_epoch(stored_epoch)
        }))
    }

    /// Records when a login was last used. Kept apart from the family marker so that writing it
    /// can never bring back a marker that a concurrent sign-out just deleted.
    pub(super) async fn touch(&self, family: &str, now: u64) -> Result<(), StoreError> {
        let key = self.keys.last_used_key(family);
        self.coordination
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
        for family in self.coordination.members(&index).await? {
            let marker = self
                .load::<FamilyRecord>(self.keys.family_id(&family))
                .await?
                .filter(|marker| marker.in_current_epoch(stored_epoch));
            let Some(marker) = marker else {
                self.coordination.remove_member(&index, &family).await?;
                continue;
            };
            let last_used_at = self
                .coordination
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

    /// The user's session epoch, if one is stored (none yet means epoch 0).
    pub(super) async fn stored_epoch(&self, user_id: i64) -> Result<Option<u64>, StoreError> {
        Ok(self
            .load::<EpochRecord>(self.keys.epoch_id(user_id))
            .await?
            .map(|record| record.epoch))
    }
}
