//! Everything a request handler needs, built once at start-up and shared.

use crate::ssr::mail::Mailer;
use crate::ssr::passwords::PasswordHasher;
use crate::ssr::platform::relying_party::Passkeys;
use crate::ssr::platform::sealing::DataKey;
use crate::ssr::sessions::{IssuedRefresh, RefreshSessions};
use crate::ssr::settings::Settings;
use crate::ssr::throttle::known_device::KnownDevices;
use crate::ssr::throttle::LoginThrottle;
use crate::ssr::tokens::cookies::AuthCookies;
use crate::ssr::tokens::{AccessClaims, TokenIssuer};
use axum::extract::FromRef;
use http::HeaderValue;
use leptos::prelude::LeptosOptions;
use sqlx::AnyPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// Users and roles, on SQLite or PostgreSQL (see `users` for the shared dialect).
    pub db: AnyPool,
    pub sessions: RefreshSessions,
    pub throttle: LoginThrottle,
    pub tokens: Arc<TokenIssuer>,
    pub passwords: PasswordHasher,
    pub cookies: AuthCookies,
    /// Signs and checks the known-device cookie (see `known_device`).
    pub known_devices: KnownDevices,
    /// Queues outgoing mail (see `mail`).
    pub mail: Mailer,
    /// Seals second factors' secrets (`DATA_ENCRYPTION_KEY`); `None` in a `prod` deployment
    /// that has not set one, which then offers no two-step verification.
    pub data_key: Option<DataKey>,
    /// Checks passkeys (`WEBAUTHN_RP_ID`); `None` with `PASSKEYS=off`.
    pub passkeys: Option<Arc<Passkeys>>,
    pub leptos_options: LeptosOptions,
}

/// A signed-in session as the browser will hold it: the access token's claims and the two
/// `Set-Cookie` values that deliver it.
pub struct SignedIn {
    pub claims: AccessClaims,
    pub set_cookies: [HeaderValue; 2],
}

impl AppState {
    /// Issues an access token for a refresh session just started or rotated, and the cookies
    /// carrying both.
    pub fn sign_in(&self, issued: &IssuedRefresh) -> SignedIn {
        let (access, claims) = self.tokens.issue(
            &issued.record.viewer(),
            &issued.record.family,
            issued.record.epoch,
            &issued.record.authentication(),
            issued.record.second_factor,
        );
        SignedIn {
            claims,
            set_cookies: [
                self.cookies
                    .set_access(&access, self.tokens.ttl().as_secs()),
                self.cookies.set_refresh(&issued.token, issued.max_age),
            ],
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
