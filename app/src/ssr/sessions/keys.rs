//! Where each record lives: store ids are hashes of (namespace, kind of record, value), so the
//! store never holds a token itself and namespaces never overlap.

use crate::ssr::platform::digest::sha256_hex;
use sha2::{Digest, Sha256};
use tower_sessions::session::Id;

#[derive(Clone, Debug)]
pub(super) struct Keys {
    namespace: String,
}

impl Keys {
    pub fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
        }
    }

    pub fn refresh_id(&self, token: &str) -> Id {
        self.hashed_id("refresh", token)
    }

    pub fn family_id(&self, family: &str) -> Id {
        self.hashed_id("family", family)
    }

    pub fn epoch_id(&self, user_id: i64) -> Id {
        self.hashed_id("epoch", &user_id.to_string())
    }

    /// The coordination-store set of a user's logins (family ids).
    pub fn logins_key(&self, user_id: i64) -> String {
        format!("logins:{user_id}")
    }

    pub fn last_used_key(&self, family: &str) -> String {
        format!("last-used:{}", self.family_id(family))
    }

    /// The coordination-store key of the rotation claim on the refresh record `refresh_id`.
    pub fn claim_key(&self, refresh_id: Id) -> String {
        format!("claim:{refresh_id}")
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

/// How a login is named outside the server (devices list, audit log): the first 12 hex digits
/// of a hash of its family id. Tells logins apart; cannot be used to act as one.
pub fn public_handle(family: &str) -> String {
    let mut handle = sha256_hex(family);
    handle.truncate(12);
    handle
}
