//! Authenticator codes (RFC 6238): SHA-1, 6 digits, 30-second steps, one step of skew either
//! way, which is what every authenticator app computes (some accept SHA-256 in the enrolment URL
//! and silently use SHA-1 anyway). The seed is 160 random bits, kept sealed under
//! `DATA_ENCRYPTION_KEY` and bound to its account.
//!
//! A code is accepted once: the row keeps the last time step a code was accepted for, and
//! accepting one moves it forward in a single conditional `UPDATE`, so of any number of
//! simultaneous uses of one code exactly one wins, and a code from before it is refused too.
//! Confirming the set-up records its step the same way, so the code shown while setting up
//! can never also sign in.

use crate::ssr::platform::sealing::DataKey;
use rand::RngCore;
use sqlx::{Any, AnyPool, Executor};
use totp_rs::{Algorithm, Builder, Totp};

/// Seconds per code.
pub const STEP_SECS: u64 = 30;
/// Bytes of seed: 160 bits, as RFC 4226 recommends.
const SEED_BYTES: usize = 20;
/// What sealed seeds are bound to, beside their account.
const SEALED_FOR: &str = "totp seed";

/// A fresh random seed.
pub fn new_seed() -> Vec<u8> {
    let mut seed = vec![0u8; SEED_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    seed
}

/// `seed` sealed for account `user_id`.
pub fn seal(key: &DataKey, user_id: i64, seed: &[u8]) -> String {
    key.seal(SEALED_FOR, user_id, seed)
}

/// The seed in `sealed`, if it opens for account `user_id` under `key`.
pub fn open(key: &DataKey, user_id: i64, sealed: &str) -> Option<Vec<u8>> {
    let seed = key.open(SEALED_FOR, user_id, sealed);
    if seed.is_none() {
        tracing::error!(
            user_id,
            "an authenticator seed does not open under DATA_ENCRYPTION_KEY (another key, or \
             altered): the account's authenticator counts as absent"
        );
    }
    seed
}

fn authenticator(seed: &[u8], issuer: &str, account: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(seed.to_vec())
        .with_issuer(Some(issuer))
        .with_account_name(account)
        .build()
        .ok()
}

/// Whether `code` (exactly six digits) is right for `seed` at `now` (Unix seconds), one step of
/// skew allowed either way; the step it matched.
pub fn matching_step(seed: &[u8], code: &str, now: u64) -> Option<u64> {
    if code.len() != 6 || !code.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    authenticator(seed, "check", "check")?.check(code, now)
}

/// The `otpauth://` URL an authenticator app reads from the QR code.
pub fn enrolment_url(seed: &[u8], issuer: &str, account: &str) -> Option<String> {
    authenticator(seed, issuer, account)?.to_url().ok()
}

/// The seed in base32, in groups of four, for typing into an app by hand.
pub fn typed_form(seed: &[u8]) -> String {
    let encoded = base32_of(seed);
    encoded
        .as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// RFC 4648 base32 without padding (a 20-byte seed is 32 characters exactly).
fn base32_of(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// An account's authenticator row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TotpRow {
    pub secret_sealed: String,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
}

pub async fn find(db: &AnyPool, user_id: i64) -> Result<Option<TotpRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT secret_sealed, confirmed_at, created_at FROM user_totp WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Starts setting up an authenticator with `sealed` (replacing one whose set-up was never
/// confirmed); `false` when the account already has a confirmed one.
pub async fn begin(
    db: &AnyPool,
    user_id: i64,
    sealed: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let written = sqlx::query(
        "INSERT INTO user_totp (user_id, secret_sealed, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret_sealed = $2, created_at = $3, \
         last_used_step = NULL WHERE user_totp.confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(now)
    .execute(db)
    .await?;
    Ok(written.rows_affected() == 1)
}

/// Confirms the set-up under way with a code of time step `step`, which it records as used;
/// `false` when no set-up is under way (already confirmed, or turned off meanwhile).
pub async fn confirm<'e>(
    executor: impl Executor<'e, Database = Any>,
    user_id: i64,
    step: u64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let confirmed = sqlx::query(
        "UPDATE user_totp SET confirmed_at = $2, last_used_step = $3 \
         WHERE user_id = $1 AND confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(now)
    .bind(step as i64)
    .execute(executor)
    .await?;
    Ok(confirmed.rows_affected() == 1)
}

/// Records that a code of time step `step` was accepted: `false` when one of this step or a
/// later one already was (the code is spent).
pub async fn accept_step(db: &AnyPool, user_id: i64, step: u64) -> Result<bool, sqlx::Error> {
    let accepted = sqlx::query(
        "UPDATE user_totp SET last_used_step = $2 WHERE user_id = $1 \
         AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)",
    )
    .bind(user_id)
    .bind(step as i64)
    .execute(db)
    .await?;
    Ok(accepted.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890".
    const RFC_SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // The RFC's 8-digit values; authenticator apps show their last six digits.
        for (time, eight_digits) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let totp = Builder::new()
                .with_digits(8)
                .with_skew(0)
                .with_secret(RFC_SEED.to_vec())
                .with_account_name("rfc")
                .build()
                .unwrap();
            assert_eq!(totp.generate(time).to_string(), eight_digits, "at {time}");
            let six = &eight_digits[2..];
            assert_eq!(matching_step(RFC_SEED, six, time), Some(time / STEP_SECS));
        }
    }

    #[test]
    fn one_step_of_skew_is_accepted_and_two_are_not() {
        let seed = new_seed();
        let now = 1_800_000_015;
        let code_at = |time: u64| {
            authenticator(&seed, "t", "t")
                .unwrap()
                .generate(time)
                .to_string()
        };
        let step = now / STEP_SECS;
        assert_eq!(matching_step(&seed, &code_at(now), now), Some(step));
        assert_eq!(
            matching_step(&seed, &code_at(now - 30), now),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(&seed, &code_at(now + 30), now),
            Some(step + 1)
        );
        assert_eq!(matching_step(&seed, &code_at(now - 60), now), None);
        assert_eq!(matching_step(&seed, &code_at(now + 60), now), None);
        for malformed in ["", "12345", "1234567", "12 456", "abcdef", "١٢٣٤٥٦"] {
            assert_eq!(matching_step(&seed, malformed, now), None, "{malformed:?}");
        }
    }

    #[test]
    fn the_typed_form_is_the_seed_in_base32_groups() {
        assert_eq!(
            typed_form(RFC_SEED),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let url = enrolment_url(RFC_SEED, "Acme", "a@example.com").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Acme:a%40example.com?"),
            "{url}"
        );
        assert!(
            url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{url}"
        );
        assert!(url.contains("issuer=Acme"), "{url}");
    }
}
