//! Known devices: a browser where an account signed in before carries a signed cookie saying
//! so, and its sign-ins are throttled on their own, apart from everyone else's guesses at the
//! account. A guesser can then block the account for strangers, never for its owner's own
//! devices (OWASP's "device cookies").
//!
//! The cookie holds a random device id, when it was issued and a MAC over both, the account (a
//! hash of its email) and the account's password as it was then (a hash of its stored hash),
//! under a key derived from the token signing key. It is worth nothing on another account,
//! cannot be forged, and is useless to a thief who lacks the password: it only changes which
//! counter a guess is taken from, and a known device that guesses wrong is blocked by its own
//! counter like anyone else. A new password ends every device's standing: a browser that signed
//! in with a stolen password keeps no budget of its own for guessing the new one.

use crate::ssr::input::Email;
use crate::ssr::platform::clock::unix_now;
use crate::ssr::platform::keyed_hash::KeyedHash;
use crate::ssr::platform::random::random_token;
use crate::ssr::settings::Secret;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long a device stays known after its last sign-in.
pub const KNOWN_DEVICE_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

#[derive(Clone)]
pub struct KnownDevices {
    macs: KeyedHash,
}

impl KnownDevices {
    pub fn new(signing_key: &Secret) -> Self {
        Self {
            macs: KeyedHash::derive(signing_key, "known-device cookie key v1"),
        }
    }

    /// A cookie value naming this browser as a known device of the account at `email` whose
    /// stored password hash is `credential`; `device` is kept when the browser already had one,
    /// so its id stays stable.
    pub fn issue(&self, email: &Email, credential: &str, device: Option<&str>) -> String {
        let device = device.map_or_else(random_token, str::to_owned);
        let issued_at = unix_now().to_string();
        let mac = self
            .macs
            .mac(&covered(email, credential, &device, &issued_at));
        format!("{device}.{issued_at}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// The device id in `cookie`, if it is one this server issued for `email`'s account while
    /// its password hash was `credential`, and it has not lapsed.
    pub fn verify(&self, cookie: &str, email: &Email, credential: &str) -> Option<String> {
        let mut parts = cookie.splitn(3, '.');
        let (device, issued_at, mac) = (parts.next()?, parts.next()?, parts.next()?);
        let issued: u64 = issued_at.parse().ok()?;
        if issued.saturating_add(KNOWN_DEVICE_LIFETIME.as_secs()) <= unix_now() {
            return None;
        }
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        self.macs
            .verify(&covered(email, credential, device, issued_at), &mac)
            .then(|| device.to_owned())
    }
}

/// What the MAC covers: the account (a hash of its email), its password (a hash of the stored
/// hash), the device id and the issue time.
fn covered(email: &Email, credential: &str, device: &str, issued_at: &str) -> [Vec<u8>; 4] {
    [
        Sha256::digest(email.as_str().as_bytes()).to_vec(),
        Sha256::digest(credential.as_bytes()).to_vec(),
        device.as_bytes().to_vec(),
        issued_at.as_bytes().to_vec(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devices(key: &str) -> KnownDevices {
        KnownDevices::new(&Secret::new(key))
    }

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    /// A stored password hash, as the cookie is bound to it.
    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

    #[test]
    fn a_cookie_is_good_for_its_own_account_only_and_cannot_be_altered() {
        let known = devices("a key that is long enough for the test of this");
        let ada = email("ada@example.com");
        let cookie = known.issue(&ada, HASH, None);
        let device = known.verify(&cookie, &ada, HASH).expect("accepted");
        assert_eq!(
            known.verify(&known.issue(&ada, HASH, Some(&device)), &ada, HASH),
            Some(device.clone())
        );

        assert_eq!(known.verify(&cookie, &email("bob@example.com"), HASH), None);
        let other_key = devices("another key that is long enough for the test");
        assert_eq!(other_key.verify(&cookie, &ada, HASH), None);
        let (_, rest) = cookie.split_once('.').unwrap();
        assert_eq!(
            known.verify(&format!("{}.{rest}", random_token()), &ada, HASH),
            None
        );
        for garbage in [
            "",
            ".",
            "..",
            "a.b.c",
            "x.1.zz",
            &cookie[..cookie.len() - 1],
        ] {
            assert_eq!(known.verify(garbage, &ada, HASH), None, "{garbage:?}");
        }
    }

    #[test]
    fn a_new_password_ends_every_devices_standing() {
        let known = devices("a key that is long enough for the test of this");
        let ada = email("ada@example.com");
        let cookie = known.issue(&ada, HASH, None);
        let changed = HASH.replace("aGFzaA", "bmV3aA");
        assert_eq!(known.verify(&cookie, &ada, &changed), None);
    }

    #[test]
    fn a_cookie_lapses_after_its_lifetime() {
        let known = devices("a key that is long enough for the test of this");
        let ada = email("ada@example.com");
        let issued_at = (unix_now() - KNOWN_DEVICE_LIFETIME.as_secs()).to_string();
        let lapsed = format!(
            "dev.{issued_at}.{}",
            URL_SAFE_NO_PAD.encode(known.macs.mac(&covered(&ada, HASH, "dev", &issued_at)))
        );
        assert_eq!(known.verify(&lapsed, &ada, HASH), None);
        let recent = (unix_now() - 60).to_string();
        let fresh = format!(
            "dev.{recent}.{}",
            URL_SAFE_NO_PAD.encode(known.macs.mac(&covered(&ada, HASH, "dev", &recent)))
        );
        assert_eq!(known.verify(&fresh, &ada, HASH).as_deref(), Some("dev"));
    }
}
