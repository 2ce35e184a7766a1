//! Refresh sessions, kept in a `tower-sessions` store (a database table by default, Redis in
//! production).
//!
//! The browser holds a random 256-bit refresh token; the store only ever sees a hash of it, so a
//! leaked store dump cannot be replayed as cookies. Each login starts a *family*: a record that
//! lives as long as the login may, and whose deletion revokes every token of that login. Each
//! refresh replaces the family's current refresh record with a new one (rotation).
//!
//! Rotation is decided by a *claim* on the old token, taken atomically in the coordination store
//! ([`CoordinationStore::insert_if_absent`]): of any number of simultaneous refreshes, on any
//! number of instances, exactly one successor wins. The claim keeps the successor sealed under a
//! key only the old token can derive, so within the grace window a retry with the old token
//! (another tab, a lost response) gets the *same* successor. Presenting the old token after the
//! window, or any older token at any time, means the token was copied: the whole login is
//! revoked.
//!
//! The stories live apart: [`rotation`] (refresh and reuse detection), [`revocation`] (ending
//! logins), [`logins`] (is a login alive, the devices list); [`records`] says what is stored,
//! [`store`] how, and [`keys`] under which ids. [`refresh`] is the transparent refresh a page
//! request gets, and [`revocation_feed`] how every instance learns of revoked logins at once.

mod keys;
mod logins;
mod records;
pub mod refresh;
mod revocation;
pub mod revocation_feed;
mod rotation;
mod seal;
mod store;

pub use keys::public_handle;
pub use records::{
    ClientInfo, IssuedRefresh, LoginSummary, RefreshRecord, Rotation, RotationOutcome,
    SessionLifetimes,
};
pub use revocation::EndedLogin;

use crate::auth::assurance::Authentication;
use crate::auth::Viewer;
use crate::ssr::platform::clock::unix_now;
use crate::ssr::platform::coordination::{CoordinationStore, StoreError};
use crate::ssr::platform::random::random_token;
use crate::ssr::sessions::revocation_feed::RevocationSet;
use keys::Keys;
use records::FamilyRecord;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session_store::SessionStore;

#[derive(Clone)]
pub struct RefreshSessions {
    store: Arc<dyn SessionStore>,
    coordination: Arc<dyn CoordinationStore>,
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
        coordination: Arc<dyn CoordinationStore>,
        lifetimes: SessionLifetimes,
        access_lifetime: Duration,
        namespace: &str,
    ) -> Self {
        Self {
            store,
            coordination,
            revoked: Arc::new(RevocationSet::default()),
            lifetimes,
            access_lifetime,
            keys: Keys::new(namespace),
        }
    }

    /// Revoked access tokens, as this instance knows them (see [`revocation_feed`]).
    pub fn revoked(&self) -> &Arc<RevocationSet> {
        &self.revoked
    }

    pub fn coordination(&self) -> &Arc<dyn CoordinationStore> {
        &self.coordination
    }

    /// Starts a new login (family) for `viewer`, whose password check began at `checked_from`
    /// (Unix µs, [`crate::ssr::platform::clock::now_micros`] taken before the user's row was read): a
    /// sign-out everywhere after that moment ends this login too, even if it lands while the
    /// password is still being hashed. `authentication` says how the holder proved who they are,
    /// `second_factor` whether the account has a second factor.
    pub async fn start(
        &self,
        viewer: &Viewer,
        client: ClientInfo,
        checked_from: u64,
        authentication: Authentication,
        second_factor: bool,
    ) -> Result<IssuedRefresh, StoreError> {
        let now = unix_now();
        let family = random_token();
        let absolute_expiry = now + self.lifetimes.absolute.as_secs();
        let epoch = checked_from;
        let marker = FamilyRecord {
            user_id: viewer.user_id,
            epoch,
            started_at: now,
            client,
        };
        self.create(self.keys.family_id(&family), &marker, absolute_expiry)
            .await?;
        self.coordination
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
            authentication: Some(authentication),
            second_factor,
        };
        self.issue(record).await
    }
}
