//! The relying party: which site passkeys are made for (`WEBAUTHN_RP_ID`) and which origins may
//! use them. A passkey is bound to the RP id for good, so it is a setting, never a request's
//! `Host`.

use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

/// The passkey settings (`PASSKEYS`, `WEBAUTHN_RP_ID`, `WEBAUTHN_RP_NAME`,
/// `WEBAUTHN_EXTRA_ORIGINS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingParty {
    /// The registrable domain passkeys are scoped to: the site's host or a suffix of it.
    pub id: String,
    /// The name an authenticator shows beside the account.
    pub name: String,
    /// Origins whose pages may use the passkeys: the site's, then any extra ones.
    pub origins: Vec<Url>,
    /// Any port of those origins (`dev` and `test` only, whose servers pick free ports).
    pub any_port: bool,
}

impl RelyingParty {
    /// `dev` and `test`: `localhost`, on any port.
    pub fn local(name: &str) -> RelyingParty {
        RelyingParty {
            id: "localhost".to_owned(),
            name: name.to_owned(),
            origins: vec![Url::parse("http://localhost").expect("a valid literal URL")],
            any_port: true,
        }
    }

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
