//! The successor a rotation picked, sealed inside the claim on the old token, so only a holder
//! of the old token can read it back within the grace window.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

/// Seals `successor` under a one-time key derived from `token` (each token is rotated once, so
/// each key seals exactly one value).
pub fn seal(token: &str, successor: &str) -> String {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(successor) else {
        return String::new();
    };
    URL_SAFE_NO_PAD.encode(xor_with_key(token, &bytes))
}

pub fn unseal(token: &str, sealed: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    (bytes.len() == 32).then(|| URL_SAFE_NO_PAD.encode(xor_with_key(token, &bytes)))
}

fn xor_with_key(token: &str, bytes: &[u8]) -> Vec<u8> {
    let key = Sha256::new()
        .chain_update(b"successor-seal")
        .chain_update([0u8])
        .chain_update(token.as_bytes())
        .finalize();
    bytes
        .iter()
        .zip(key.iter())
        .map(|(byte, key)| byte ^ key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::platform::random::random_token;

    #[test]
    fn a_sealed_successor_opens_only_with_the_token_that_sealed_it() {
        let (token, successor) = (random_token(), random_token());
        let sealed = seal(&token, &successor);
        assert_ne!(sealed, successor);
        assert_eq!(unseal(&token, &sealed).as_deref(), Some(successor.as_str()));
        assert_ne!(
            unseal(&random_token(), &sealed).as_deref(),
            Some(successor.as_str())
        );
    }
}
