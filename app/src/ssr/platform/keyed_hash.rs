//! Keyed hashes (HMAC-SHA256), each under its own key derived from the token signing key: MACs
//! that only this server can make, and names that stand for a person (an email in a throttle
//! key) without being reversible by whoever reads the store but lacks the key.

use crate::ssr::settings::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct KeyedHash {
    key: Vec<u8>,
}

impl KeyedHash {
    /// The key for `purpose`, derived from `signing_key`: a MAC made for one purpose never
    /// passes for another's, nor for a token signature.
    pub fn derive(signing_key: &Secret, purpose: &str) -> Self {
        let mut derive = new_mac(signing_key.expose().as_bytes());
        derive.update(purpose.as_bytes());
        Self {
            key: derive.finalize().into_bytes().to_vec(),
        }
    }

    /// The MAC of `parts`, each length-prefixed so that no two lists of parts read the same.
    pub fn mac(&self, parts: &[impl AsRef<[u8]>]) -> [u8; 32] {
        self.fed(parts).finalize().into_bytes().into()
    }

    /// Whether `tag` is the MAC of `parts`, compared in constant time.
    pub fn verify(&self, parts: &[impl AsRef<[u8]>], tag: &[u8]) -> bool {
        self.fed(parts).verify_slice(tag).is_ok()
    }

    fn fed(&self, parts: &[impl AsRef<[u8]>]) -> HmacSha256 {
        let mut mac = new_mac(&self.key);
        for part in parts {
            let part = part.as_ref();
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_part_boundaries_give_different_macs() {
        let secret = Secret::new("a signing key that is long enough for this test");
        let one = KeyedHash::derive(&secret, "one purpose");
        let other = KeyedHash::derive(&secret, "another purpose");
        let tag = one.mac(&["ab", "c"]);
        assert!(one.verify(&["ab", "c"], &tag));
        assert!(!other.verify(&["ab", "c"], &tag));
        assert!(!one.verify(&["a", "bc"], &tag));
        assert!(!one.verify(&["ab", "c"], &tag[..31]));
    }
}
