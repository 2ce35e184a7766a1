//! Ending logins: one (sign-out, a device removed), all but one, or all of a user's (sign out
//! everywhere, password change, erasure), and announcing each to every instance's page guards.

use crate::auth::Role;
use crate::ssr::platform::clock::{now_micros, unix_now};
use crate::ssr::platform::coordination::StoreError;
use crate::ssr::sessions::records::{EpochRecord, RefreshRecord};
use crate::ssr::sessions::revocation_feed::Revocation;
use crate::ssr::sessions::RefreshSessions;

/// A login ended by its refresh token: which one, and whose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndedLogin {
    pub family: String,
    pub user_id: i64,
}

impl RefreshSessions {
    /// Ends the login that `token` belongs to. Unknown tokens are ignored (already signed out).
    /// Returns the login it ended.
    pub async fn end(&self, token: &str) -> Result<Option<EndedLogin>, StoreError> {
        let id = self.keys.refresh_id(token);
        let ended = self
            .load::<RefreshRecord>(id)
            .await?
            .map(|record| EndedLogin {
                family: record.family,
                user_id: record.user_id,
            });
        if let Some(ended) = &ended {
            self.revoke_family(&ended.family).await?;
        }
        self.store.delete(&id).await?;
        Ok(ended)
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

    /// Ends every login of `user_id`, on every device, including those whose password check is
    /// under way. Returns the new cutoff: a login started for the same user with it as its
    /// check time (a password change signing this device in again) is live.
    pub async fn revoke_all(&self, user_id: i64) -> Result<u64, StoreError> {
        let stored_epoch = self.stored_epoch(user_id).await?;
        // Never backwards, should this instance's clock be behind the one that wrote it.
        let next = EpochRecord {
            epoch: stored_epoch.unwrap_or_default().max(now_micros() + 1),
        };
        let expiry = unix_now() + self.lifetimes.absolute.as_secs();
        self.put(
            self.keys.epoch_id(user_id),
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
        .await?;
        Ok(next.epoch)
    }

    /// Forgets every login of `user_id` for good (account erasure): the login markers, with the
    /// device details they describe (address, browser), and the last-use times go now rather
    /// than when they would expire. Call after [`Self::revoke_all`], which ends the logins.
    pub async fn forget_logins(&self, user_id: i64) -> Result<(), StoreError> {
        let index = self.keys.logins_key(user_id);
        for family in self.coordination.members(&index).await? {
            self.store.delete(&self.keys.family_id(&family)).await?;
            self.coordination
                .delete(&self.keys.last_used_key(&family))
                .await?;
            self.coordination.remove_member(&index, &family).await?;
        }
        Ok(())
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

    /// Tells page guards, here at once and on every instance through the feed.
    async fn announce(&self, revocation: Revocation) -> Result<(), StoreError> {
        self.revoked.apply(revocation.clone());
        let entry = serde_json::to_string(&revocation).map_err(StoreError::new)?;
        self.coordination
            .publish(&entry, self.access_lifetime)
            .await
    }

    /// Until when a revocation matters: every access token issued before it has expired by then.
    fn revocation_horizon(&self) -> u64 {
        unix_now() + self.access_lifetime.as_secs() + 1
    }
}
