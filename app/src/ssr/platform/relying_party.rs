//! The passkey relying party: which site passkeys are made for (`WEBAUTHN_RP_ID`) and which
//! origins may use them, and the verifier built from it. A passkey is bound to the RP id for
//! good, so it is a setting, never a request's `Host`.

use crate::ssr::platform::keyed_hash::KeyedHash;
use crate::ssr::settings::{RelyingParty, Secret};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use std::sync::Arc;
use webauthn_rs::fake::{FakePasskeyDistribution, WebauthnFakeCredentialGenerator};
use webauthn_rs::prelude::CredentialID;
use webauthn_rs::{Webauthn, WebauthnBuilder};

impl RelyingParty {
    /// The WebAuthn verifier for this party; an error says what is wrong with the settings (an
    /// RP id that is an IP address, or not the origin's host or a suffix of it).
    pub fn verifier(&self) -> Result<Webauthn, String> {
        let Some((first, extra)) = self.origins.split_first() else {
            return Err("no origin to accept passkeys from".into());
        };
        if self.id.parse::<std::net::IpAddr>().is_ok() {
            return Err(format!(
                "{:?} is an IP address; browsers make passkeys only for a domain name",
                self.id
            ));
        }
        for origin in &self.origins {
            let host = origin.domain().unwrap_or_default();
            if host != self.id && !host.ends_with(&format!(".{}", self.id)) {
                return Err(format!(
                    "the origin {origin} is not on {:?} or a subdomain of it",
                    self.id
                ));
            }
        }
        let mut builder = WebauthnBuilder::new(&self.id, first)
            .map_err(|error| error.to_string())?
            .rp_name(&self.name)
            .allow_any_port(self.any_port);
        for origin in extra {
            builder = builder.append_allowed_origin(origin);
        }
        builder.build().map_err(|error| error.to_string())
    }
}

/// The verifier, and the stand-in credential ids offered for addresses without passkeys.
pub struct Passkeys {
    pub webauthn: Webauthn,
    decoys: WebauthnFakeCredentialGenerator<FakePasskeyDistribution>,
}

impl Passkeys {
    /// The passkeys `party` (`None`: passkeys are off) calls for, their stand-in ids keyed by a
    /// key derived from the signing key; an error says what is wrong with the party.
    pub fn for_party(
        party: Option<&RelyingParty>,
        signing_key: &Secret,
    ) -> Result<Option<Arc<Passkeys>>, String> {
        let Some(party) = party else { return Ok(None) };
        let keys = KeyedHash::derive(signing_key, "passkey stand-in ids v1");
        Passkeys::new(party, &keys).map(|passkeys| Some(Arc::new(passkeys)))
    }

    /// Passkeys for `party`; the stand-ins derive from `keys` (a key of their own), so they are
    /// the same for an address on every instance and after restarts.
    pub fn new(party: &RelyingParty, keys: &KeyedHash) -> Result<Passkeys, String> {
        let decoy_key = keys.mac(&[b"webauthn stand-in credential ids"]);
        Ok(Passkeys {
            webauthn: party.verifier()?,
            decoys: WebauthnFakeCredentialGenerator::new(&decoy_key)
                .map_err(|error| error.to_string())?,
        })
    }

    /// The credential ids to offer for the account at `email`: its passkeys' (`credential_ids`,
    /// URL-safe base64), or, for an address without an account or without passkeys, ids derived from the address (as many,
    /// and as long, as real accounts' tend to be), the same each time, so the answer does not
    /// tell which.
    pub fn offered_for(&self, credential_ids: &[String], email: &str) -> Vec<CredentialID> {
        let ids: Vec<CredentialID> = credential_ids
            .iter()
            .filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok())
            .collect();
        if !ids.is_empty() {
            return ids;
        }
        self.decoys.generate(email.as_bytes()).unwrap_or_default()
    }
}
