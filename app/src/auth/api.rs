//! The server functions, at stable URLs under `/api`. Each accepts a form-encoded POST, so the
//! same endpoint serves a hydrated `ActionForm` and a plain HTML form without JavaScript.
//!
//! Their policies live in [`super::policy::server_fn_policy`]; the bodies only delegate to the
//! server-side flows in `crate::ssr::flows`.

use super::{AuditEntry, Profile, Viewer};
use crate::error::AppError;
use leptos::prelude::*;

/// Creates an account and signs it in.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(email: String, password: String) -> Result<Viewer, AppError> {
    crate::ssr::flows::register(email, password).await
}

/// Signs in with email and password; `next` is where to go afterwards (same-site paths only).
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<Viewer, AppError> {
    crate::ssr::flows::login(email, password, next).await
}

/// Ends this session and clears both cookies. Safe to call when already signed out.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::ssr::flows::logout().await
}

/// Ends every session of the signed-in user on every device, this one included.
#[server(prefix = "/api", endpoint = "logout_all")]
pub async fn logout_all() -> Result<(), AppError> {
    crate::ssr::flows::logout_all().await
}

/// Rotates the refresh session and issues a new access token.
#[server(prefix = "/api", endpoint = "refresh")]
pub async fn refresh() -> Result<Viewer, AppError> {
    crate::ssr::flows::refresh().await
}

/// The signed-in user's own profile.
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<Profile, AppError> {
    crate::ssr::flows::me().await
}

/// Every account, for administrators.
#[server(prefix = "/api", endpoint = "users")]
pub async fn list_users() -> Result<Vec<Profile>, AppError> {
    crate::ssr::flows::list_users().await
}

/// The newest security events, for administrators.
#[server(prefix = "/api", endpoint = "audit")]
pub async fn audit_log() -> Result<Vec<AuditEntry>, AppError> {
    crate::ssr::flows::audit_log().await
}
