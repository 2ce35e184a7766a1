//! How a login's holder last proved who they are, and when: the `auth_time`, `amr` and `acr` of
//! OpenID Connect. Access tokens carry it and refresh records keep it, so it survives rotation;
//! step-up ([`crate::auth::policy::Policy::StepUp`]) reads it from the token alone, with no I/O.
//!
//! Freshness is per action, not a mode: a sensitive action asks whether the last interactive
//! authentication lies within `STEP_UP_MAX_AGE`, so nothing stays elevated once that passes.

use serde::{Deserialize, Serialize};

/// An authentication method, by its RFC 8176 name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// A password.
    Pwd,
    /// A one-time code (TOTP or a recovery code).
    Otp,
    /// A proof of possession of a hardware-bound key (a passkey).
    Hwk,
    /// User presence and verification on the authenticator (a passkey's PIN or biometric).
    User,
    /// More than one factor.
    Mfa,
}

/// The assurance level reached (NIST SP 800-63B), carried as `acr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// One factor.
    #[default]
    #[serde(rename = "aal1")]
    Aal1,
    /// Two factors.
    #[serde(rename = "aal2")]
    Aal2,
}

/// The last interactive authentication of a login. Every field defaults, so a token or record
/// written before these existed still loads: with `auth_time` 0 it is simply not fresh.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    /// Unix seconds.
    #[serde(default)]
    pub auth_time: u64,
    #[serde(default)]
    pub amr: Vec<Method>,
    #[serde(default)]
    pub acr: Level,
}

impl Authentication {
    /// A password checked at `at` (Unix seconds): one factor.
    pub fn password(at: u64) -> Self {
        Self {
            auth_time: at,
            amr: vec![Method::Pwd],
            acr: Level::Aal1,
        }
    }

    /// Whether it happened at most `max_age_secs` before `now` (Unix seconds). A time ahead of
    /// `now` (another instance's clock) counts as now.
    /// A passkey with user verification, alone (`amr` `hwk`, `user`, `mfa`; `aal2`): the key on
    /// a device and the PIN or biometric that unlocks it are two factors.
    pub fn passkey(at: u64) -> Self {
        Self {
            auth_time: at,
            amr: vec![Method::Hwk, Method::User, Method::Mfa],
            acr: Level::Aal2,
        }
    }

    /// A password, then a passkey as the second step.
    pub fn password_and_passkey(at: u64) -> Self {
        Self {
            auth_time: at,
            amr: vec![Method::Pwd, Method::Hwk, Method::User, Method::Mfa],
            acr: Level::Aal2,
        }
    }

    pub fn is_fresh(&self, now: u64, max_age_secs: u64) -> bool {
        self.auth_time != 0 && now.saturating_sub(self.auth_time) <= max_age_secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_use_the_rfc_8176_and_nist_names() {
        let json = serde_json::to_string(&Authentication {
            auth_time: 5,
            amr: vec![
                Method::Pwd,
                Method::Otp,
                Method::Mfa,
                Method::Hwk,
                Method::User,
            ],
            acr: Level::Aal2,
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"auth_time":5,"amr":["pwd","otp","mfa","hwk","user"],"acr":"aal2"}"#
        );
    }

    #[test]
    fn freshness_ends_after_the_maximum_age_and_a_missing_time_is_never_fresh() {
        let signed_in = Authentication::password(1_000);
        assert!(signed_in.is_fresh(1_000, 600));
        assert!(signed_in.is_fresh(1_600, 600));
        assert!(!signed_in.is_fresh(1_601, 600));
        assert!(signed_in.is_fresh(900, 600), "a clock behind ours");
        let from_before: Authentication = serde_json::from_str("{}").unwrap();
        assert_eq!(from_before.acr, Level::Aal1);
        assert!(!from_before.is_fresh(10, 600));
    }
}
