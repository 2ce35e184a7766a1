//! Mail bodies at rest. A body waiting in `mail_outbox` may carry a live link (a reset, an undo),
//! so it is stored sealed: AES-256-GCM under a key derived from the token signing key, a fresh
//! random nonce per body. A copy of the database taken while mail waits (a backup, a replica, a
//! query that reads the table) then holds no working link, unless it also holds the key: in
//! `dev` and `test` without `JWT_SECRET` the key is kept in the same database, so copies of those
//! databases stay as sensitive as the key.

use crate::ssr::platform::keyed_hash::KeyedHash;
use crate::ssr::platform::sealing::Sealer;
use crate::ssr::settings::Secret;

/// What a sealed body starts with; a body without it was stored in clear (queued before bodies
/// were sealed) and is read as it is.
const SEALED: &str = "sealed-v1:";

/// The key mail bodies are sealed with.
#[derive(Clone)]
pub struct BodyKey {
    sealer: Sealer,
}

impl BodyKey {
    pub fn new(signing_key: &Secret) -> Self {
        let key = KeyedHash::derive(signing_key, "mail outbox bodies v1").mac(&[b"aes-256-gcm"]);
        Self {
            sealer: Sealer::new(&key, SEALED),
        }
    }

    /// `body`, sealed for storage.
    pub fn seal(&self, body: &str) -> String {
        self.sealer.seal(&[], body.as_bytes())
    }

    /// The body `stored` holds: opened if sealed, as it is if stored in clear; `None` if it was
    /// sealed under another key or altered.
    pub fn open(&self, stored: &str) -> Option<String> {
        if !self.sealer.is_sealed(stored) {
            return Some(stored.to_owned());
        }
        String::from_utf8(self.sealer.open(&[], stored)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> BodyKey {
        BodyKey::new(&Secret::new(secret))
    }

    #[test]
    fn a_sealed_body_opens_under_its_key_only_and_shows_nothing_of_itself() {
        let body = "Open https://app.example/reset-password?token=abc to reset.";
        let ours = key("a signing key that is long enough for this test");
        let sealed = ours.seal(body);
        assert!(sealed.starts_with(SEALED));
        assert!(!sealed.contains("token") && !sealed.contains("reset"));
        assert_ne!(sealed, ours.seal(body), "a fresh nonce each time");
        assert_eq!(ours.open(&sealed).as_deref(), Some(body));
        let theirs = key("another signing key that is long enough too");
        assert_eq!(theirs.open(&sealed), None);
        let mut altered = sealed.clone();
        altered.pop();
        assert_eq!(ours.open(&altered), None);
        assert_eq!(ours.open(&format!("{SEALED}!!")), None);
    }

    #[test]
    fn a_body_stored_in_clear_reads_as_it_is() {
        let ours = key("a signing key that is long enough for this test");
        assert_eq!(ours.open("plain text").as_deref(), Some("plain text"));
        assert_eq!(ours.open("").as_deref(), Some(""));
    }
}
