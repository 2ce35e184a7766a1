//! The server functions, at stable URLs under `/api`. Each accepts a form-encoded POST, so the
//! same endpoint serves a hydrated `ActionForm` and a plain HTML form without JavaScript.
//!
//! Their policies live in [`super::policy::server_fn_policy`]; the bodies only delegate to the
//! server-side flows in `crate::ssr::flows`.

use super::{AuditEntry, Profile, SessionInfo, Viewer};
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

/// Who is signed in, as the access token says (no store or database access); `None` when
/// nobody is.
#[server(prefix = "/api", endpoint = "viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    Ok(crate::ssr::context::request_viewer())
}

/// Confirms the signed-in session is still alive (the guard checks it in the store) and returns
/// its viewer.
#[server(prefix = "/api", endpoint = "session")]
pub async fn confirm_session() -> Result<Viewer, AppError> {
    crate::ssr::context::require_viewer(super::policy::Policy::SignedIn)
}

/// Every account, for administrators.
#[server(prefix = "/api", endpoint = "users")]
pub async fn list_users() -> Result<Vec<Profile>, AppError> {
    crate::ssr::admin::list_users().await
}

/// The newest security events, for administrators.
#[server(prefix = "/api", endpoint = "audit")]
pub async fn audit_log() -> Result<Vec<AuditEntry>, AppError> {
    crate::ssr::admin::audit_log().await
}

/// The signed-in user's logins (devices), the current one marked.
#[server(prefix = "/api", endpoint = "sessions")]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    crate::ssr::account::list_sessions().await
}

/// Ends one of the signed-in user's logins, named by its handle from `/api/sessions`.
#[server(prefix = "/api", endpoint = "revoke_session")]
pub async fn revoke_session(handle: String) -> Result<(), AppError> {
    crate::ssr::account::revoke_session(handle).await
}

/// Ends every login of the signed-in user except this one.
#[server(prefix = "/api", endpoint = "logout_others")]
pub async fn logout_others() -> Result<(), AppError> {
    crate::ssr::account::logout_others().await
}

/// Changes the password (the current one is required) and ends every other login.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    crate::ssr::account::change_password(current_password, new_password).await
}

/// Erases the signed-in user's account (the password is required) and signs out everywhere.
#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    crate::ssr::account::delete_account(password).await
}

/// Gives a user the role `role` (`user` or `admin`), effective on their next request.
#[server(prefix = "/api", endpoint = "set_role")]
pub async fn set_role(user_id: i64, role: String) -> Result<(), AppError> {
    crate::ssr::admin::set_role(user_id, role).await
}

/// Disables (every session ends, sign-in refused) or enables an account.
#[server(prefix = "/api", endpoint = "set_disabled")]
pub async fn set_disabled(user_id: i64, disabled: bool) -> Result<(), AppError> {
    crate::ssr::admin::set_disabled(user_id, disabled).await
}

/// Ends every session of a user.
#[server(prefix = "/api", endpoint = "revoke_user_sessions")]
pub async fn revoke_user_sessions(user_id: i64) -> Result<(), AppError> {
    crate::ssr::admin::revoke_user_sessions(user_id).await
}
