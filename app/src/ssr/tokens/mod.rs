//! Access tokens: short-lived HS256 JWTs that carry the user id, role and session family, and
//! nothing personal. Verification is strict and does no I/O. [`cookies`] carries them, and the
//! refresh token, to and from the browser.

pub mod cookies;

use crate::auth::assurance::{Authentication, Level};
use crate::auth::{Role, Viewer};
use crate::ssr::platform::clock::unix_now;
use crate::ssr::platform::random::random_token;
use crate::ssr::settings::{Secret, Settings};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Longer than any token we issue; anything bigger is refused before it is parsed.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// The JWT `typ` header of our access tokens (RFC 9068), so no other JWT can pass for one.
const ACCESS_TYP: &str = "at+jwt";
/// Our own token-kind claim, checked as well: belt and braces against token confusion.
const ACCESS_KIND: &str = "access";
/// Clock skew tolerated between instances, in seconds (jsonwebtoken's default of 60 is too lax).
const LEEWAY_SECS: u64 = 5;
/// [`LEEWAY_SECS`] as a duration: how long past `exp` a token may still be accepted.
pub const ACCESS_LEEWAY: Duration = Duration::from_secs(LEEWAY_SECS);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    pub role: Role,
    /// The session family (one per login); revoking it ends every token of that login.
    pub sid: String,
    /// When the login's password check began (Unix µs): "sign out everywhere" sets a cutoff
    /// and so revokes every token below it.
    #[serde(default)]
    pub sep: u64,
    /// How and when the login's holder last proved who they are (`auth_time`, `amr`, `acr`):
    /// what a step-up checks.
    #[serde(flatten)]
    pub auth: Authentication,
    /// The account has a second factor: a step-up then also asks for `acr` `aal2`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mfa: bool,
    /// The account's role requires a second factor it does not have yet (`MFA_REQUIRED_ROLES`):
    /// this login may only set one up.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enrol: bool,
    pub kind: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
}

impl AccessClaims {
    pub fn viewer(&self) -> Option<Viewer> {
        Some(Viewer {
            user_id: self.sub.parse().ok()?,
            role: self.role,
        })
    }

    /// Whether the holder proved who they are within `max_age`, with both factors when the
    /// account has two: what a step-up asks.
    pub fn authenticated_within(&self, max_age: Duration) -> bool {
        self.auth.is_fresh(unix_now(), max_age.as_secs())
            && (!self.mfa || self.auth.acr >= Level::Aal2)
    }
}

/// Why a token was refused. Callers treat all of these alike (not signed in); the kinds exist
/// for logs and tests.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token too large")]
    TooLarge,
    #[error("token expired")]
    Expired,
    #[error("token invalid")]
    Invalid,
}

pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
    mfa_required_roles: Vec<Role>,
}

impl TokenIssuer {
    /// An issuer signing and verifying with `secret` (HS256), under the settings' lifetime,
    /// issuer and audience.
    ///
    /// Panics on an empty secret: start-up refuses any signing key under 32 bytes
    /// (`server::config::secrets`) before an issuer is made, and an empty HMAC key would sign
    /// tokens anyone could forge.
    pub fn new(settings: &Settings, secret: &Secret) -> Self {
        let secret = secret.expose().as_bytes();
        assert!(!secret.is_empty(), "the signing key is checked at start-up");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl: settings.access_ttl,
            mfa_required_roles: settings.mfa_required_roles.clone(),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues an access token for `viewer` within session family `family`, started in session
    /// epoch `epoch` and last authenticated as `auth` says, for an account with a second factor
    /// or not (`mfa`); returns the token and its claims.
    pub fn issue(
        &self,
        viewer: &Viewer,
        family: &str,
        epoch: u64,
        auth: &Authentication,
        mfa: bool,
    ) -> (String, AccessClaims) {
        let now = unix_now();
        let claims = AccessClaims {
            sub: viewer.user_id.to_string(),
            role: viewer.role,
            sid: family.to_owned(),
            sep: epoch,
            auth: auth.clone(),
            mfa,
            enrol: !mfa && self.mfa_required_roles.contains(&viewer.role),
            kind: ACCESS_KIND.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs(),
            jti: random_token(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TYP.to_owned());
        // Cannot fail: the claims are plain strings and numbers (serialisation cannot fail), the
        // key was made from a secret for this very algorithm (no family mismatch), and HMAC
        // accepts keys of any length.
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail");
        (token, claims)
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        if data.header.typ.as_deref() != Some(ACCESS_TYP) || data.claims.kind != ACCESS_KIND {
            return Err(TokenError::Invalid);
        }
        if data.claims.iat > unix_now() + LEEWAY_SECS {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::settings::AppEnv;
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(
            &Settings::for_env(AppEnv::Test),
            &Secret::new("a-test-secret-that-is-long-enough-for-hs256"),
        )
    }

    fn viewer() -> Viewer {
        Viewer {
            user_id: 7,
            role: Role::User,
        }
    }

    #[test]
    fn a_fresh_token_verifies_and_carries_no_personal_data() {
        let tokens = issuer();
        let (token, _) = tokens.issue(
            &viewer(),
            "family-1",
            0,
            &Authentication::password(9),
            false,
        );
        let claims = tokens.verify(&token).expect("valid");
        assert_eq!(claims.viewer(), Some(viewer()));
        assert_eq!(claims.sid, "family-1");
        assert_eq!(claims.auth, Authentication::password(9));
        let payload = token.split('.').nth(1).unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert!(!json.contains('@'), "no email in the token: {json}");
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = TokenIssuer::new(
            &Settings::for_env(AppEnv::Test),
            &Secret::new("another-secret-that-is-long-enough-for-hs256"),
        );
        let (token, _) = other.issue(&viewer(), "f", 0, &Authentication::default(), false);
        assert_eq!(issuer().verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let tokens = issuer();
        let (token, _) = tokens.issue(&viewer(), "f", 0, &Authentication::default(), false);
        let payload = token.split('.').nth(1).unwrap();
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
        assert_eq!(
            tokens.verify(&format!("{header}.{payload}.")),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn oversized_and_garbage_tokens_are_refused_without_panicking() {
        let tokens = issuer();
        assert_eq!(
            tokens.verify(&"a".repeat(MAX_TOKEN_BYTES + 1)),
            Err(TokenError::TooLarge)
        );
        for garbage in ["", ".", "..", "a.b.c", "ünïcödé.☃.x"] {
            assert_eq!(
                tokens.verify(garbage),
                Err(TokenError::Invalid),
                "{garbage:?}"
            );
        }
    }
}
