//! What the session store keeps, and what the session operations hand back.

use crate::auth::assurance::Authentication;
use crate::auth::{Role, Viewer};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A value kept in a session record under its own key, so a load can never pair a record
/// with the wrong type.
pub(super) trait Stored: Serialize + DeserializeOwned {
    const KEY: &'static str;
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
    /// When the login's password check began, Unix µs (carried into access tokens): compared
    /// with the user's sign-out cutoff ([`EpochRecord`]).
    #[serde(default)]
    pub epoch: u64,
    /// 0 for the login itself, +1 per rotation.
    pub generation: u32,
    /// Unix seconds.
    pub started_at: u64,
    pub last_used_at: u64,
    /// When the whole login ends, however active it is (unix seconds). The device details are
    /// kept once per login, in its marker ([`FamilyRecord`]), where erasure can find them.
    pub absolute_expiry: u64,
    /// The login's last interactive authentication, carried through every rotation; see
    /// [`Self::authentication`] for records written before it was kept.
    #[serde(default)]
    pub authentication: Option<Authentication>,
    /// The account has a second factor (as of the last rotation, which reads the account).
    #[serde(default)]
    pub second_factor: bool,
}

impl Stored for RefreshRecord {
    const KEY: &'static str = "refresh";
}

impl RefreshRecord {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: self.user_id,
            role: self.role,
        }
    }

    /// The login's last interactive authentication; for a record from before it was kept, the
    /// password sign-in that started the login (one factor, at its start).
    pub fn authentication(&self) -> Authentication {
        self.authentication
            .clone()
            .unwrap_or_else(|| Authentication::password(self.started_at))
    }
}

/// The claim a rotation leaves on the old token: which successor won, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// The successor's token, XOR-sealed with a key derived from this record's own token.
    pub sealed_successor: String,
    /// Unix seconds.
    pub at: u64,
    /// Who rotated it ([`crate::ssr::sessions::rotation::client_fingerprint`]): only the same browser may be
    /// handed the successor within the grace window.
    #[serde(default)]
    pub client: String,
}

/// The family marker: present while the login is alive. It also describes the login for the
/// user's devices list (when it was used last is kept apart, see `RefreshSessions::touch`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct FamilyRecord {
    pub user_id: i64,
    /// When this login's password check began, Unix µs (see [`EpochRecord`]).
    pub epoch: u64,
    #[serde(default)]
    pub started_at: u64,
    #[serde(default)]
    pub client: ClientInfo,
}

impl Stored for FamilyRecord {
    const KEY: &'static str = "family";
}

impl FamilyRecord {
    /// Whether the login's password check began at or after the user's cutoff
    /// (`stored_epoch`; none stored is 0), i.e. no sign-out everywhere has happened since.
    pub fn in_current_epoch(&self, stored_epoch: Option<u64>) -> bool {
        self.epoch >= stored_epoch.unwrap_or_default()
    }
}

/// A user's session epoch: the cutoff (Unix µs) that "sign out everywhere" moves to its own
/// time, ending every login whose password check began before it. A point in time rather than
/// a counter, so starting a login never has to write it: a login racing a sign-out can neither
/// overwrite the cutoff nor, having proved the password before it, survive it.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub(super) struct EpochRecord {
    pub epoch: u64,
}

impl Stored for EpochRecord {
    const KEY: &'static str = "epoch";
}

/// One of a user's logins, as their devices list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginSummary {
    pub family: String,
    pub started_at: u64,
    pub last_used_at: u64,
    pub client: ClientInfo,
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
    /// A newly issued successor.
    Rotated(IssuedRefresh),
    /// The successor already issued, handed again within the grace window to the browser that
    /// rotated the token (a tab that lost the race, or a retried request).
    GraceReplay(IssuedRefresh),
    /// Unknown, lapsed or signed out: the browser is signed out.
    Refused,
    /// A rotated-out token came back too late, or from too far back: it was copied. The whole
    /// login has been revoked.
    Reused { user_id: i64, family: String },
}
