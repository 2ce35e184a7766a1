//! Sealing values at rest: AES-256-GCM (through `ring`), a fresh random 96-bit nonce per value,
//! the result base64url after a version prefix. The associated data binds a value to where it
//! belongs: opened with any other, it fails, so a sealed value copied to another row is useless.
//!
//! Two keys use it: [`DataKey`] (`DATA_ENCRYPTION_KEY`) for secrets a user depends on, such as
//! an authenticator's seed, and the mail outbox's body key (`crate::ssr::mail::sealed`).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::sync::Arc;

/// Bytes in a key.
pub const KEY_BYTES: usize = 32;

/// An AES-256-GCM key, and the prefix naming it on what it seals.
#[derive(Clone)]
pub struct Sealer {
    key: Arc<LessSafeKey>,
    prefix: &'static str,
}

impl Sealer {
    pub fn new(key: &[u8; KEY_BYTES], prefix: &'static str) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, key)
            .unwrap_or_else(|_| unreachable!("AES-256-GCM takes a 32-byte key"));
        Self {
            key: Arc::new(LessSafeKey::new(key)),
            prefix,
        }
    }

    /// Whether `stored` was sealed under this sealer's prefix (not necessarily by this key).
    pub fn is_sealed(&self, stored: &str) -> bool {
        stored.starts_with(self.prefix)
    }

    /// `value`, sealed for storage, bound to `context`.
    pub fn seal(&self, context: &[u8], value: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .unwrap_or_else(|_| unreachable!("the operating system's random source answers"));
        let mut sealed = value.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut sealed,
            )
            .unwrap_or_else(|_| unreachable!("our values are far below AES-GCM's length limit"));
        let mut stored = nonce.to_vec();
        stored.extend(sealed);
        format!("{}{}", self.prefix, URL_SAFE_NO_PAD.encode(stored))
    }

    /// What `stored` holds, if this key sealed it for `context` and nothing altered it.
    pub fn open(&self, context: &[u8], stored: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD
            .decode(stored.strip_prefix(self.prefix)?)
            .ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let opened = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut sealed)
            .ok()?;
        Some(opened.to_vec())
    }
}

/// `DATA_ENCRYPTION_KEY`: seals the secrets a user's sign-in depends on (an authenticator's
/// seed), each bound to its purpose and owner. Its own key, never derived from `JWT_SECRET`, so
/// rotating the signing key (as after a session-store restore) locks nobody out. Values carry
/// `v1:`: a later key version gets a prefix of its own, and values can be resealed from one to
/// the other.
#[derive(Clone)]
pub struct DataKey {
    sealer: Sealer,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// Why a `DATA_ENCRYPTION_KEY` value was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct BadDataKey;

impl fmt::Display for BadDataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "it must be {KEY_BYTES} random bytes in base64 (openssl rand -base64 {KEY_BYTES})"
        )
    }
}

impl DataKey {
    /// The key in `encoded`: 32 bytes in base64 (standard or URL-safe, padded or not).
    pub fn parse(encoded: &str) -> Result<Self, BadDataKey> {
        let encoded = encoded.trim();
        let bytes = STANDARD
            .decode(encoded)
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')))
            .map_err(|_| BadDataKey)?;
        let key: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| BadDataKey)?;
        if key.iter().all(|byte| *byte == key[0]) {
            return Err(BadDataKey);
        }
        Ok(Self::from_bytes(&key))
    }

    pub fn from_bytes(key: &[u8; KEY_BYTES]) -> Self {
        Self {
            sealer: Sealer::new(key, "v1:"),
        }
    }

    /// `value` sealed for `purpose` of account `owner`.
    pub fn seal(&self, purpose: &str, owner: i64, value: &[u8]) -> String {
        self.sealer.seal(&context(purpose, owner), value)
    }

    /// What `stored` holds for `purpose` of account `owner`; `None` if it was sealed under
    /// another key, for another purpose or account, or altered.
    pub fn open(&self, purpose: &str, owner: i64, stored: &str) -> Option<Vec<u8>> {
        self.sealer.open(&context(purpose, owner), stored)
    }
}

fn context(purpose: &str, owner: i64) -> Vec<u8> {
    format!("{purpose}|{owner}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

    #[test]
    fn a_sealed_value_opens_only_for_its_purpose_and_owner_under_its_key() {
        let key = DataKey::parse(KEY).unwrap();
        let sealed = key.seal("totp", 7, b"seed bytes");
        assert!(sealed.starts_with("v1:"));
        assert_ne!(sealed, key.seal("totp", 7, b"seed bytes"), "a fresh nonce");
        assert_eq!(
            key.open("totp", 7, &sealed).as_deref(),
            Some(&b"seed bytes"[..])
        );
        assert_eq!(
            key.open("totp", 8, &sealed),
            None,
            "moved to another account"
        );
        assert_eq!(key.open("other", 7, &sealed), None, "another purpose");
        let other = DataKey::from_bytes(&[9; KEY_BYTES]);
        assert_eq!(other.open("totp", 7, &sealed), None, "another key");
        let mut altered = sealed.clone();
        altered.pop();
        assert_eq!(key.open("totp", 7, &altered), None);
        assert_eq!(key.open("totp", 7, "v1:!!"), None);
        assert_eq!(
            key.open("totp", 7, "seed bytes"),
            None,
            "never stored in clear"
        );
    }

    #[test]
    fn only_thirty_two_random_looking_bytes_make_a_key() {
        assert!(DataKey::parse(KEY).is_ok());
        assert!(DataKey::parse(KEY.trim_end_matches('=')).is_ok());
        assert!(DataKey::parse(
            &URL_SAFE_NO_PAD.encode([0xfb; 31].iter().chain(&[1]).copied().collect::<Vec<_>>())
        )
        .is_ok());
        for bad in [
            "",
            "short",
            &STANDARD.encode([1u8; 31]),
            &STANDARD.encode([1u8; 33]),
            &STANDARD.encode([0u8; 32]),
        ] {
            assert_eq!(DataKey::parse(bad).err(), Some(BadDataKey), "{bad:?}");
        }
    }
}
