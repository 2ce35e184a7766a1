//! SHA-256 in lowercase hex: how the stores and tables name a secret (a token, a device id)
//! without holding it.

use sha2::{Digest, Sha256};

pub fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
