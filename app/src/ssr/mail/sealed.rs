//! Mail bodies at rest. A body waiting in `mail_outbox` may carry a live link (a reset, an undo),
//! so it is stored sealed: AES-256-GCM under a key derived from the token signing key, a fresh
//! random nonce per body. A copy of the database taken while mail waits (a backup, a replica, a
//! query that reads the table) then holds no working link, unless it also holds the key: in
//! `dev` and `test` without `JWT_SECRET` the key is kept in the same database, so copies of those
//! databases stay as sensitive as the key.

use crate::ssr::platform::keyed_hash::KeyedHash;
use crate::ssr::settings::Secret;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::Arc;

/// What a sealed body starts with; a body without it was stored in clear (queued before bodies
/// were sealed) and is read as it is.
const SEALED: &str = "sealed-v1:";

/// The key mail bodies are sealed with.
#[derive(Clone)]
pub struct BodyKey {
    key: Arc<LessSafeKey>,
}

impl BodyKey {
    pub fn new(signing_key: &Secret) -> Self {
        let bytes = KeyedHash::derive(signing_key, "mail outbox bodies v1").mac(&[b"aes-256-gcm"]);
        let key = UnboundKey::new(&AES_256_GCM, &bytes).unwrap_or_else(|_| {
            unreachable!("AES-256-GCM takes the 32 bytes an HMAC-SHA256 gives")
        });
        Self {
            key: Arc::new(LessSafeKey::new(key)),
        }
    }

    /// `body`, sealed for storage.
    pub fn seal(&self, body: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .unwrap_or_else(|_| unreachable!("the operating system's random source answers"));
        let mut sealed = body.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut sealed,
            )
            .unwrap_or_else(|_| unreachable!("a body is far below AES-GCM's length limit"));
        let mut stored = nonce.to_vec();
        stored.extend(sealed);
        format!("{SEALED}{}", URL_SAFE_NO_PAD.encode(stored))
    }

    /// The body `stored` holds: opened if sealed, as it is if stored in clear; `None` if it was
    /// sealed under another key or altered.
    pub fn open(&self, stored: &str) -> Option<String> {
        let Some(encoded) = stored.strip_prefix(SEALED) else {
            return Some(stored.to_owned());
        };
        let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let opened = self
            .key
            .open_in_place(nonce, Aad::empty(), &mut sealed)
            .ok()?;
        String::from_utf8(opened.to_vec()).ok()
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
